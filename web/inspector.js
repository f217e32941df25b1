// The blob inspector: lays a CiphertextBlob out byte by byte with the
// engine's own parser (the InspectBlob operation), colour-coded and labelled,
// and explains input that is not a blob instead of throwing.

import { $, h } from './dom.js';
import { guessEncoding, InputError, parseBytes, toBase64, toHex } from './codec.js';
import { call, errorBox, Failure, findKey, onBlobsChanged, onKeysChanged, state } from './kms.js';

const MAX_BYTES_SHOWN = 256; // longer ciphertexts are elided in the middle
const LABELS = {
  Magic: 'magic',
  VersionAndPadding: 'version and padding',
  Algorithm: 'algorithm',
  KeyVersionId: 'key version id',
  Iv: 'IV',
  Ciphertext: 'ciphertext',
  Tag: 'GCM tag',
  Unparsed: 'not parsed',
};

let last = null; // the bytes last inspected, to re-render links after key changes
let goToKey = () => {};
export const onGoToKey = (fn) => { goToKey = fn; };

export function initInspector() {
  $('#inspect-form').addEventListener('submit', (e) => {
    e.preventDefault();
    inspectText();
  });
  $('#inspect-pick').addEventListener('change', (e) => {
    const b = state.blobs.find((x) => String(x.n) === e.target.value);
    if (b) inspectBytes(b.blob, true);
  });
  $('#inspect-file').addEventListener('change', async (e) => {
    const file = e.target.files[0];
    if (!file) return;
    const bytes = new Uint8Array(await file.arrayBuffer());
    // A text file holding base64/hex is read as text; anything else as raw bytes.
    const text = new TextDecoder().decode(bytes).trim();
    if (/^[A-Za-z0-9+/=_\-\s]+$/.test(text) && text.length > 0) {
      $('#inspect-input').value = text;
      inspectText();
    } else {
      inspectBytes(bytes, true);
    }
  });
  onBlobsChanged(updatePick);
  onKeysChanged(() => { if (last) inspectBytes(last, false); });
}

function updatePick() {
  $('#inspect-pick').replaceChildren(h('option', { value: '' }, '—'),
    ...state.blobs.map((b) => h('option', { value: String(b.n) },
      `#${b.n} ${b.api} · ${b.keyVersionId || b.keyId} · ${b.blob.length} bytes`)));
}

function inspectText() {
  const text = $('#inspect-input').value;
  let enc = $('#inspect-enc').value;
  if (enc === 'auto') enc = guessEncoding(text);
  try {
    inspectBytes(parseBytes(text, enc, `The blob (read as ${enc})`), false);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    $('#inspect-out').replaceChildren(h('div', { class: 'problem', role: 'alert' }, h('strong', {}, 'Cannot read the input: '), err.message));
  }
}

/** Shows blob b; fill puts it in the text box as base64 too. */
export async function inspectBytes(b, fill) {
  last = b;
  if (fill) {
    $('#inspect-input').value = toBase64(b);
    $('#inspect-enc').value = 'base64';
  }
  const out = $('#inspect-out');
  if (b.length === 0) {
    out.replaceChildren(h('div', { class: 'problem', role: 'alert' }, h('strong', {}, 'Nothing to inspect: '), 'paste a blob first.'));
    return;
  }
  let r;
  try {
    r = await call('InspectBlob', { CiphertextBlob: b });
  } catch (err) {
    if (!(err instanceof Failure)) throw err;
    out.replaceChildren(errorBox(err, 'InspectBlob failed'));
    return;
  }
  // protojson leaves out zero values: the magic byte's Offset 0 arrives unset.
  r.Fields = (r.Fields ?? []).map((f) => ({ ...f, Offset: f.Offset ?? 0, Length: f.Length ?? 0, Value: f.Value ?? '' }));
  out.replaceChildren(r.Valid ? validView(b, r) : invalidView(b, r));
}

