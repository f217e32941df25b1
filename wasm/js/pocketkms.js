// pocketkms for JavaScript: the KMS engine compiled to WebAssembly, with a
// store of your choosing. Runs unchanged in browsers, Node 20+ and workerd.
//
//   const kms = await PocketKMS.load({ store, wasm });
//   const { KeyMetadata } = await kms.createKey({ KeySpec: 'Aliyun_AES_256' });
//   const { CiphertextBlob } = await kms.advanceEncrypt({ KeyId: KeyMetadata.KeyId, Plaintext: 'hi' });
//
// Requests and responses use the product's PascalCase field names; bytes
// are Uint8Array both ways. Failures throw KmsError with the product's
// status and code. See pocketkms.d.ts for the full API.
//
// This file must stay free of node: imports (it is the browser/workerd
// entry); Node extras live in node.js.

import { decodeProtoError, decodeResponse, encodeRequest, fromUtf8, utf8 } from './bytes.js';
import { aesImports } from './aes.js';
import { kvImports } from './host.js';
import { MemoryStore } from './memory.js';
import { wasiImports } from './wasi.js';

export { MemoryStore } from './memory.js';
export { IndexedDBStore } from './indexeddb.js';

/** The module ABI this package speaks (docs/wasm-abi.md): a module of another is refused at load. */
export const ABI_VERSION = 2;
/** What pkms_buffer makes at most; it answers 0 beyond (internal/abi.MaxAlloc). */
const MAX_ALLOC = 64 * 2 ** 20;
const FORMAT_PROTO = 0;
const FORMAT_JSON = 1;
const STATUS_OK = 0;
const STATUS_ERROR = 1;
const KEEP_OUTPUT_LINES = 50;

/** The operations the engine answers, in the order the docs list them. */
export const OPERATIONS = [
  'Encrypt', 'Decrypt', 'AdvanceEncrypt', 'AdvanceDecrypt', 'GenerateDataKey',
  'AdvanceGenerateDataKey', 'GenerateRandom',
  'Sign', 'Verify', 'GetPublicKey', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext',
  'AdvanceGenerateDataKeyPair', 'AdvanceGenerateDataKeyPairWithoutPlaintext',
  'CreateKey', 'ImportKey', 'DescribeKey', 'ListKeys', 'CreateKeyVersion', 'ListKeyVersions',
  'DescribeKeyVersion', 'UpdateRotationPolicy', 'EnableKey', 'DisableKey', 'ScheduleKeyDeletion',
  'CancelKeyDeletion', 'CreateAlias', 'UpdateAlias', 'DeleteAlias', 'ListAliases',
  'ListAliasesByKeyId', 'InspectBlob', 'UpdateKeyDescription', 'SetDeletionProtection',
  'TagResource', 'UntagResource',
  'CreateSecret', 'ImportSecret', 'GetSecretValue', 'PutSecretValue', 'UpdateSecretVersionStage',
  'RotateSecret', 'DescribeSecret', 'ListSecrets', 'ListSecretVersionIds', 'DeleteSecret',
  'RestoreSecret',
];

/** A KMS error as the product reports it: HTTP status, ErrorCode, message and RequestId. */
export class KmsError extends Error {
  constructor(status, code, message, requestId = '', options) {
    super(message, options);
    this.name = 'KmsError';
    this.status = status;
    this.code = code;
    this.requestId = requestId;
  }

  /** The error in the module's JSON form. */
  toJSON() {
    return { StatusCode: this.status, ErrorCode: this.code, ErrorMessage: this.message, RequestId: this.requestId };
  }

  static fromBody(e, cause) {
    return new KmsError(e.StatusCode ?? 500, e.ErrorCode ?? 'InternalFailure', e.ErrorMessage ?? '', e.RequestId ?? '',
      cause ? { cause } : undefined);
  }
}

const badParameter = (message) => new KmsError(400, 'InvalidParameter', message);

/** The default module location: build/pocketkms.wasm of this package. */
export const defaultWasmURL = () => new URL('../../build/pocketkms.wasm', import.meta.url);

