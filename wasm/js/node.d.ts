// Type declarations for the Node entry point (wasm/js/node.js): everything
// from pocketkms.d.ts plus JsonFileStore; PocketKMS.compile/load also take a
// file path or file: URL, and default to reading build/pocketkms.wasm.

import { MemoryStore, SealedStoreDocument } from './pocketkms.js';

export * from './pocketkms.js';

export interface JsonFileStoreOptions {
  /** Root key file; default `${path}.key`, created with mode 0600 when absent (and the store holds no sealed records). */
  rootKeyFile?: string;
  /** The 32 root key bytes themselves, instead of a file. */
  rootKey?: Uint8Array;
}

/**
 * A store in one JSON file, written atomically (temp file, fsync, rename) on
 * flush. "keys/" and "accesskeys/" values are sealed as the server seals them
 * (store.Sealed) under the root key, kept in a separate file of 32 raw bytes
 * (the server's root.key format): `pocketkms store import --file` loads the
 * file into a data directory with that root key, `pocketkms store export`
 * writes one. Stores of the previous JS format are rewritten when opened.
 */
export class JsonFileStore extends MemoryStore {
  static open(path: string, options?: JsonFileStoreOptions): Promise<JsonFileStore>;
  readonly path: string;
  flush(): Promise<void>;
  /** The store as a sealed document: what the file holds. */
  exportSealed(): Promise<SealedStoreDocument>;
}
