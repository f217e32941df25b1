// The parity harness for JavaScript runtimes: the same vectors and the same
// comparison rule as tests/parity/vectors.go, over a PocketKMS instance from
// the JS package. Runs unchanged in Node and in a browser page: no node:
// imports, no package imports (the caller passes the loaded PocketKMS
// class), so it checks the package rather than trusting its helpers.
//
// Rule (tests/vectors/README.md): every field listed in "response" must
// match exactly, fields not listed are ignored, a listed zero value ("", 0,
// false, []) also matches an absent field; objects nest under the same rule;
// arrays must have the same length. "lengths" gives decoded byte lengths of
// top-level fields. "error" compares StatusCode, ErrorCode and ErrorMessage.

/** Fields that carry bytes in any request or response (from the .proto files). */
export const BYTE_FIELDS = new Set(['CiphertextBlob', 'Plaintext', 'Aad', 'Iv', 'Random', 'KeyMaterial', 'Ciphertext', 'Tag',
  'Message', 'Digest', 'Signature', 'PrivateKeyPlaintext', 'PrivateKeyCiphertextBlob', 'PublicKey']);

export function fromBase64(text) {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function toBase64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** The JS API's request object: base64 byte fields become Uint8Array, at any depth. */
export function toRequest(v) {
  if (Array.isArray(v)) return v.map(toRequest);
  if (v === null || typeof v !== 'object') return v;
  const out = {};
  for (const [k, x] of Object.entries(v)) out[k] = BYTE_FIELDS.has(k) && typeof x === 'string' ? fromBase64(x) : toRequest(x);
  return out;
}

/** The JSON form of a JS API response: Uint8Array fields become base64. */
export function toJSONForm(v) {
  if (v instanceof Uint8Array) return toBase64(v);
  if (Array.isArray(v)) return v.map(toJSONForm);
  if (v === null || typeof v !== 'object') return v;
  const out = {};
  for (const [k, x] of Object.entries(v)) out[k] = toJSONForm(x);
  return out;
}

function zeroLike(v) {
  if (typeof v === 'string') return '';
  if (typeof v === 'number') return 0;
  if (typeof v === 'boolean') return false;
  if (Array.isArray(v)) return [];
  if (v !== null && typeof v === 'object') return {};
  return undefined;
}

const show = (v) => JSON.stringify(v)?.slice(0, 200);

/** Throws if got does not match want under the rule above. */
export function match(want, got, path = 'response') {
  if (got === undefined || got === null) got = zeroLike(want);
  if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) throw new Error(`${path}: want ${want.length} elements ${show(want)}, got ${show(got)}`);
    want.forEach((w, i) => match(w, got[i], `${path}[${i}]`));
    return;
  }
  if (want !== null && typeof want === 'object') {
    if (got === null || typeof got !== 'object' || Array.isArray(got)) throw new Error(`${path}: want an object, got ${show(got)}`);
    for (const k of Object.keys(want).sort()) match(want[k], got[k], `${path}.${k}`);
    return;
  }
  if (want !== got) throw new Error(`${path}: got ${show(got)}, want ${show(want)}`);
}

/** Throws if a step's outcome (resp: JSON-form object, or err) differs from its expectation. */
export function check(step, resp, err) {
  const e = step.expect;
  if (e.error) {
    if (!err) throw new Error(`want error ${e.error.StatusCode} ${e.error.ErrorCode}, got response ${show(resp)}`);
    const got = { StatusCode: err.status, ErrorCode: err.code, ErrorMessage: err.message };
    if (got.StatusCode !== e.error.StatusCode || got.ErrorCode !== e.error.ErrorCode || got.ErrorMessage !== e.error.ErrorMessage) {
      throw new Error(`error mismatch:\n got  ${show(got)}\n want ${show(e.error)}`);
    }
    return;
  }
  if (err) throw new Error(`unexpected error: ${err.status} ${err.code}: ${err.message}`);
  match(e.response, resp);
  for (const [field, n] of Object.entries(e.lengths ?? {})) {
    const len = resp[field] ? fromBase64(resp[field]).length : 0;
    if (len !== n) throw new Error(`${field} is ${len} bytes, want ${n}`);
  }
}

/** kms.call promises Uint8Array for every byte field, at any depth: check it. */
function assertBytesTyped(v, path) {
  if (Array.isArray(v)) v.forEach((x, i) => assertBytesTyped(x, `${path}[${i}]`));
  else if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) {
    for (const [k, x] of Object.entries(v)) {
      const text = path === 'GetPublicKey' && k === 'PublicKey'; // PEM text, the one string of that name
      if (BYTE_FIELDS.has(k) && !text && !(x instanceof Uint8Array)) throw new Error(`${path}.${k} is ${typeof x}, not a Uint8Array`);
      assertBytesTyped(x, `${path}.${k}`);
    }
  }
}

/**
 * Calls one step through the JS API in the given mode: 'call' (objects with
 * Uint8Array, the product API) or 'callJSON' (the JSON text form). Returns
 * [JSON-form response, error].
 */
export async function callStep(kms, mode, api, request) {
  try {
    if (mode === 'callJSON') return [JSON.parse(await kms.callJSON(api, JSON.stringify(request))), null];
    const resp = await kms.call(api, toRequest(request));
    assertBytesTyped(resp, api);
    return [toJSONForm(resp), null];
  } catch (err) {
    if (typeof err?.status !== 'number' || typeof err?.code !== 'string') throw err; // not a KmsError: a harness or package bug
    return [null, err];
  }
}