export class PocketKMS {
  /**
   * Compiles the module once, for any number of instances. wasm may be a
   * WebAssembly.Module (workerd imports .wasm files as one), a URL or URL
   * string (fetched and compiled while streaming), a Response, bytes
   * (ArrayBuffer or a view), or a Promise of any of these. Default: the
   * package's own build/pocketkms.wasm, fetched beside this file.
   */
  static async compile(wasm = defaultWasmURL()) {
    wasm = await wasm;
    if (wasm instanceof WebAssembly.Module) return wasm;
    if (typeof wasm === 'string' || wasm instanceof URL) {
      if (String(wasm).startsWith('file:')) {
        throw new TypeError('pocketkms: cannot fetch a file: URL here; in Node import "pocketkms" (or "pocketkms/node"), or pass the module bytes');
      }
      wasm = await fetch(wasm);
    }
    if (typeof Response !== 'undefined' && wasm instanceof Response) {
      if (!wasm.ok) throw new Error(`pocketkms: fetching the module failed: HTTP ${wasm.status} ${wasm.url}`);
      const type = wasm.headers.get('content-type') ?? '';
      if (type.startsWith('application/wasm') && WebAssembly.compileStreaming) return WebAssembly.compileStreaming(wasm);
      wasm = await wasm.arrayBuffer();
    }
    if (wasm instanceof ArrayBuffer || ArrayBuffer.isView(wasm)) return WebAssembly.compile(wasm);
    throw new TypeError('pocketkms: wasm must be a WebAssembly.Module, URL, Response or bytes');
  }

  /**
   * Compiles (unless given a Module) and instantiates the module over store
   * (default: a new MemoryStore). options.onOutput(fd, line) receives what
   * the module prints (only panics, in practice; default console.error).
   * options.hostCiphers: false keeps AES inside the module even where the
   * host offers its own (Node does; aes.js); the answers are the same bytes.
   */
  static async load({ store = new MemoryStore(), wasm, onOutput, hostCiphers = true } = {}) {
    for (const m of ['get', 'list', 'commit']) {
      if (typeof store?.[m] !== 'function') throw new TypeError(`pocketkms: the store has no ${m}() method`);
    }
    const t0 = performance.now();
    const module = await this.compile(wasm);
    const t1 = performance.now();
    const kms = new this(module, store, onOutput, hostCiphers ? this.hostAES() : null);
    await kms.#instantiate();
    const t2 = performance.now();
    kms.timings = { compileMs: t1 - t0, instantiateMs: t2 - t1 };
    return kms;
  }

  #module;
  #store;
  #instance = null; // null after a crash: the next call makes a fresh one
  #ready = null;
  #info = null;
  #state = { committed: false, hostError: null };
  #output = [];
  #onOutput;
  /** The instance's request buffer as pkms_buffer last gave it: asked again only for a larger request. */
  #buffer = { ptr: 0, size: 0 };
  /** The UTF-8 of each API name called so far. */
  #apiBytes = new Map();

  /** The host's AES for the module (aes.js), or null: none in browsers and workerd. */
  static hostAES() { return null; }

  #aes;

  /** Use PocketKMS.load. */
  constructor(module, store, onOutput, aes = null) {
    this.#aes = aes;
    this.#module = module;
    this.#store = store;
    this.#onOutput = onOutput ?? ((fd, line) => console.error(`pocketkms[fd ${fd}]: ${line}`));
  }

