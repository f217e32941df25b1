// The Operations view: one form per data operation with every request field
// of the instance API, byte fields as text, hex or base64, and every response
// field with a copy button. A blob goes to a decrypt form in one click.

import { $, copyButton, h, toast } from './dom.js';
import { asText, ENCODINGS, formatBytes, InputError, parseBytes } from './codec.js';
import { call, errorBox, Failure, refreshKeys, rememberBlob } from './kms.js';
import { renderSnippets } from './snippets.js';

const ALGORITHMS = ['AES_GCM', 'AES_CBC', 'AES_ECB', 'SM4_GCM', 'SM4_CBC', 'SM4_ECB'];

/** Request fields: how each is entered. */
const FIELDS = {
  KeyId: { kind: 'key', help: 'key id or alias/name' },
  Plaintext: { kind: 'bytes', enc: 'text', rows: 3 },
  CiphertextBlob: { kind: 'bytes', enc: 'base64', rows: 3 },
  Algorithm: { kind: 'select', options: ['', ...ALGORITHMS], help: "empty: the key's default (AES_GCM or SM4_GCM)" },
  PaddingMode: { kind: 'select', options: ['', 'PKCS7_PADDING', 'NO_PADDING'], help: 'CBC and ECB only; empty: PKCS7_PADDING' },
  Iv: { kind: 'bytes', enc: 'hex', help: 'GCM 12 bytes, CBC 16 bytes; empty: random (recommended)' },
  Aad: { kind: 'bytes', enc: 'text', help: 'GCM only, at most 8192 bytes' },
  NumberOfBytes: { kind: 'int', min: 1, max: 1024, help: 'data key length, 1–1024; empty: 32' },
  Length: { kind: 'int', min: 1, max: 64, value: '32', help: '1–64' },
};

/** Operations: request fields, response fields (spec §2) and what they do. */
export const OPS = {
  AdvanceEncrypt: {
    req: ['KeyId', 'Plaintext', 'Algorithm', 'PaddingMode', 'Iv', 'Aad'],
    resp: ['KeyId', 'CiphertextBlob', 'Iv', 'RequestId', 'Algorithm', 'PaddingMode', 'KeyVersionId'],
    help: "Encrypts with the key's primary version; the blob names the version, so AdvanceDecrypt needs only the blob (and the Aad).",
  },
  AdvanceDecrypt: {
    req: ['CiphertextBlob', 'KeyId', 'Algorithm', 'PaddingMode', 'Iv', 'Aad'],
    resp: ['KeyId', 'Plaintext', 'RequestId', 'Algorithm', 'PaddingMode', 'KeyVersionId'],
    help: 'Opens an Advance blob with the version it names; or an Encrypt ciphertext when KeyId, Algorithm and Iv are given.',
  },
  Encrypt: {
    req: ['KeyId', 'Plaintext', 'Algorithm', 'PaddingMode', 'Iv', 'Aad'],
    resp: ['KeyId', 'CiphertextBlob', 'Iv', 'RequestId', 'Algorithm', 'PaddingMode'],
    help: "Always the key's initial version; the ciphertext is the raw cipher output, so keep Iv, Algorithm, PaddingMode and Aad.",
  },
  Decrypt: {
    req: ['CiphertextBlob', 'KeyId', 'Algorithm', 'PaddingMode', 'Iv', 'Aad'],
    resp: ['KeyId', 'Plaintext', 'RequestId', 'Algorithm', 'PaddingMode'],
    help: 'Opens an Encrypt ciphertext: give the KeyId, Algorithm, Iv, PaddingMode and Aad used to encrypt.',
  },
  GenerateDataKey: {
    req: ['KeyId', 'Algorithm', 'NumberOfBytes', 'Aad'],
    resp: ['KeyId', 'Iv', 'Plaintext', 'CiphertextBlob', 'RequestId', 'Algorithm'],
    help: 'A fresh random data key, in plaintext and sealed with the initial version (always GCM).',
  },
  AdvanceGenerateDataKey: {
    req: ['KeyId', 'NumberOfBytes', 'Aad'],
    resp: ['KeyId', 'Iv', 'Plaintext', 'CiphertextBlob', 'RequestId', 'Algorithm', 'KeyVersionId'],
    help: 'A fresh random data key, sealed as an Advance blob with the primary version.',
  },
  GenerateRandom: {
    req: ['Length'],
    resp: ['Random', 'RequestId'],
    help: 'Random bytes from the browser\'s cryptographic source, through the module.',
  },
};

const BYTE_RESP = new Set(['CiphertextBlob', 'Plaintext', 'Iv', 'Random']);

// Form values per operation: { field: { text, enc } }.
const values = {};
let current = 'AdvanceEncrypt';

function fieldValue(op, name) {
  values[op] ??= {};
  const f = FIELDS[name];
  return (values[op][name] ??= { text: f.value ?? '', enc: f.enc ?? 'text' });
}

