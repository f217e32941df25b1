// PersistentStore: what JsonFileStore and IndexedDBStore share. Both keep the
// whole store in a MemoryStore (the module calls stores synchronously) that
// they restore from sealed records when opened, and both write back in
// flush(), which subclasses implement as _flushNow() and which runs one at a
// time, in call order.

import { toBase64 } from './bytes.js';
import { MemoryStore } from './memory.js';
import { isSealedKey, SealCache, unseal } from './seal.js';

/** The sealed store document: JsonFileStore's file, and what `pocketkms store import|export` read and write. */
export const STORE_FORMAT = 'pocketkms-store';

export class PersistentStore extends MemoryStore {
  constructor(rootKey) {
    super();
    this._cache = new SealCache(rootKey);
    this._chain = Promise.resolve();
  }

  /**
   * Puts one record read from storage back: value is the text of an
   * unsealed record; sealed, the bytes of a sealed record (layout.js), which
   * is opened with the root key (and fails loudly if it does not open). A
   * record sealed in the previous JS format is marked for rewriting: the
   * store migrates it at its next flush (open() flushes at once).
   */
  async _restore(key, rev, value, sealed) {
    if (isSealedKey(key)) {
      const opened = await unseal(this._cache.rootKey, key, sealed);
      value = opened.value;
      if (opened.legacy) this._dirty.add(key);
      else this._cache.remember(key, rev, sealed);
    }
    this._records.set(key, { value, rev });
    this._rev = Math.max(this._rev, rev);
  }

  /**
   * The whole store as a sealed document ({ format: "pocketkms-store",
   * version: 1, records }), sealed values as the Go hosts seal them: with
   * the root key, `pocketkms store import` loads it into a server's data
   * directory. No key material appears in it in the clear.
   */
  async exportSealed() {
    const records = {};
    for (const key of this.list('')) {
      const { value, rev } = this._records.get(key);
      // defineProperty: a key such as "__proto__" stays data.
      Object.defineProperty(records, key, {
        enumerable: true,
        value: isSealedKey(key) ? { rev, sealed: toBase64(await this._cache.sealed(key, rev, value)) } : { rev, value },
      });
    }
    return { format: STORE_FORMAT, version: 1, records };
  }

  /** Writes what changed since the last flush. Flushes run one at a time. */
  flush() {
    const run = this._chain.catch(() => {}).then(() => this._flushNow());
    this._chain = run;
    return run;
  }
}