  /** The store this instance reads and writes. */
  get store() { return this.#store; }

  /** The compiled module, to load more instances without compiling again. */
  get module() { return this.#module; }

  #instantiate() {
    if (this.#ready) return this.#ready;
    this.#ready = (async () => {
      let memory = null;
      const getMemory = () => memory;
      const onOutput = (fd, line) => {
        this.#output.push(line);
        if (this.#output.length > KEEP_OUTPUT_LINES) this.#output.shift();
        this.#onOutput(fd, line);
      };
      const imports = {
        wasi_snapshot_preview1: wasiImports(this.#module, getMemory, onOutput),
        pocketkms: kvImports(this.#store, getMemory, this.#state),
        pocketkms_aes: aesImports(getMemory, this.#aes),
      };
      const instance = await WebAssembly.instantiate(this.#module, imports);
      memory = instance.exports.memory;
      instance.exports._initialize?.(); // a reactor: Go's runtime starts here
      this.#instance = instance;
      let info;
      try {
        info = JSON.parse(fromUtf8(this.#takeResult(instance.exports.pkms_info())));
      } catch (err) {
        this.#instance = null;
        throw new Error(`pocketkms: the module's pkms_info is not valid JSON: ${err.message}`, { cause: err });
      }
      if (info?.name !== 'pocketkms' || info.abi !== ABI_VERSION) {
        this.#instance = null;
        throw new Error(info?.name !== 'pocketkms'
          ? `pocketkms: pkms_info names the module ${JSON.stringify(info?.name)}, not pocketkms`
          : `pocketkms: the module speaks ABI ${info.abi} and this package ABI ${ABI_VERSION}: use a module and a package from the same pocketkms release`);
      }
      const missing = ['pkms_buffer', 'pkms_run'].filter((name) => typeof instance.exports[name] !== 'function');
      if (missing.length > 0) {
        this.#instance = null;
        throw new Error(`pocketkms: the module says ABI ${ABI_VERSION} but does not export ${missing.join(', ')}`);
      }
      this.#buffer = { ptr: 0, size: 0 };
      this.#info ??= info;
    })();
    this.#ready.catch(() => { this.#ready = null; });
    return this.#ready;
  }

  /** Copies out and frees a packed (ptr << 32 | len) guest result. */
  #takeResult(packed) {
    const ex = this.#instance.exports;
    const p = BigInt.asUintN(64, packed);
    const ptr = Number(p >> 32n);
    const len = Number(p & 0xffffffffn);
    const out = new Uint8Array(ex.memory.buffer, ptr, len).slice();
    ex.pkms_free(ptr);
    return out;
  }

  /** The UTF-8 of an API name, encoded once per name. */
  #apiUtf8(api) {
    let b = this.#apiBytes.get(api);
    if (b === undefined) {
      b = utf8(api);
      if (this.#apiBytes.size < 256) this.#apiBytes.set(api, b);
    }
    return b;
  }

  /**
   * Runs one call in the module; returns { ok, body, hostError } in the given
   * format. The request goes into the instance's request buffer (pkms_buffer,
   * asked again only when this request is the largest yet) and pkms_run
   * answers in its result buffer, which is copied out: one call into the
   * module per request, nothing to free (docs/wasm-abi.md).
   */
  async #invoke(api, body, format) {
    if (typeof api !== 'string' || api === '') throw badParameter('the API name must be a non-empty string');
    if (!this.#instance) await this.#instantiate();
    // From here to the end of pkms_run nothing awaits, so calls on one
    // instance never interleave inside the module.
    const state = this.#state;
    state.committed = false;
    state.hostError = null;
    this.#output.length = 0; // keep only what this call prints
    let result;
    let crash = null;
    let refused = 0; // the size pkms_buffer would not make, if any
    try {
      const ex = this.#instance.exports;
      const apiBytes = this.#apiUtf8(api);
      const size = apiBytes.length + body.length;
      const buf = this.#buffer;
      if (size > buf.size || buf.ptr === 0) {
        const ptr = size > MAX_ALLOC ? 0 : ex.pkms_buffer(size) >>> 0;
        if (ptr === 0) refused = size; // nothing to write into: address 0 is the module's own memory
        else { buf.ptr = ptr; buf.size = size; }
      }
      if (!refused) {
        const mem = new Uint8Array(ex.memory.buffer); // after pkms_buffer: it may grow memory
        mem.set(apiBytes, buf.ptr);
        mem.set(body, buf.ptr + apiBytes.length);
        const p = BigInt.asUintN(64, ex.pkms_run(apiBytes.length, body.length, format));
        const ptr = Number(p >> 32n);
        const len = Number(p & 0xffffffffn);
        const out = new Uint8Array(ex.memory.buffer); // after pkms_run: it may grow memory
        // The status byte, and a copy of the message: the next call overwrites the result buffer.
        result = len === 0 ? { status: -1 } : { status: out[ptr], body: out.slice(ptr + 1, ptr + len) };
      }
    } catch (err) {
      // A trap or proc_exit leaves the instance unusable: drop it; the
      // store is outside the instance, so the next call starts afresh.
      this.#instance = null;
      this.#ready = null;
      const said = this.#output.slice(0, 5).join('\n'); // a Go panic says what happened first
      crash = new KmsError(500, 'InternalFailure', `the pocketkms module crashed: ${err.message}${said ? `\n${said}` : ''}`, '', { cause: err });
    }
    const { committed, hostError } = state;
    if (committed && typeof this.#store.flush === 'function') await this.#flush();
    if (crash) throw crash;
    if (refused) {
      // As the Go host answers: the call is refused, the instance is fine.
      throw new KmsError(413, 'RequestEntityTooLarge', `the request is ${refused} bytes, at most ${MAX_ALLOC} are allowed`);
    }
    if (result.status !== STATUS_OK && result.status !== STATUS_ERROR) {
      throw new KmsError(500, 'InternalFailure', 'the pocketkms module returned a malformed result');
    }
    return { ok: result.status === STATUS_OK, body: result.body, hostError };
  }

  async #flush() {
    try {
      await this.#store.flush();
    } catch (err) {
      throw new KmsError(500, 'InternalFailure', `the store could not save the change: ${err.message}`, '', { cause: err });
    }
  }

  /**
   * Runs api with a request object (bytes as Uint8Array; strings allowed
   * for Plaintext and Aad) and returns the response object (bytes as
   * Uint8Array). Throws KmsError.
   */
  async call(api, request = {}) {
    if (request === null || typeof request !== 'object' || Array.isArray(request)) {
      throw badParameter(`the ${api} request must be an object`);
    }
    let text;
    try {
      text = JSON.stringify(encodeRequest(request));
    } catch (err) {
      throw badParameter(`${api}: ${err.message}`);
    }
    return decodeResponse(JSON.parse(await this.callJSON(api, text)), api);
  }

  /** Runs api on a request in the JSON form (text, bytes as base64) and returns the response text. */
  async callJSON(api, json = '{}') {
    if (typeof json !== 'string') throw badParameter('callJSON takes the request as JSON text');
    const { ok, body, hostError } = await this.#invoke(api, utf8(json), FORMAT_JSON);
    const text = fromUtf8(body);
    if (!ok) throw KmsError.fromBody(JSON.parse(text), hostError ?? undefined);
    return text;
  }

  /** Runs api on a binary protobuf request (the instance API's wire form) and returns the response bytes. */
  async callProto(api, bytes = new Uint8Array()) {
    if (!(bytes instanceof Uint8Array)) throw badParameter('callProto takes the request as a Uint8Array');
    const { ok, body, hostError } = await this.#invoke(api, bytes, FORMAT_PROTO);
    if (!ok) throw KmsError.fromBody(decodeProtoError(body), hostError ?? undefined);
    return body; // already a copy, out of the module's memory
  }

  /** The module's name, version, ABI, operations and algorithms. */
  info() { return structuredClone(this.#info); }

  /**
   * Every store record in plaintext, KEY MATERIAL INCLUDED (the store's
   * exportRecords). For moving a key store between hosts; guard it like keys.
   */
  exportRecords() {
    if (typeof this.#store.exportRecords !== 'function') throw new TypeError('pocketkms: this store cannot export');
    return this.#store.exportRecords();
  }

  /** Replaces (or with {replace:false} merges into) the store's records, then flushes. */
  async importRecords(data, options) {
    if (typeof this.#store.importRecords !== 'function') throw new TypeError('pocketkms: this store cannot import');
    const n = this.#store.importRecords(data, options);
    if (typeof this.#store.flush === 'function') await this.#flush();
    return n;
  }
}

// One camelCase method per operation: kms.advanceEncrypt(req) is kms.call('AdvanceEncrypt', req).
for (const api of OPERATIONS) {
  const name = api[0].toLowerCase() + api.slice(1);
  Object.defineProperty(PocketKMS.prototype, name, {
    value: { [name](request) { return this.call(api, request); } }[name],
    writable: true,
    configurable: true,
  });
}
