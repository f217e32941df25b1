// MemoryStore: the default store, and the base of the persistent ones.
//
// The store interface the module needs (see pocketkms.d.ts, `Store`):
//   get(key)             -> { value: string, rev: number } | undefined
//   list(prefix)         -> string[] sorted (by code point, like Go's byte order)
//   commit(reads, writes) -> boolean: reads is [key, rev][] (rev 0 = absent);
//                           writes is { key, value: string | null }[] (null deletes).
//                           Applies every write, or none and returns false
//                           when some read record changed (the engine retries).
//   flush()              -> optional, async: persist; called after each call that committed.
// get/list/commit are synchronous because the module calls them synchronously.

export const RECORDS_FORMAT = 'pocketkms-records';

/** Orders strings by code point, which is UTF-8 byte order (what Go's sort gives). */
export function compareKeys(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i);
    const y = b.codePointAt(i);
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

export class MemoryStore {
  constructor() {
    /** @protected key -> { value, rev } */
    this._records = new Map();
    /** @protected last revision handed out */
    this._rev = 0;
    /** @protected keys written since the last flush */
    this._dirty = new Set();
  }

  get(key) {
    const r = this._records.get(key);
    return r && { value: r.value, rev: r.rev };
  }

  list(prefix) {
    const out = [];
    for (const k of this._records.keys()) if (k.startsWith(prefix)) out.push(k);
    return out.sort(compareKeys);
  }

  commit(reads, writes) {
    for (const [key, rev] of reads) {
      if ((this._records.get(key)?.rev ?? 0) !== rev) return false;
    }
    for (const w of writes) {
      if (typeof w.key !== 'string' || (w.value !== null && typeof w.value !== 'string')) {
        throw new TypeError('pocketkms store: a write needs a string key and a string or null value');
      }
    }
    for (const { key, value } of writes) {
      if (value === null) this._records.delete(key);
      else this._records.set(key, { value, rev: ++this._rev });
      this._dirty.add(key);
    }
    return true;
  }

  /** Number of records. */
  get size() { return this._records.size; }

  /**
   * Returns every record in plaintext, KEY MATERIAL INCLUDED: values under
   * "keys/" hold the keys' versions and their material. Meant for moving a
   * store between hosts (the playground's "export key store"); treat the
   * result like the keys themselves.
   */
  exportRecords() {
    // fromEntries defines own properties, so a key such as "__proto__" stays data.
    const records = Object.fromEntries(this.list('').map((k) => [k, this._records.get(k).value]));
    return { format: RECORDS_FORMAT, version: 1, records };
  }

  /**
   * Loads records produced by exportRecords. With replace (the default) the
   * store ends up holding exactly those records; otherwise they are merged
   * over the existing ones. All or nothing: a bad record changes nothing.
   */
  importRecords(data, { replace = true } = {}) {
    if (data === null || typeof data !== 'object' || data.format !== RECORDS_FORMAT || data.version !== 1) {
      throw new TypeError(`pocketkms: not a ${RECORDS_FORMAT} v1 export`);
    }
    const records = data.records;
    if (records === null || typeof records !== 'object' || Array.isArray(records)) {
      throw new TypeError('pocketkms: the export has no "records" object');
    }
    const writes = [];
    for (const [key, value] of Object.entries(records)) {
      if (key === '' || typeof value !== 'string') {
        throw new TypeError(`pocketkms: record ${JSON.stringify(key)} must have a non-empty key and a string value`);
      }
      try {
        JSON.parse(value);
      } catch {
        throw new TypeError(`pocketkms: record ${JSON.stringify(key)} is not JSON text`);
      }
      writes.push({ key, value });
    }
    if (replace) {
      for (const k of this._records.keys()) if (!Object.hasOwn(records, k)) writes.push({ key: k, value: null });
    }
    this.commit([], writes);
    return writes.length;
  }
}