export function initOps() {
  const choices = $('#op-choices');
  for (const op of Object.keys(OPS)) {
    choices.append(h('label', {}, h('input', { type: 'radio', name: 'op', value: op, checked: op === current,
      onchange: () => select(op) }), op));
  }
  $('#op-form').addEventListener('submit', (e) => { e.preventDefault(); send(); });
  $('#op-form').addEventListener('input', () => updateSnippets());
  $('#op-form').addEventListener('change', () => updateSnippets());
  select(current);
}

/** Switches the form to op, keeping what was typed in each operation. */
export function select(op, preset) {
  current = op;
  for (const r of document.querySelectorAll('#op-choices input')) r.checked = r.value === op;
  if (preset) {
    for (const [k, v] of Object.entries(preset)) Object.assign(fieldValue(op, k), v);
  }
  $('#op-help').textContent = OPS[op].help;
  $('#op-fields').replaceChildren(...OPS[op].req.map((name) => fieldControl(op, name)));
  updateSnippets();
}


function fieldControl(op, name) {
  const f = FIELDS[name];
  const v = fieldValue(op, name);
  const id = `op-${name}`;
  const sync = (el) => { v.text = el.value; };
  const help = f.help ? h('p', { class: 'fieldnote', id: `${id}-help` }, f.help) : null;
  const described = f.help ? `${id}-help` : undefined;
  if (f.kind === 'bytes') {
    const input = f.rows
      ? h('textarea', { id, rows: String(f.rows), spellcheck: 'false', 'aria-describedby': described, oninput: (e) => sync(e.target) }, v.text)
      : h('input', { id, autocomplete: 'off', spellcheck: 'false', value: v.text, 'aria-describedby': described, oninput: (e) => sync(e.target) });
    if (f.rows) input.value = v.text;
    return h('div', { class: `encfield${f.rows ? ' wide' : ''}` },
      h('label', { for: id }, name, input),
      h('label', {}, 'as', h('select', { id: `${id}-enc`, 'aria-label': `${name} encoding`, onchange: (e) => reencode(e.target, input, v, name) },
        ENCODINGS.map((x) => h('option', { selected: x === v.enc }, x)))),
      help);
  }
  if (f.kind === 'select') {
    return h('div', { class: 'field' }, h('label', { for: id }, name,
      h('select', { id, 'aria-describedby': described, onchange: (e) => sync(e.target) },
        f.options.map((o) => h('option', { value: o, selected: o === v.text }, o || '(default)')))), help);
  }
  const attrs = f.kind === 'int'
    ? { type: 'number', min: String(f.min), max: String(f.max), step: '1' }
    : { list: 'key-choices', placeholder: 'key-… or alias/…' };
  return h('div', { class: `field${f.kind === 'key' ? ' wide' : ''}` }, h('label', { for: id }, name,
    h('input', { id, autocomplete: 'off', spellcheck: 'false', value: v.text, 'aria-describedby': described, ...attrs, oninput: (e) => sync(e.target) })), help);
}

/** Switching a field's encoding converts what is typed, when it parses. */
function reencode(select, input, v, name) {
  const to = select.value;
  let bytes;
  try {
    bytes = v.text === '' ? null : parseBytes(v.text, v.enc, name);
  } catch {
    bytes = null; // not valid in the old encoding: keep the text, reinterpret it
  }
  if (bytes && to === 'text' && asText(bytes) === undefined) {
    select.value = v.enc;
    toast(`${name} is not UTF-8 text: keep it as hex or base64`);
    return;
  }
  if (bytes) input.value = v.text = formatBytes(bytes, to);
  v.enc = to;
  updateSnippets();
}

/** Builds the request from the form; throws InputError for bad text. */
function buildRequest(op) {
  const req = {};
  const encs = {};
  for (const name of OPS[op].req) {
    const f = FIELDS[name];
    const v = fieldValue(op, name);
    const text = f.kind === 'bytes' && v.enc === 'text' ? v.text : v.text.trim();
    if (text === '') continue;
    if (f.kind === 'bytes') {
      req[name] = parseBytes(text, v.enc, name);
      encs[name] = v.enc;
    } else if (f.kind === 'int') {
      const n = Number(text);
      if (!Number.isInteger(n)) throw new InputError(`${name} must be a whole number`);
      req[name] = n; // out-of-range values go to the engine, which names the limit
    } else {
      req[name] = text;
    }
  }
  return { req, encs };
}

function updateSnippets() {
  try {
    const { req, encs } = buildRequest(current);
    renderSnippets(current, req, encs);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    renderSnippets(current, null);
  }
}

