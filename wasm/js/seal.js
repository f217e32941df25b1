// Sealing at rest: persistent stores encrypt the records that hold key
// material before they leave memory, in exactly the format of the Go hosts'
// store.Sealed (docs/storage.md §4), so a store sealed here opens in
// `pocketkms serve` under the same root key, and back:
//
//   sealing key = HKDF-SHA256(root key, no salt, SEAL_INFO), AES-256-GCM
//   envelope    = 0x01 || 96-bit random nonce || ciphertext || 16-byte tag
//   AAD         = 0x01 || record key (UTF-8)
//
// Stores written before this format (raw root key as the AES key, no
// version byte, AAD = record key) still open: such a record is read with
// the legacy key and rewritten in the current format by the store.

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const FORMAT = 0x01;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const SEAL_INFO = 'pocketkms store.Sealed v1 record sealing key';

// Which records are sealed is the store layout's to say (layout.js, generated
// from core/store/layout.go).
export { isSealedKey, SEALED_PREFIXES } from './layout.js';

function subtle() {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new Error('pocketkms: WebCrypto (crypto.subtle) is required to seal the store at rest');
  return s;
}

function checkRaw(raw) {
  if (!(raw instanceof Uint8Array) || raw.length !== 32) {
    throw new TypeError('pocketkms: a root key is exactly 32 bytes');
  }
}

/** Imports 32 raw bytes as a non-extractable HKDF base key: what IndexedDBStore keeps. */
export function importRootBase(raw) {
  checkRaw(raw);
  return subtle().importKey('raw', raw, 'HKDF', false, ['deriveKey']);
}

/** The record-sealing key derived from a root base key, as store.Sealed derives it. */
export function sealingKey(base) {
  return subtle().deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: encoder.encode(SEAL_INFO) },
    base, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

/**
 * Imports 32 raw root key bytes for sealing: { sealing, legacy }, both
 * non-extractable; legacy opens records of the previous format.
 */
export async function importRootKey(raw) {
  checkRaw(raw);
  const legacy = await subtle().importKey('raw', raw, { name: 'AES-GCM' }, false, ['decrypt']);
  return { sealing: await sealingKey(await importRootBase(raw)), legacy };
}

/** A fresh non-extractable HKDF root base key from 32 random bytes, which are then wiped. */
export async function generateRootBase() {
  const raw = globalThis.crypto.getRandomValues(new Uint8Array(32));
  try {
    return await importRootBase(raw);
  } finally {
    raw.fill(0);
  }
}

function aad(recordKey) {
  const k = encoder.encode(recordKey);
  const out = new Uint8Array(1 + k.length);
  out[0] = FORMAT;
  out.set(k, 1);
  return out;
}

export async function seal(rootKey, recordKey, value) {
  const out = new Uint8Array(1 + NONCE_BYTES);
  out[0] = FORMAT;
  const nonce = globalThis.crypto.getRandomValues(out.subarray(1));
  const ct = new Uint8Array(await subtle().encrypt(
    { name: 'AES-GCM', iv: nonce, additionalData: aad(recordKey) }, rootKey.sealing, encoder.encode(value)));
  const env = new Uint8Array(out.length + ct.length);
  env.set(out);
  env.set(ct, out.length);
  return env;
}

async function decrypt(key, iv, data, additionalData) {
  try {
    return decoder.decode(await subtle().decrypt({ name: 'AES-GCM', iv, additionalData }, key, data));
  } catch {
    return undefined;
  }
}

/**
 * Opens a sealed record: { value, legacy }, legacy true when it was in the
 * previous format (the store then rewrites it). Throws, never returns the
 * wrong bytes, when it does not authenticate.
 */
export async function unseal(rootKey, recordKey, sealed) {
  if (!(sealed instanceof Uint8Array) || sealed.length < NONCE_BYTES + TAG_BYTES) {
    throw new Error(`pocketkms: sealed record ${recordKey} is truncated`);
  }
  if (sealed[0] === FORMAT && sealed.length >= 1 + NONCE_BYTES + TAG_BYTES) {
    const value = await decrypt(rootKey.sealing, sealed.subarray(1, 1 + NONCE_BYTES), sealed.subarray(1 + NONCE_BYTES), aad(recordKey));
    if (value !== undefined) return { value, legacy: false };
  }
  // The previous format: IV || ciphertext || tag under the raw root key.
  if (rootKey.legacy) {
    const value = await decrypt(rootKey.legacy, sealed.subarray(0, NONCE_BYTES), sealed.subarray(NONCE_BYTES), encoder.encode(recordKey));
    if (value !== undefined) return { value, legacy: true };
  }
  throw new Error(`pocketkms: cannot unseal record ${recordKey}: wrong root key, or the record was altered or moved`);
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
