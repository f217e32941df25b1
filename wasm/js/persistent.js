// PersistentStore: what JsonFileStore and IndexedDBStore share. Both keep the
// whole store in a MemoryStore (the module calls stores synchronously) that
// they restore from sealed records when opened, and both write back in
// flush(), which subclasses implement as _flushNow() and which runs one at a
// time, in call order.

import { MemoryStore } from './memory.js';
import { isSealedKey, SealCache, unseal } from './seal.js';

export class PersistentStore extends MemoryStore {
  constructor(rootKey) {
    super();
    this._cache = new SealCache(rootKey);
    this._chain = Promise.resolve();
  }

  /**
   * Puts one record read from storage back: value is the text of an
   * unsealed record; sealed, the bytes of a "keys/" record, which is opened
   * with the root key (and fails loudly if it does not open).
   */
  async _restore(key, rev, value, sealed) {
    if (isSealedKey(key)) {
      value = await unseal(this._cache.rootKey, key, sealed);
      this._cache.remember(key, rev, sealed);
    }
    this._records.set(key, { value, rev });
    this._rev = Math.max(this._rev, rev);
  }

  /** Writes what changed since the last flush. Flushes run one at a time. */
  flush() {
    const run = this._chain.catch(() => {}).then(() => this._flushNow());
    this._chain = run;
    return run;
  }
}
