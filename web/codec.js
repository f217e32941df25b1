// Byte inputs and outputs of the playground: text (UTF-8), hex or base64.
// Parsing is strict and says what is wrong, because a silently dropped
// character in an IV or a key would make a wrong ciphertext look right.

const enc = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export const ENCODINGS = ['text', 'hex', 'base64'];

export class InputError extends Error {
  constructor(message) {
    super(message);
    this.name = 'InputError';
  }
}

export function toHex(b) {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

export function fromHex(text, what = 'input') {
  const s = text.replace(/\s+/g, '').replace(/^0x/i, '');
  if (s.length % 2) throw new InputError(`${what} is not valid hex: ${s.length} digits, an odd number`);
  const bad = s.search(/[^0-9a-f]/i);
  if (bad >= 0) throw new InputError(`${what} is not valid hex: '${s[bad]}' at position ${bad}`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
  return out;
}

export function toBase64(b) {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000));
  return btoa(s);
}

export function fromBase64(text, what = 'input') {
  // Accept the URL-safe alphabet and missing padding; refuse anything else.
  let s = text.replace(/\s+/g, '').replace(/-/g, '+').replace(/_/g, '/');
  const bad = s.search(/[^A-Za-z0-9+/=]/);
  if (bad >= 0) throw new InputError(`${what} is not valid base64: '${s[bad]}' at position ${bad}`);
  if (/=[^=]/.test(s)) throw new InputError(`${what} is not valid base64: '=' padding in the middle`);
  s = s.replace(/=+$/, '');
  if (s.length % 4 === 1) throw new InputError(`${what} is not valid base64: ${s.length} characters cannot be whole bytes`);
  s += '='.repeat((4 - (s.length % 4)) % 4);
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Parses a field's text in the given encoding ('text', 'hex', 'base64'). */
export function parseBytes(text, encoding, what) {
  switch (encoding) {
    case 'text': return enc.encode(text);
    case 'hex': return fromHex(text, what);
    case 'base64': return fromBase64(text, what);
  }
  throw new InputError(`unknown encoding ${encoding}`);
}

/**
 * PEM text with its line breaks put back (a one-line input drops them on
 * paste), or undefined when text is not one PEM block. The engine parses it.
 */
export function pemText(text) {
  const m = /^-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----$/.exec(text.trim());
  if (!m) return undefined;
  const body = m[2].replace(/\s+/g, '');
  return `-----BEGIN ${m[1]}-----\n${body.replace(/.{1,64}/g, '$&\n')}-----END ${m[1]}-----\n`;
}

/** Hex when the text looks like hex, else base64: for pasted blobs. */
export function guessEncoding(text) {
  const s = text.replace(/\s+/g, '').replace(/^0x/i, '');
  return s.length > 0 && s.length % 2 === 0 && /^[0-9a-f]+$/i.test(s) ? 'hex' : 'base64';
}

/** UTF-8 text if b decodes cleanly and is printable, else undefined. */
export function asText(b) {
  try {
    const s = strictUtf8.decode(b);
    return /[\u0000-\u0008\u000e-\u001f\u007f]/.test(s) ? undefined : s;
  } catch {
    return undefined;
  }
}

/** Formats bytes; 'text' falls back to a note when the bytes are not text. */
export function formatBytes(b, encoding) {
  if (encoding === 'hex') return toHex(b);
  if (encoding === 'text') return asText(b) ?? '(not UTF-8 text: choose hex or base64)';
  return toBase64(b);
}

export const utf8 = (s) => enc.encode(s);
