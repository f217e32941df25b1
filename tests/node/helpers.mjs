// Shared by the node tests: one compiled module for every instance (the
// compile is the slow part), and small byte helpers.
import assert from 'node:assert/strict';

import { KmsError, MemoryStore, PocketKMS } from 'pocketkms';

export const module = await PocketKMS.compile();

/** A fresh instance over store (default: a new MemoryStore). */
export function load(store = new MemoryStore(), options = {}) {
  return PocketKMS.load({ store, wasm: module, ...options });
}

export const utf8 = (s) => new TextEncoder().encode(s);
export const text = (b) => new TextDecoder().decode(b);
export const hex = (b) => Buffer.from(b).toString('hex');
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Asserts that fn rejects with a KmsError of this status and code; returns it. */
export async function rejectsKms(fn, status, code, { requestId = true } = {}) {
  let caught;
  await assert.rejects(fn, (err) => {
    caught = err;
    return true;
  });
  assert.ok(caught instanceof KmsError, `expected a KmsError, got ${caught}`);
  assert.ok(caught instanceof Error);
  assert.equal(caught.name, 'KmsError');
  assert.equal(caught.status, status, caught.message);
  assert.equal(caught.code, code, caught.message);
  assert.ok(caught.message.length > 0);
  if (requestId) assert.match(caught.requestId, UUID);
  else assert.equal(caught.requestId, '');
  return caught;
}

/** AES-GCM decrypt with WebCrypto: an independent check of the module's output. */
export async function webcryptoOpen(material, iv, ciphertextAndTag, aad = new Uint8Array()) {
  const key = await crypto.subtle.importKey('raw', material, 'AES-GCM', false, ['decrypt']);
  return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: aad }, key, ciphertextAndTag));
}