async function send() {
  const op = current;
  const out = $('#op-result');
  let built;
  try {
    built = buildRequest(op);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    out.replaceChildren(h('p', { class: 'input-error', role: 'alert' }, `Not sent: ${err.message}`));
    return;
  }
  const { req, encs } = built;
  try {
    const resp = await call(op, req);
    out.replaceChildren(responseView(op, req, encs, resp));
    if (resp.CiphertextBlob && op !== 'GenerateRandom') {
      rememberBlob({ api: op, blob: resp.CiphertextBlob, keyId: resp.KeyId, keyVersionId: resp.KeyVersionId ?? '',
        aad: req.Aad, iv: resp.Iv, algorithm: resp.Algorithm, paddingMode: resp.PaddingMode });
    }
    refreshKeys().catch(() => {}); // data calls may rotate a key whose interval elapsed
  } catch (err) {
    if (!(err instanceof Failure)) throw err;
    out.replaceChildren(errorBox(err, `${op} failed`));
  }
  out.scrollIntoView({ block: 'nearest' });
}

/** Every response field of the spec, present or not, with copy buttons. */
function responseView(op, req, encs, resp) {
  const rows = OPS[op].resp.map((name) => {
    const val = resp[name];
    const empty = val === undefined || val === '' || (val instanceof Uint8Array && val.length === 0);
    if (empty) return h('tr', { dataset: { field: name } }, h('td', {}, name), h('td', { class: 'empty' }, 'not set'), h('td', {}), h('td', {}));
    if (!BYTE_RESP.has(name)) {
      return h('tr', { dataset: { field: name } }, h('td', {}, name), h('td', { class: 'value' }, String(val)), h('td', {}),
        h('td', {}, copyButton(() => String(val), name)));
    }
    // Plaintext reads as text when it is text (a data key's random bytes are not).
    let enc = name === 'Plaintext' && asText(val) !== undefined && op !== 'GenerateDataKey' && op !== 'AdvanceGenerateDataKey' ? 'text' : 'base64';
    const cell = h('td', { class: 'value' }, formatBytes(val, enc));
    const chooser = h('select', { 'aria-label': `Show ${name} as`, onchange: (e) => { enc = e.target.value; cell.textContent = formatBytes(val, enc); } },
      ENCODINGS.map((x) => h('option', { selected: x === enc }, x)));
    return h('tr', { dataset: { field: name } }, h('td', {}, name), cell, h('td', {}, chooser),
      h('td', {}, copyButton(() => formatBytes(val, enc), name)));
  });
  const nextSteps = [];
  const blob = resp.CiphertextBlob;
  const b64 = (b) => ({ text: formatBytes(b, 'base64'), enc: 'base64' });
  const aad = req.Aad ? { text: formatBytes(req.Aad, encs.Aad), enc: encs.Aad } : { text: '', enc: 'text' };
  if (blob && (op === 'AdvanceEncrypt' || op === 'AdvanceGenerateDataKey')) {
    nextSteps.push(h('button', { type: 'button', class: 'primary', onclick: () => select('AdvanceDecrypt', {
      CiphertextBlob: b64(blob), KeyId: { text: '' }, Algorithm: { text: '' }, PaddingMode: { text: '' }, Iv: { text: '', enc: 'hex' }, Aad: aad,
    }) }, 'Decrypt this blob (AdvanceDecrypt)'));
    nextSteps.push(h('button', { type: 'button', onclick: () => inspectHandler(blob) }, 'Inspect this blob'));
  }
  if (blob && (op === 'Encrypt' || op === 'GenerateDataKey')) {
    const preset = {
      CiphertextBlob: b64(blob), KeyId: { text: resp.KeyId }, Algorithm: { text: resp.Algorithm ?? '' },
      PaddingMode: { text: resp.PaddingMode ?? '' }, Iv: resp.Iv ? { text: formatBytes(resp.Iv, 'hex'), enc: 'hex' } : { text: '', enc: 'hex' }, Aad: aad,
    };
    nextSteps.push(h('button', { type: 'button', class: 'primary', onclick: () => select('Decrypt', preset) }, 'Decrypt this ciphertext (Decrypt)'));
    nextSteps.push(h('button', { type: 'button', onclick: () => select('AdvanceDecrypt', preset) }, 'Open it with AdvanceDecrypt'));
  }
  return h('div', { class: 'resp', dataset: { op } },
    h('h3', {}, `${op}: 200 OK`),
    h('table', { 'aria-label': `${op} response` },
      h('thead', {}, h('tr', {}, h('th', {}, 'Field'), h('th', {}, 'Value'), h('th', {}, 'Show as'), h('th', {}, ''))),
      h('tbody', {}, rows)),
    nextSteps.length ? h('div', { class: 'actions' }, nextSteps) : null);
}

let inspectHandler = () => {};
export const onInspect = (fn) => { inspectHandler = fn; };

/** Preselects a key in the forms (from the key list's "Use in operations"). */
export function useKey(id) {
  for (const op of Object.keys(OPS)) {
    if (OPS[op].req.includes('KeyId') && !op.endsWith('Decrypt')) fieldValue(op, 'KeyId').text = id;
  }
  select(current.endsWith('Decrypt') || current === 'GenerateRandom' ? 'AdvanceEncrypt' : current);
}

