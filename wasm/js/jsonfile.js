// JsonFileStore: a Node store kept in one JSON file.
//
// The whole store lives in memory; flush() writes a complete new file to a
// temporary name beside the target, fsyncs it and renames it over the
// target, so a crash leaves either the old file or the new one, never a
// torn one. PocketKMS awaits flush() after every call that committed.
//
// Sealed at rest: "keys/" and "accesskeys/" values are sealed exactly as the
// Go hosts' store.Sealed seals them (seal.js), under a 32-byte root key kept
// in a separate file: 32 raw bytes, mode 0600, the format of the server's
// root.key, so `pocketkms store import` takes this file with that key and
// `pocketkms store export` writes one this store opens (docs/storage.md).
// The key file is "<file>.key" unless options.rootKeyFile or
// options.rootKey say otherwise. Keep the two files apart when you back up
// or share the store: the store alone reveals no key material. A store
// written in the previous JS format is rewritten in this one when opened.

import { open, readFile, rename, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';

import { fromBase64 } from './bytes.js';
import { PersistentStore, STORE_FORMAT as FILE_FORMAT } from './persistent.js';
import { importRootKey, isSealedKey } from './seal.js';

const LEGACY_KEY_PREFIX = 'pocketkms-root-key-v1:'; // root key files written before the raw form

export class JsonFileStore extends PersistentStore {
  /**
   * Opens the store at path (an absent file is an empty store; it is
   * created on the first flush). options.rootKeyFile: where the root key
   * lives (default path + ".key"; created with mode 0600 if absent and the
   * store holds no sealed records yet). options.rootKey: the 32 root key
   * bytes themselves, instead of a file.
   */
  static async open(path, { rootKeyFile = `${path}.key`, rootKey } = {}) {
    const data = await readStoreFile(path);
    const raw = rootKey ?? await readOrCreateRootKey(rootKeyFile, data);
    const store = new JsonFileStore(path, await importRootKey(raw));
    await store._load(data);
    if (store._dirty.size > 0) await store.flush(); // migrate records of the previous format now
    return store;
  }

  constructor(path, rootKey) {
    super(rootKey);
    this.path = path;
  }

  async _load(data) {
    if (!data) return;
    for (const [key, rec] of Object.entries(data.records)) {
      if (!Number.isSafeInteger(rec?.rev) || rec.rev <= 0) throw new Error(`pocketkms: ${this.path}: record ${key} has no valid rev`);
      if (isSealedKey(key)) {
        if (typeof rec.sealed !== 'string') throw new Error(`pocketkms: ${this.path}: record ${key} must be sealed`);
      } else if (typeof rec.value !== 'string') {
        throw new Error(`pocketkms: ${this.path}: record ${key} has no value`);
      }
      await this._restore(key, rec.rev, rec.value, isSealedKey(key) ? fromBase64(rec.sealed) : undefined);
    }
  }

  async _flushNow() {
    if (this._dirty.size === 0) return;
    const changed = [...this._dirty];
    this._dirty.clear();
    try {
      const doc = await this.exportSealed();
      for (const key of changed) if (!this._records.has(key)) this._cache.forget(key);
      const text = JSON.stringify(doc, null, 1) + '\n';
      await writeAtomic(this.path, text);
    } catch (err) {
      for (const k of changed) this._dirty.add(k); // try again on the next flush
      throw err;
    }
  }
}

async function readStoreFile(path) {
  let text;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (err.code === 'ENOENT') return null;
    throw err;
  }
  let data;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`pocketkms: ${path} is not JSON: ${err.message}`);
  }
  if (data?.format !== FILE_FORMAT || data.version !== 1 || typeof data.records !== 'object' || data.records === null) {
    throw new Error(`pocketkms: ${path} is not a ${FILE_FORMAT} v1 file`);
  }
  return data;
}

async function readOrCreateRootKey(file, data) {
  let bytes;
  try {
    const fh = await open(file, 'r');
    try {
      const { mode } = await fh.stat();
      if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
        throw new Error(`pocketkms: root key file ${file} is readable by others (mode ${(mode & 0o777).toString(8)}); chmod 600 it`);
      }
      bytes = new Uint8Array(await fh.readFile());
    } finally {
      await fh.close();
    }
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
    const sealed = data && Object.keys(data.records).some(isSealedKey);
    if (sealed) throw new Error(`pocketkms: root key file ${file} is missing, and the store holds sealed keys`);
    return createRootKey(file);
  }
  if (bytes.length === 32) return bytes;
  const text = new TextDecoder().decode(bytes).trim();
  const raw = text.startsWith(LEGACY_KEY_PREFIX) ? fromBase64(text.slice(LEGACY_KEY_PREFIX.length)) : null;
  if (!raw || raw.length !== 32) throw new Error(`pocketkms: ${file} is not a pocketkms root key file (32 bytes)`);
  return raw;
}

async function createRootKey(file) {
  const raw = new Uint8Array(randomBytes(32));
  const fh = await open(file, 'wx', 0o600); // wx: never overwrite a key that appeared meanwhile
  try {
    await fh.writeFile(raw);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return raw;
}

async function writeAtomic(path, text) {
  const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  // Make the rename itself durable (best effort: not every platform can fsync a directory).
  try {
    const dir = await open(dirname(path), 'r');
    await dir.sync().finally(() => dir.close());
  } catch { /* ignore */ }
}