function byteGrid(b, spans, badAt) {
  const grid = h('div', { class: 'bytes', role: 'img', 'aria-label': `The ${b.length} bytes of the blob, coloured by part` });
  const shown = (i) => b.length <= MAX_BYTES_SHOWN || i < MAX_BYTES_SHOWN - 64 || i >= b.length - 64;
  let elided = false;
  for (let i = 0; i < b.length; i++) {
    if (!shown(i)) {
      if (!elided) grid.append(h('span', { class: 'more' }, `… ${b.length - MAX_BYTES_SHOWN} more bytes …`));
      elided = true;
      continue;
    }
    const part = spans.find((s) => i >= s.Offset && i < s.Offset + s.Length)?.Name ?? 'Unparsed';
    grid.append(h('span', { class: `f-${part}${i === badAt ? ' bad' : ''}`, title: `byte ${i}: ${LABELS[part] ?? part}` },
      b[i].toString(16).padStart(2, '0')));
  }
  return grid;
}

function legend(names) {
  return h('ul', { class: 'legend', 'aria-label': 'Colour legend' }, names.map((n) => h('li', { class: `f-${n}` }, LABELS[n] ?? n)));
}

function validView(b, r) {
  const key = findKey(r.KeyId);
  const versions = key ? state.versions.get(key.KeyId) ?? [] : [];
  const version = versions.find((v) => v.KeyVersionId === r.KeyVersionId);
  const link = key
    ? h('a', { href: `#keys/${r.KeyId}/${r.KeyVersionId}`, class: 'key-link', onclick: (e) => { e.preventDefault(); goToKey(r.KeyId, r.KeyVersionId); } },
      `${r.KeyId}${version ? `, version ${versions.indexOf(version) + 1} of ${versions.length}` : ''}`)
    : h('span', { class: 'bad' }, `${r.KeyId} (not in this store)`);
  const versionNote = !key ? '' : !version
    ? ' — this version is not in the key'
    : version.Primary ? ' — the primary version' : version.Initial ? ' — the initial version (no longer primary)' : ' — an older version';
  return h('div', { class: 'card inspect-valid' },
    h('h3', {}, `A valid ${r.Algorithm} blob of ${b.length} bytes`),
    h('dl', { class: 'meta' },
      h('dt', {}, 'Key'), h('dd', {}, link),
      h('dt', {}, 'Key version id'), h('dd', { class: 'mono', 'data-field': 'KeyVersionId' }, r.KeyVersionId, versionNote),
      h('dt', {}, 'Algorithm'), h('dd', { 'data-field': 'Algorithm' }, r.Algorithm),
      h('dt', {}, 'Padding'), h('dd', { 'data-field': 'PaddingMode' }, r.PaddingMode || 'none (GCM)'),
      h('dt', {}, 'Cipher version'), h('dd', {}, String(r.CipherVersion ?? 0))),
    legend(r.Fields.map((f) => f.Name)),
    byteGrid(b, r.Fields, -1),
    h('table', { class: 'fields', 'aria-label': 'Blob fields' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Part'), h('th', {}, 'Bytes'), h('th', {}, 'Length'), h('th', {}, 'Value'))),
      h('tbody', {}, r.Fields.map((f) => h('tr', { dataset: { field: f.Name } },
        h('td', {}, h('span', { class: `swatch f-${f.Name}`, 'aria-hidden': 'true' }), f.Name),
        h('td', {}, f.Length ? `${f.Offset}–${f.Offset + f.Length - 1}` : '—'),
        h('td', {}, String(f.Length)),
        h('td', { class: 'mono' }, fieldValue(b, f)))))));
}

function fieldValue(b, f) {
  if (['Ciphertext', 'Tag', 'Iv'].includes(f.Name)) {
    const hex = toHex(b.subarray(f.Offset, f.Offset + f.Length));
    return hex.length > 96 ? `${hex.slice(0, 48)}…${hex.slice(-48)}` : hex;
  }
  return f.Value;
}

function invalidView(b, r) {
  const at = /at byte (\d+)/.exec(r.Problem ?? '');
  const badAt = at ? Number(at[1]) : -1;
  return h('div', { class: 'card inspect-invalid' },
    h('div', { class: 'problem', role: 'alert' }, h('strong', {}, 'Not a valid blob: '), h('span', { class: 'problem-text' }, r.Problem)),
    h('p', { class: 'muted' }, `${b.length} bytes read.`, badAt >= 0 && badAt < b.length ? ` The byte at ${badAt} is outlined.` : '',
      ' An Advance blob starts with 0x24 (\'$\'), then version/padding, the algorithm id, a 36-character key version id, the IV and the ciphertext. ',
      'Encrypt and GenerateDataKey ciphertexts are not blobs: open them with Decrypt and the parameters you kept.'),
    byteGrid(b, [], badAt));
}
