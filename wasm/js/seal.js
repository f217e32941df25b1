// Sealing at rest: persistent stores encrypt the records that hold key
// material before they leave memory. AES-256-GCM through WebCrypto (in
// browsers, Node 20+ and workerd alike), a fresh random 96-bit IV per seal,
// and the record key as additional data, so a sealed value moved to another
// record (say, one key's material swapped for another's) fails to open.
// Sealed form: IV (12 bytes) || ciphertext || tag (16 bytes).

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const IV_BYTES = 12;

// Which records are sealed is the store layout's to say (layout.js, generated
// from core/store/layout.go).
export { isSealedKey, SEALED_PREFIXES } from './layout.js';

function subtle() {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new Error('pocketkms: WebCrypto (crypto.subtle) is required to seal the store at rest');
  return s;
}

/** Imports 32 raw bytes as a non-extractable AES-256-GCM key. */
export async function importRootKey(raw) {
  if (!(raw instanceof Uint8Array) || raw.length !== 32) {
    throw new TypeError('pocketkms: a root key is exactly 32 bytes');
  }
  return subtle().importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
}

/** Generates a fresh non-extractable AES-256-GCM root key. */
export function generateRootKey() {
  return subtle().generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

export async function seal(rootKey, recordKey, value) {
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const ct = new Uint8Array(await subtle().encrypt(
    { name: 'AES-GCM', iv, additionalData: encoder.encode(recordKey) }, rootKey, encoder.encode(value)));
  const out = new Uint8Array(IV_BYTES + ct.length);
  out.set(iv);
  out.set(ct, IV_BYTES);
  return out;
}

export async function unseal(rootKey, recordKey, sealed) {
  if (!(sealed instanceof Uint8Array) || sealed.length < IV_BYTES + 16) {
    throw new Error(`pocketkms: sealed record ${recordKey} is truncated`);
  }
  try {
    const pt = await subtle().decrypt(
      { name: 'AES-GCM', iv: sealed.subarray(0, IV_BYTES), additionalData: encoder.encode(recordKey) },
      rootKey, sealed.subarray(IV_BYTES));
    return decoder.decode(pt);
  } catch {
    throw new Error(`pocketkms: cannot unseal record ${recordKey}: wrong root key, or the record was altered or moved`);
  }
}

/**
 * Remembers the sealed form of each record at its revision, so a flush
 * re-encrypts only the records that changed.
 */
export class SealCache {
  constructor(rootKey) {
    this.rootKey = rootKey;
    this.byKey = new Map(); // key -> { rev, sealed }
  }

  remember(key, rev, sealed) { this.byKey.set(key, { rev, sealed }); }

  async sealed(key, rev, value) {
    const hit = this.byKey.get(key);
    if (hit && hit.rev === rev) return hit.sealed;
    const sealed = await seal(this.rootKey, key, value);
    this.byKey.set(key, { rev, sealed });
    return sealed;
  }

  forget(key) { this.byKey.delete(key); }
}