/** Runs a scenario on kms (fresh store); throws on the first mismatch, naming the step. */
export async function runScenario(kms, scenario, mode) {
  for (const [i, step] of scenario.steps.entries()) {
    const [resp, err] = await callStep(kms, mode, step.api, step.request);
    try {
      check(step, resp, err);
    } catch (e) {
      throw new Error(`${scenario.name} [${mode}] step ${i} ${step.api} (${step.note ?? ''}): ${e.message}`);
    }
  }
  return scenario.steps.length;
}

// Cross-runtime decryption (crossruntime.json; Go twin in cross_test.go).

async function importKeys(kms, cross) {
  for (const k of cross.Keys) await kms.callJSON('ImportKey', JSON.stringify(k));
}

/** Seals every request: AdvanceEncrypt twice (Ivs must differ) and Encrypt once. Returns the items. */
export async function seal(kms, cross) {
  await importKeys(kms, cross);
  const items = [];
  for (const [i, r] of cross.Seals.entries()) {
    const adv = [];
    for (const api of ['AdvanceEncrypt', 'AdvanceEncrypt', 'Encrypt']) {
      const m = toJSONForm(await kms.call(api, toRequest(r)));
      const it = { seal: i, api, CiphertextBlob: m.CiphertextBlob ?? '', Iv: m.Iv ?? '', Algorithm: m.Algorithm ?? '', PaddingMode: m.PaddingMode ?? '' };
      if (api === 'AdvanceEncrypt') adv.push(`${it.Iv}|${it.CiphertextBlob}`);
      items.push(it);
    }
    if (!(r.Algorithm ?? '').endsWith('_ECB') && adv[0] === adv[1]) {
      throw new Error(`seal ${i}: two AdvanceEncrypt calls gave the same Iv and blob: the Iv is not random`);
    }
  }
  // Randomized asymmetric results, for every other runtime to verify or decrypt.
  for (const [api, op, field, reqs] of [['Sign', 'Sign', 'Signature', cross.Signs ?? []], ['Wrap', 'Encrypt', 'CiphertextBlob', cross.Wraps ?? []]]) {
    for (const [i, r] of reqs.entries()) {
      const m = toJSONForm(await kms.call(op, toRequest(r)));
      items.push({ seal: i, api, CiphertextBlob: m[field] ?? '', Iv: '', Algorithm: m.Algorithm ?? '', PaddingMode: '' });
    }
  }
  return items;
}

/** How many items a runtime makes from cross. */
const itemCount = (cross) => 3 * cross.Seals.length + (cross.Signs ?? []).length + (cross.Wraps ?? []).length;

async function openAsymmetric(kms, cross, runtime, it) {
  const r = (it.api === 'Sign' ? cross.Signs : cross.Wraps)?.[it.seal];
  if (!r) throw new Error(`${runtime}: ${it.api} item names request ${it.seal}`);
  const [op, req] = it.api === 'Sign'
    ? ['Verify', { KeyId: r.KeyId, Message: r.Message, Algorithm: it.Algorithm, Signature: it.CiphertextBlob }]
    : ['Decrypt', { KeyId: r.KeyId, CiphertextBlob: it.CiphertextBlob, Algorithm: it.Algorithm }];
  let m;
  try {
    m = toJSONForm(await kms.call(op, toRequest(req)));
  } catch (err) {
    throw new Error(`${runtime} ${it.api} ${it.seal} ${op}: ${err.status} ${err.code}: ${err.message}`);
  }
  if (it.api === 'Sign' ? m.Value !== true : m.Plaintext !== r.Plaintext) {
    throw new Error(`${runtime} ${it.api} ${it.seal} (${it.Algorithm}): ${op} does not accept it`);
  }
}

/** Opens every item of a blobs file; returns the number opened, throws on the first failure. */
export async function open(kms, cross, file) {
  if (file.items.length !== itemCount(cross)) throw new Error(`${file.runtime}: ${file.items.length} items, want ${itemCount(cross)}`);
  await importKeys(kms, cross);
  for (const it of file.items) {
    if (it.api === 'Sign' || it.api === 'Wrap') {
      await openAsymmetric(kms, cross, file.runtime, it);
      continue;
    }
    const r = cross.Seals[it.seal];
    if (!r) throw new Error(`${file.runtime}: item names seal ${it.seal}`);
    const [api, req] = it.api === 'AdvanceEncrypt'
      ? ['AdvanceDecrypt', { CiphertextBlob: it.CiphertextBlob, Aad: r.Aad }]
      : ['Decrypt', { KeyId: r.KeyId, CiphertextBlob: it.CiphertextBlob, Iv: it.Iv, Algorithm: it.Algorithm, PaddingMode: it.PaddingMode, Aad: r.Aad }];
    for (const k of Object.keys(req)) if (req[k] === '' || req[k] === undefined) delete req[k];
    let m;
    try {
      m = toJSONForm(await kms.call(api, toRequest(req)));
    } catch (err) {
      throw new Error(`${file.runtime} seal ${it.seal} ${api}: ${err.status} ${err.code}: ${err.message}`);
    }
    if (m.Plaintext !== r.Plaintext || m.KeyId !== r.KeyId) {
      throw new Error(`${file.runtime} seal ${it.seal} ${api}: got KeyId ${m.KeyId}, plaintext ${String(m.Plaintext).slice(0, 40)}`);
    }
  }
  return file.items.length;
}
