// The Operations view: one form per data operation with every request field
// of the instance API, byte fields as text, hex or base64, and every response
// field with a copy button. A blob goes to a decrypt form in one click.

import { $, copyButton, h, toast } from './dom.js';
import { asText, ENCODINGS, formatBytes, InputError, parseBytes } from './codec.js';
import { call, errorBox, Failure, refreshKeys, rememberBlob } from './kms.js';
import { renderSnippets } from './snippets.js';

const ALGORITHMS = ['AES_GCM', 'AES_CBC', 'AES_ECB', 'SM4_GCM', 'SM4_CBC', 'SM4_ECB', 'RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1', 'SM2PKE'];
const SIGN_ALGORITHMS = ['RSA_PSS_SHA_256', 'RSA_PKCS1_SHA_256', 'ECDSA_SHA_256', 'SM2DSA'];
const PAIR_SPECS = ['RSA_2048', 'RSA_3072', 'RSA_4096', 'EC_P256', 'EC_P256K', 'EC_SM2'];

/** Request fields: how each is entered. */
const FIELDS = {
  KeyId: { kind: 'key', help: 'key id or alias/name' },
  Plaintext: { kind: 'bytes', enc: 'text', rows: 3 },
  CiphertextBlob: { kind: 'bytes', enc: 'base64', rows: 3 },
  Algorithm: { kind: 'select', options: ['', ...ALGORITHMS], help: "empty: the key's default (AES_GCM, SM4_GCM; RSA keys RSAES_OAEP_SHA_256, SM2 keys SM2PKE)" },
  SignAlgorithm: { name: 'Algorithm', kind: 'select', options: ['', ...SIGN_ALGORITHMS], help: "empty: the key's default (RSA_PSS_SHA_256, ECDSA_SHA_256 or SM2DSA)" },
  Message: { kind: 'bytes', enc: 'text', rows: 3, help: 'RAW: the message itself; DIGEST: its 32-byte digest (SM2DSA: SM3(Z‖M))' },
  MessageType: { kind: 'select', options: ['', 'RAW', 'DIGEST'], help: 'empty: RAW' },
  Signature: { kind: 'bytes', enc: 'base64', rows: 2 },
  KeyPairSpec: { kind: 'select', options: PAIR_SPECS, value: 'RSA_2048', help: 'the data key pair to make' },
  KeyFormat: { kind: 'select', options: ['', 'PEM', 'DER'], help: 'PKCS#8 private key and SPKI public key; empty: PEM' },
  GcmAlgorithm: { name: 'Algorithm', kind: 'select', options: ['', 'AES_GCM', 'SM4_GCM'], help: 'how the private key is sealed; empty: the key\'s GCM' },
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
  Sign: {
    req: ['KeyId', 'Message', 'MessageType', 'SignAlgorithm'],
    resp: ['KeyId', 'Signature', 'RequestId', 'Algorithm', 'MessageType'],
    help: 'Signs with an asymmetric SIGN/VERIFY key (its newest version). ECDSA and SM2 signatures are DER.',
  },
  Verify: {
    req: ['KeyId', 'Message', 'MessageType', 'SignAlgorithm', 'Signature'],
    resp: ['KeyId', 'Value', 'RequestId', 'Algorithm', 'MessageType'],
    help: 'Value is true or false: a wrong or malformed signature is false, not an error.',
  },
  GetPublicKey: {
    req: ['KeyId'],
    resp: ['KeyId', 'PublicKey', 'RequestId'],
    help: 'The PEM SubjectPublicKeyInfo of an asymmetric key: verify and encrypt with it anywhere (openssl, any crypto library).',
  },
  GenerateDataKeyPair: {
    req: ['KeyId', 'KeyPairSpec', 'KeyFormat', 'GcmAlgorithm', 'Aad'],
    resp: ['KeyId', 'KeyPairSpec', 'PrivateKeyPlaintext', 'PublicKey', 'PrivateKeyCiphertextBlob', 'Iv', 'RequestId', 'Algorithm'],
    help: 'A fresh key pair; the private key also sealed with the symmetric key\'s initial version (Decrypt opens it with KeyId, Iv and Aad).',
  },
  GenerateDataKeyPairWithoutPlaintext: {
    req: ['KeyId', 'KeyPairSpec', 'KeyFormat', 'GcmAlgorithm', 'Aad'],
    resp: ['KeyId', 'KeyPairSpec', 'PublicKey', 'PrivateKeyCiphertextBlob', 'Iv', 'RequestId', 'Algorithm'],
    help: 'Like GenerateDataKeyPair, without the private key in plaintext: store the sealed one, Decrypt it when needed.',
  },
  AdvanceGenerateDataKeyPair: {
    req: ['KeyId', 'KeyPairSpec', 'KeyFormat', 'Aad'],
    resp: ['KeyId', 'KeyPairSpec', 'PrivateKeyPlaintext', 'PublicKey', 'PrivateKeyCiphertextBlob', 'Iv', 'RequestId', 'Algorithm', 'KeyVersionId'],
    help: 'A fresh key pair; the private key sealed as an Advance blob with the primary version (AdvanceDecrypt opens it).',
  },
  AdvanceGenerateDataKeyPairWithoutPlaintext: {
    req: ['KeyId', 'KeyPairSpec', 'KeyFormat', 'Aad'],
    resp: ['KeyId', 'KeyPairSpec', 'PublicKey', 'PrivateKeyCiphertextBlob', 'Iv', 'RequestId', 'Algorithm', 'KeyVersionId'],
    help: 'Like AdvanceGenerateDataKeyPair, without the private key in plaintext.',
  },
  GenerateRandom: {
    req: ['Length'],
    resp: ['Random', 'RequestId'],
    help: 'Random bytes from the browser\'s cryptographic source, through the module.',
  },
};

