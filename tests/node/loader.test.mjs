// The loader and its WASI shim: module sources, imports, randomness, clock,
// crash recovery, and the browser entry's independence from Node.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { MemoryStore, PocketKMS } from 'pocketkms';
import { PocketKMS as BrowserPocketKMS } from '../../wasm/js/pocketkms.js';
import { wasiImports } from '../../wasm/js/wasi.js';

import { load, module, rejectsKms, text } from './helpers.mjs';

const JS_DIR = fileURLToPath(new URL('../../wasm/js/', import.meta.url));
const WASM_PATH = fileURLToPath(new URL('../../build/pocketkms.wasm', import.meta.url));
const MATERIAL = new Uint8Array(32).fill(7);

async function works(kms) {
  const r = await kms.generateRandom({ Length: 4 });
  assert.equal(r.Random.length, 4);
}

describe('module sources', () => {
  let server;
  let base;
  let wasmBytes;
  before(async () => {
    wasmBytes = await readFile(WASM_PATH);
    server = createServer((req, res) => {
      if (req.url === '/pocketkms.wasm') res.writeHead(200, { 'content-type': 'application/wasm' }).end(wasmBytes);
      else if (req.url === '/octet.wasm') res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(wasmBytes);
      else res.writeHead(404).end('no');
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${server.address().port}`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  test('default: the package build, read from disk in Node', async () => works(await PocketKMS.load()));
  test('a file path and a file: URL', async () => {
    await works(await PocketKMS.load({ wasm: WASM_PATH }));
    await works(await PocketKMS.load({ wasm: pathToFileURL(WASM_PATH) }));
  });
  test('bytes: Buffer, ArrayBuffer, Uint8Array', async () => {
    await works(await PocketKMS.load({ wasm: wasmBytes }));
    await works(await PocketKMS.load({ wasm: new Uint8Array(wasmBytes).buffer }));
  });
  test('a compiled WebAssembly.Module (as workerd imports it), many instances', async () => {
    await works(await PocketKMS.load({ wasm: module }));
    await works(await BrowserPocketKMS.load({ wasm: module }));
  });
  test('over HTTP: streaming compile, a non-wasm content type, a 404', async () => {
    await works(await BrowserPocketKMS.load({ wasm: `${base}/pocketkms.wasm` }));
    await works(await BrowserPocketKMS.load({ wasm: new URL(`${base}/octet.wasm`) }));
    await works(await PocketKMS.load({ wasm: fetch(`${base}/pocketkms.wasm`) }));
    await assert.rejects(() => BrowserPocketKMS.load({ wasm: `${base}/missing.wasm` }), /HTTP 404/);
  });
  test('clear errors: missing file, file: URL in the browser entry, junk', async () => {
    await assert.rejects(() => PocketKMS.load({ wasm: '/nonexistent/pocketkms.wasm' }), /no module at .*wasm\/build\.sh/);
    await assert.rejects(() => BrowserPocketKMS.load({ wasm: pathToFileURL(WASM_PATH) }), /cannot fetch a file: URL/);
    await assert.rejects(() => PocketKMS.load({ wasm: 42 }), /wasm must be/);
    await assert.rejects(() => PocketKMS.load({ wasm: new Uint8Array([0, 1, 2]) }), WebAssembly.CompileError);
  });
});

describe('WASI shim', () => {
  test('provides exactly the 16 functions the module imports; unused ones answer ENOSYS', () => {
    const declared = new Set(WebAssembly.Module.imports(module)
      .filter((i) => i.module === 'wasi_snapshot_preview1').map((i) => i.name));
    assert.equal(declared.size, 16);
    const imports = wasiImports(module, () => null, () => {});
    assert.deepEqual(new Set(Object.keys(imports)), declared);
    for (const name of ['fd_close', 'fd_read', 'fd_prestat_dir_name']) assert.equal(imports[name](), 52, name);
    assert.throws(() => imports.proc_exit(3), { name: 'WasiExit', code: 3 });
  });

  test('never uses Math.random: not in the source, and not at run time', async () => {
    for (const f of await readdir(JS_DIR)) {
      if (f.endsWith('.js')) assert.ok(!(await readFile(JS_DIR + f, 'utf8')).includes('Math.random'), f);
    }
    const original = Math.random;
    Math.random = () => { throw new Error('Math.random used'); };
    try {
      const kms = await load();
      const { KeyMetadata: k } = await kms.createKey();
      await kms.advanceEncrypt({ KeyId: k.KeyId, Plaintext: 'x' });
      await kms.generateDataKey({ KeyId: k.KeyId });
    } finally {
      Math.random = original;
    }
  });

  test('randomness comes from crypto.getRandomValues', async () => {
    const kms = await load();
    const original = crypto.getRandomValues;
    let calls = 0;
    crypto.getRandomValues = function (a) { calls++; return original.call(crypto, a); };
    try {
      await kms.generateRandom({ Length: 32 });
    } finally {
      crypto.getRandomValues = original;
    }
    assert.ok(calls > 0);
  });

  test('two loaded instances draw different IVs, ids and request ids', async () => {
    const [a, b] = await Promise.all([PocketKMS.load({ wasm: WASM_PATH }), PocketKMS.load({ wasm: WASM_PATH })]);
    const req = { Versions: [{ KeyMaterial: MATERIAL }] };
    const [ka, kb] = [(await a.importKey(req)).KeyMetadata, (await b.importKey(req)).KeyMetadata];
    assert.notEqual(ka.KeyId, kb.KeyId);
    const [ea, eb] = [await a.encrypt({ KeyId: ka.KeyId, Plaintext: 'same' }), await b.encrypt({ KeyId: kb.KeyId, Plaintext: 'same' })];
    assert.notDeepEqual(ea.Iv, eb.Iv);
    assert.notDeepEqual(ea.CiphertextBlob, eb.CiphertextBlob);
    assert.notEqual(ea.RequestId, eb.RequestId);
  });

  test('the clock is the real time', async () => {
    const kms = await load();
    const { KeyMetadata } = await kms.createKey();
    assert.ok(Math.abs(Date.parse(KeyMetadata.CreationDate) - Date.now()) < 5000, KeyMetadata.CreationDate);
  });

  test('survives garbage collection inside a call (poll_oneoff)', async () => {
    const kms = await load();
    const { KeyMetadata: k } = await kms.createKey();
    for (let i = 0; i < 2; i++) {
      const p = new Uint8Array(2 << 20).fill(i);
      const e = await kms.advanceEncrypt({ KeyId: k.KeyId, Plaintext: p });
      assert.equal((await kms.advanceDecrypt({ CiphertextBlob: e.CiphertextBlob })).Plaintext.length, p.length);
    }
  });

  test('a crash inside the module is a 500; the next call runs on a fresh instance over the same store', async () => {
    const store = new MemoryStore();
    const lines = [];
    const kms = await load(store, { onOutput: (fd, line) => lines.push(line) });
    const { KeyMetadata: k } = await kms.createKey();
    const blob = (await kms.advanceEncrypt({ KeyId: k.KeyId, Plaintext: 'survives' })).CiphertextBlob;
    // A fresh instance: one that has served calls holds random bytes fetched
    // ahead, and would not ask the host for more yet.
    const fresh = await load(store, { onOutput: (fd, line) => lines.push(line) });
    const original = crypto.getRandomValues;
    crypto.getRandomValues = () => { throw new Error('entropy source unplugged'); };
    try {
      const e = await rejectsKms(() => fresh.generateRandom({ Length: 8 }), 500, 'InternalFailure', { requestId: false });
      assert.match(e.message, /crashed: entropy source unplugged/);
    } finally {
      crypto.getRandomValues = original;
    }
    assert.equal(text((await fresh.advanceDecrypt({ CiphertextBlob: blob })).Plaintext), 'survives');
  });
});

describe('browser entry', () => {
  test('pocketkms.js and everything it imports are free of node: imports', async () => {
    const seen = new Set();
    const visit = async (file) => {
      if (seen.has(file)) return;
      seen.add(file);
      const src = await readFile(JS_DIR + file, 'utf8');
      assert.ok(!/\bfrom\s+['"]node:|import\(\s*['"]node:|\bprocess\.|\bBuffer\b|\brequire\(/.test(src), `${file} uses Node APIs`);
      for (const [, dep] of src.matchAll(/from\s+'\.\/([^']+)'/g)) await visit(dep);
    };
    await visit('pocketkms.js');
    assert.ok(seen.has('wasi.js') && seen.has('indexeddb.js') && !seen.has('jsonfile.js'), [...seen].join());
  });
});
