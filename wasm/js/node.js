// The Node entry point: everything from pocketkms.js, plus JsonFileStore,
// and a PocketKMS whose compile() also reads the module from a file path or
// file: URL (Node's fetch cannot), defaulting to build/pocketkms.wasm.

import { readFile } from 'node:fs/promises';

import { nodeAES } from './nodeaes.js';
import { defaultWasmURL, PocketKMS as BasePocketKMS } from './pocketkms.js';

export * from './pocketkms.js';
export { JsonFileStore } from './jsonfile.js';

export class PocketKMS extends BasePocketKMS {
  static hostAES() { return nodeAES; }

  static async compile(wasm = defaultWasmURL()) {
    wasm = await wasm;
    const path = localPath(wasm);
    if (path !== null) {
      try {
        wasm = await readFile(path);
      } catch (err) {
        if (err.code === 'ENOENT') throw new Error(`pocketkms: no module at ${err.path}: build it with "bash wasm/build.sh"`, { cause: err });
        throw err;
      }
    }
    return super.compile(wasm);
  }
}

/** A file path or file: URL to read, or null for anything the base class handles. */
function localPath(wasm) {
  if (wasm instanceof URL) return wasm.protocol === 'file:' ? wasm : null;
  if (typeof wasm !== 'string') return null;
  if (wasm.startsWith('file:')) return new URL(wasm);
  if (/^[a-z][a-z0-9+.-]+:/i.test(wasm)) return null; // http:, https:, data:, blob:
  return wasm;
}
