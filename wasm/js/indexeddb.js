// IndexedDBStore: the browser's persistent store.
//
// The module calls the store synchronously but IndexedDB is asynchronous, so
// open() loads every record into memory and flush() writes the records
// changed since the last flush in one IndexedDB transaction (write-behind;
// PocketKMS awaits flush() after every call that committed, so once a call's
// promise resolves its writes are on disk).
//
// Sealed at rest: "keys/" and "accesskeys/" records are stored sealed as the
// Go hosts' store.Sealed seals them (seal.js), under a root key made of 32
// random bytes imported as a non-extractable HKDF CryptoKey that lives in
// the same database: script can use it but never read its bytes, and no key
// material appears in the clear in the records. To move the store to a
// server, open it with options.rootKey (the server's 32 root key bytes)
// instead, and give exportSealed()'s document to `pocketkms store import`.
// A database of the previous JS format (an AES-GCM root key) is migrated on
// open: its records are resealed under a new root key in one transaction. What this
// does not do: the browser itself serialises the CryptoKey, bytes included,
// into its profile, so someone holding the profile files (and knowing the
// browser's format) can recover the root key and unseal. It keeps material
// out of plain sight (backups, greps, exports of the records), it is not a
// substitute for an encrypted disk.
//
// One writer at a time: two tabs on the same database each keep their own
// copy in memory and the last flush wins. Open it from one tab (or worker).

import { PersistentStore } from './persistent.js';
import { generateRootBase, importRootKey, isSealedKey, sealingKey } from './seal.js';

const DB_VERSION = 1;
const RECORDS = 'records';
const META = 'meta';
const ROOT_KEY = 'rootKey';

const done = (req) => new Promise((resolve, reject) => {
  req.onsuccess = () => resolve(req.result);
  req.onerror = () => reject(req.error);
});

const committed = (tx) => new Promise((resolve, reject) => {
  tx.oncomplete = () => resolve();
  tx.onerror = () => reject(tx.error);
  tx.onabort = () => reject(tx.error ?? new Error('pocketkms: IndexedDB transaction aborted'));
});

export class IndexedDBStore extends PersistentStore {
  /**
   * Opens (creating if needed) the database `name` and loads it.
   * options.indexedDB: the IDBFactory to use (default globalThis.indexedDB).
   * options.rootKey: 32 root key bytes to seal with, instead of the key the
   * database keeps (the same bytes must be given at every open).
   */
  static async open(name = 'pocketkms', { indexedDB = globalThis.indexedDB, rootKey } = {}) {
    if (!indexedDB) throw new Error('pocketkms: IndexedDB is not available here; use MemoryStore');
    const openReq = indexedDB.open(name, DB_VERSION);
    openReq.onupgradeneeded = () => {
      openReq.result.createObjectStore(RECORDS);
      openReq.result.createObjectStore(META);
    };
    const db = await done(openReq);
    const { key, newBase } = rootKey ? { key: await importRootKey(rootKey) } : await loadRootKey(db);
    const store = new IndexedDBStore(db, key);
    store._newBase = newBase;
    await store._load();
    if (store._dirty.size > 0 || newBase) await store.flush(); // migrate the previous format now
    return store;
  }

  /** Deletes the database `name` (close any open store on it first). */
  static deleteDatabase(name = 'pocketkms', { indexedDB = globalThis.indexedDB } = {}) {
    return done(indexedDB.deleteDatabase(name));
  }

  constructor(db, rootKey) {
    super(rootKey);
    this._db = db;
  }

  async _load() {
    const tx = this._db.transaction(RECORDS, 'readonly');
    const os = tx.objectStore(RECORDS);
    const [keys, values] = await Promise.all([done(os.getAllKeys()), done(os.getAll())]);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const rec = values[i];
      await this._restore(key, rec.rev, rec.value, isSealedKey(key) ? new Uint8Array(rec.sealed) : undefined);
    }
  }

  async _flushNow() {
    if (this._dirty.size === 0 && !this._newBase) return;
    const keys = [...this._dirty];
    this._dirty.clear();
    try {
      const ops = [];
      for (const key of keys) {
        const r = this._records.get(key);
        if (!r) {
          this._cache.forget(key);
          ops.push([key, null]);
        } else if (isSealedKey(key)) {
          ops.push([key, { rev: r.rev, sealed: await this._cache.sealed(key, r.rev, r.value) }]);
        } else {
          ops.push([key, { rev: r.rev, value: r.value }]);
        }
      }
      // No await between here and the commit: IndexedDB ends a transaction
      // that has nothing pending when control returns to the event loop.
      const tx = this._db.transaction([RECORDS, META], 'readwrite');
      const os = tx.objectStore(RECORDS);
      for (const [key, rec] of ops) {
        if (rec) os.put(rec, key);
        else os.delete(key);
      }
      // A migrated database gets its new root key with its resealed records.
      if (this._newBase) tx.objectStore(META).put(this._newBase, ROOT_KEY);
      await committed(tx);
      this._newBase = undefined;
    } catch (err) {
      for (const k of keys) this._dirty.add(k); // try again on the next flush
      throw err;
    }
  }

  /** Closes the database connection. */
  close() { this._db.close(); }
}

// loadRootKey returns the database's root key ({ key } for seal.js), making
// it on first use. A root key of the previous format (an AES-GCM key used
// directly) is kept to open the old records, and newBase, a fresh HKDF base
// key, replaces it at the flush that reseals them.
async function loadRootKey(db) {
  const read = () => done(db.transaction(META, 'readonly').objectStore(META).get(ROOT_KEY));
  const existing = await read();
  if (existing?.algorithm?.name === 'HKDF') return { key: { sealing: await sealingKey(existing) } };
  if (existing) {
    const newBase = await generateRootBase();
    return { key: { sealing: await sealingKey(newBase), legacy: existing }, newBase };
  }
  const base = await generateRootBase(); // non-extractable
  const tx = db.transaction(META, 'readwrite');
  tx.objectStore(META).add(base, ROOT_KEY); // add, not put: another tab may have won the race
  try {
    await committed(tx);
    return { key: { sealing: await sealingKey(base) } };
  } catch {
    const winner = await read();
    if (winner?.algorithm?.name !== 'HKDF') throw new Error('pocketkms: cannot store the root key in IndexedDB');
    return { key: { sealing: await sealingKey(winner) } };
  }
}
