// The playground's one door to the engine: boots the WebAssembly module
// through the JS package (wasm/js), keeps the key list the views show, and
// turns failures into the error body a server would send.

import { IndexedDBStore, KmsError, PocketKMS } from '../wasm/js/pocketkms.js';
import { h } from './dom.js';

export const WASM_URL = new URL('../build/pocketkms.wasm', import.meta.url);
export const DB_NAME = 'pocketkms-playground'; // also in preboot.js

let kms = null;

/** What the views share: the key list and the blobs made in this session. */
export const state = {
  keys: [], // KeyMetadata[]
  versions: new Map(), // KeyId -> KeyVersion[]
  aliases: [], // Alias[]
  blobs: [], // { n, api, blob, keyId, keyVersionId, aad, request }
};

const listeners = new Set();
/** fn() runs after every key list refresh. */
export const onKeysChanged = (fn) => listeners.add(fn);

/**
 * Takes the module that web/preboot.js is downloading and compiling (or
 * compiles it here if that script did not run), opens the browser store in
 * parallel, and starts an instance over it.
 */
export async function boot(onProgress) {
  const t0 = performance.now();
  const pre = window.pocketkmsPreboot; // web/preboot.js, started before the modules
  let module;
  let store;
  if (pre) {
    pre.onProgress(onProgress);
    ({ module, store } = pre);
  } else {
    module = PocketKMS.compile(WASM_URL);
    store = IndexedDBStore.open(DB_NAME);
  }
  const [compiled, db] = await Promise.all([module, store]);
  kms = await PocketKMS.load({ store: db, wasm: compiled });
  performance.mark('pocketkms:instantiated');
  await refreshKeys();
  performance.mark('pocketkms:keys-listed');
  return { ms: performance.now() - t0, info: kms.info(), kms };
}


/** A failure as the server reports it. */
export class Failure extends Error {
  constructor(body, cause) {
    super(`${body.StatusCode} ${body.ErrorCode}: ${body.ErrorMessage}`, { cause });
    this.body = body;
  }
}

/** Runs api; resolves to the response object or rejects with a Failure. */
export async function call(api, request = {}) {
  if (!kms) throw new Failure({ StatusCode: 503, ErrorCode: 'ServiceUnavailableTemporary', ErrorMessage: 'the module is still loading', RequestId: '' });
  try {
    return await kms.call(api, request);
  } catch (err) {
    if (err instanceof KmsError) throw new Failure(err.toJSON(), err);
    throw new Failure({ StatusCode: 500, ErrorCode: 'InternalFailure', ErrorMessage: String(err?.message ?? err), RequestId: '' }, err);
  }
}

/** Reloads keys, their versions and the aliases, then tells the views. */
export async function refreshKeys() {
  const { Keys = [] } = await call('ListKeys', {});
  const versions = new Map();
  await Promise.all(Keys.map(async (k) => {
    const { KeyVersions = [] } = await call('ListKeyVersions', { KeyId: k.KeyId });
    versions.set(k.KeyId, KeyVersions);
  }));
  const { Aliases = [] } = await call('ListAliases', {});
  Object.assign(state, { keys: Keys, versions, aliases: Aliases });
  for (const fn of listeners) fn();
}

export const findKey = (id) => state.keys.find((k) => k.KeyId === id);

export function exportStore() { return kms.exportRecords(); }
export async function importStore(data) {
  const n = await kms.importRecords(data);
  await refreshKeys();
  return n;
}
export async function resetStore() {
  await kms.importRecords({ format: 'pocketkms-records', version: 1, records: {} });
  state.blobs.length = 0;
  await refreshKeys();
}
export const storeSize = () => kms.store.size;

/** Remembers an Advance or Encrypt ciphertext for the inspector and the rotation story. */
export function rememberBlob(entry) {
  state.blobs.push({ n: state.blobs.length + 1, ...entry });
  for (const fn of blobListeners) fn();
}
const blobListeners = new Set();
export const onBlobsChanged = (fn) => blobListeners.add(fn);

/** The error as a server returns it: HTTP status, ErrorCode, message, RequestId. */
export function errorBox(failure, title = 'The call failed') {
  const b = failure.body;
  return h('div', { class: 'err', role: 'alert', dataset: { status: String(b.StatusCode), code: b.ErrorCode } },
    h('h3', {}, title),
    h('p', { class: 'status' }, h('span', { class: 'http-status' }, `HTTP ${b.StatusCode}`), ' · ', h('b', { class: 'error-code' }, b.ErrorCode)),
    h('p', { class: 'error-message' }, b.ErrorMessage),
    b.RequestId ? h('p', { class: 'muted' }, 'RequestId ', h('code', {}, b.RequestId)) : null,
    h('details', {}, h('summary', {}, 'Error body as pocketkms serve returns it (protobuf Error, shown as JSON)'),
      h('pre', {}, JSON.stringify(b, null, 2))));
}