/** The wire name of a form field (two forms of Algorithm share it). */
const wireName = (name) => FIELDS[name].name ?? name;

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
  const label = wireName(name);
  const sync = (el) => { v.text = el.value; };
  const help = f.help ? h('p', { class: 'fieldnote', id: `${id}-help` }, f.help) : null;
  const described = f.help ? `${id}-help` : undefined;
  if (f.kind === 'bytes') {
    const input = f.rows
      ? h('textarea', { id, rows: String(f.rows), spellcheck: 'false', 'aria-describedby': described, oninput: (e) => sync(e.target) }, v.text)
      : h('input', { id, autocomplete: 'off', spellcheck: 'false', value: v.text, 'aria-describedby': described, oninput: (e) => sync(e.target) });
    if (f.rows) input.value = v.text;
    return h('div', { class: `encfield${f.rows ? ' wide' : ''}` },
      h('label', { for: id }, label, input),
      h('label', {}, 'as', h('select', { id: `${id}-enc`, 'aria-label': `${name} encoding`, onchange: (e) => reencode(e.target, input, v, name) },
        ENCODINGS.map((x) => h('option', { selected: x === v.enc }, x)))),
      help);
  }
  if (f.kind === 'select') {
    return h('div', { class: 'field' }, h('label', { for: id }, label,
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
    const wire = wireName(name);
    if (f.kind === 'bytes') {
      req[wire] = parseBytes(text, v.enc, name);
      encs[wire] = v.enc;
    } else if (f.kind === 'int') {
      const n = Number(text);
      if (!Number.isInteger(n)) throw new InputError(`${name} must be a whole number`);
      req[wire] = n; // out-of-range values go to the engine, which names the limit
    } else {
      req[wire] = text;
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
    const val = name === 'Value' ? (resp.Value ?? false) : resp[name]; // proto3 leaves a false Value out
    const empty = val === undefined || val === '' || (val instanceof Uint8Array && val.length === 0);
    if (empty) return h('tr', { dataset: { field: name } }, h('td', {}, name), h('td', { class: 'empty' }, 'not set'), h('td', {}), h('td', {}));
    if (!(val instanceof Uint8Array)) {
      return h('tr', { dataset: { field: name } }, h('td', {}, name), h('td', { class: 'value' }, String(val)), h('td', {}),
        h('td', {}, copyButton(() => String(val), name)));
    }
    // Plaintext reads as text when it is text (a data key's random bytes are not).
    // Plaintext reads as text when it is text (a data key's random bytes are
    // not); so do PEM key pairs.
    const textual = name === 'Plaintext' ? op !== 'GenerateDataKey' && op !== 'AdvanceGenerateDataKey'
      : name === 'PrivateKeyPlaintext' || name === 'PublicKey';
    let enc = textual && asText(val) !== undefined ? 'text' : 'base64';
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
  if (op === 'Sign' && resp.Signature) {
    nextSteps.push(h('button', { type: 'button', class: 'primary', onclick: () => select('Verify', {
      KeyId: { text: resp.KeyId }, Message: { ...fieldValue('Sign', 'Message') }, MessageType: { text: resp.MessageType ?? '' },
      SignAlgorithm: { text: resp.Algorithm ?? '' }, Signature: b64(resp.Signature),
    }) }, 'Verify this signature (Verify)'));
  }
  const sealed = resp.PrivateKeyCiphertextBlob;
  if (sealed && op.startsWith('Advance')) {
    nextSteps.push(h('button', { type: 'button', class: 'primary', onclick: () => select('AdvanceDecrypt', {
      CiphertextBlob: b64(sealed), KeyId: { text: '' }, Algorithm: { text: '' }, PaddingMode: { text: '' }, Iv: { text: '', enc: 'hex' }, Aad: aad,
    }) }, 'Open the private key (AdvanceDecrypt)'));
  } else if (sealed) {
    nextSteps.push(h('button', { type: 'button', class: 'primary', onclick: () => select('Decrypt', {
      CiphertextBlob: b64(sealed), KeyId: { text: resp.KeyId }, Algorithm: { text: resp.Algorithm ?? '' }, PaddingMode: { text: '' },
      Iv: { text: formatBytes(resp.Iv, 'hex'), enc: 'hex' }, Aad: aad,
    }) }, 'Open the private key (Decrypt)'));
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

