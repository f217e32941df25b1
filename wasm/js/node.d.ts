// Type declarations for the Node entry point (wasm/js/node.js): everything
// from pocketkms.d.ts plus JsonFileStore; PocketKMS.compile/load also take a
// file path or file: URL, and default to reading build/pocketkms.wasm.

import { MemoryStore } from './pocketkms.js';

export * from './pocketkms.js';

export interface JsonFileStoreOptions {
  /** Root key file; default `${path}.key`, created with mode 0600 when absent (and the store holds no sealed records). */
  rootKeyFile?: string;
  /** The 32 root key bytes themselves, instead of a file. */
  rootKey?: Uint8Array;
}

/**
 * A store in one JSON file, written atomically (temp file, fsync, rename) on
 * flush. "keys/" values are sealed with AES-256-GCM (AAD = record key) under
 * the root key, which is kept in a separate file.
 */
export class JsonFileStore extends MemoryStore {
  static open(path: string, options?: JsonFileStoreOptions): Promise<JsonFileStore>;
  readonly path: string;
  flush(): Promise<void>;
}
