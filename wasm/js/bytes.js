// Conversions between the JS API's objects (bytes as Uint8Array) and the
// module's JSON form (protojson: bytes as standard base64).

/** Fields that carry bytes in any pocketkms request or response, at any depth. */
export const BYTE_FIELDS = new Set([
  'CiphertextBlob', 'Plaintext', 'Aad', 'Iv', 'Random', 'KeyMaterial', 'Ciphertext', 'Tag',
  'Message', 'Digest', 'Signature', 'PrivateKeyPlaintext', 'PrivateKeyCiphertextBlob', 'PublicKey',
]);

/** Byte fields that also accept a string, encoded as UTF-8 (a convenience for text). */
export const TEXT_FIELDS = new Set(['Plaintext', 'Aad', 'Message']);

/** Fields of one operation's response that are text although the name is a byte field elsewhere. */
const TEXT_IN = { GetPublicKey: 'PublicKey' };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const utf8 = (s) => encoder.encode(s);
export const fromUtf8 = (b) => decoder.decode(b);

export function toBase64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

export function fromBase64(text) {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Returns v as a Uint8Array view if it is binary data, else undefined. */
export function asBytes(v) {
  if (v instanceof Uint8Array) return v;
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  return undefined;
}

/**
 * Converts a request object to its JSON-form object: byte fields become
 * base64. Throws TypeError naming the field for a value of the wrong kind
 * (the caller turns it into a 400 InvalidParameter).
 */
export function encodeRequest(value, path = '') {
  if (Array.isArray(value)) return value.map((v, i) => encodeRequest(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object' || asBytes(value)) return value;
  const out = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || v === null) continue;
    const where = path ? `${path}.${k}` : k;
    if (!BYTE_FIELDS.has(k)) {
      out[k] = encodeRequest(v, where);
      continue;
    }
    const b = asBytes(v);
    if (b) out[k] = toBase64(b);
    else if (typeof v === 'string' && TEXT_FIELDS.has(k)) out[k] = toBase64(utf8(v));
    else {
      const allowed = TEXT_FIELDS.has(k) ? 'a Uint8Array or a string' : 'a Uint8Array';
      throw new TypeError(`${where} must be ${allowed}, not ${typeof v === 'object' ? v.constructor?.name ?? 'object' : typeof v}`);
    }
  }
  return out;
}

/**
 * Converts a JSON-form response object of api in place: base64 byte fields
 * become Uint8Array.
 */
export function decodeResponse(value, api = '') {
  if (Array.isArray(value)) {
    value.forEach((v) => decodeResponse(v));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (BYTE_FIELDS.has(k) && typeof v === 'string' && TEXT_IN[api] !== k) value[k] = fromBase64(v);
      else decodeResponse(v);
    }
  }
  return value;
}

/**
 * Decodes the protobuf dkms `Error` message (StatusCode=1 varint,
 * ErrorCode=2, ErrorMessage=3, RequestId=4 strings): the error body of the
 * module's protobuf form. Unknown fields are skipped.
 */
export function decodeProtoError(buf) {
  const out = { StatusCode: 0, ErrorCode: '', ErrorMessage: '', RequestId: '' };
  const names = { 2: 'ErrorCode', 3: 'ErrorMessage', 4: 'RequestId' };
  let off = 0;
  const varint = () => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (off >= buf.length || shift > 63n) throw new Error('bad varint in Error message');
      const b = buf[off++];
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
  };
  while (off < buf.length) {
    const tag = Number(varint());
    const field = tag >> 3;
    const wire = tag & 7;
    if (wire === 0) {
      const v = varint();
      if (field === 1) out.StatusCode = Number(BigInt.asIntN(32, v));
    } else if (wire === 2) {
      const n = Number(varint());
      if (off + n > buf.length) throw new Error('truncated Error message');
      if (names[field]) out[names[field]] = decoder.decode(buf.subarray(off, off + n));
      off += n;
    } else if (wire === 1) off += 8;
    else if (wire === 5) off += 4;
    else throw new Error(`unsupported wire type ${wire} in Error message`);
  }
  return out;
}
