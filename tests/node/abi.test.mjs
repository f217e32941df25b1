// The JS package's ABI side against the Go side's byte vectors
// (internal/abi/testdata/vectors.json), the ABI version check, a refused
// request buffer, and the bare-WebAssembly example of docs/wasm-abi.md.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { ABI_VERSION, PocketKMS } from 'pocketkms';
import { decodeBatch, encodeList, encodeValue, kvImports } from '../../wasm/js/host.js';
import { load, rejectsKms } from './helpers.mjs';

const vectors = JSON.parse(await readFile(new URL('../../internal/abi/testdata/vectors.json', import.meta.url), 'utf8'));
const unhex = (h) => new Uint8Array(Buffer.from(h, 'hex'));
const hex = (b) => Buffer.from(b).toString('hex');

describe('ABI vectors', () => {
  test('the vectors are for this package\'s ABI', () => assert.equal(vectors.abi, ABI_VERSION));

  for (const v of vectors.batches) {
    test(`kv_commit batch: ${v.name}`, () => {
      const { reads, writes } = decodeBatch(unhex(v.hex));
      assert.deepEqual(reads, v.reads);
      assert.deepEqual(writes, v.writes);
    });
  }
  for (const v of vectors.badBatches) {
    test(`kv_commit batch refused: ${v.name}`, () => assert.throws(() => decodeBatch(unhex(v.hex)), /^Error: pocketkms: /));
  }
  for (const v of vectors.lists) {
    // The guest sorts what it receives; the host encodes in its own order.
    if (v.reordered) continue;
    test(`kv_list answer: ${v.name}`, () => assert.equal(hex(encodeList(v.keys)), v.hex));
  }
  for (const v of vectors.values) {
    test(`kv_get answer: ${v.name}`, () => assert.equal(hex(encodeValue(v.rev, v.value)), v.hex));
  }
});

test('kv_get answers again from its cache only for the same revision and the same text', () => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  let rec = { rev: 1, value: 'a' };
  const kv = kvImports({ get: () => rec, list: () => [], commit: () => true }, () => memory, {});
  new Uint8Array(memory.buffer).set(new TextEncoder().encode('k'), 0);
  const get = () => hex(new Uint8Array(memory.buffer, 100, Number(kv.kv_get(0, 1, 100, 64))));
  for (const next of [{ rev: 1, value: 'a' }, { rev: 1, value: 'b' }, { rev: 2, value: 'b' }, { rev: 2, value: 'b' }]) {
    rec = next;
    assert.equal(get(), hex(encodeValue(next.rev, next.value)), JSON.stringify(next));
  }
});

test('a module of another ABI version is refused at load, naming both', async () => {
  const other = vectors.otherABIModule;
  assert.notEqual(other.abi, ABI_VERSION);
  await assert.rejects(PocketKMS.load({ wasm: unhex(other.hex) }),
    new RegExp(`the module speaks ABI ${other.abi} and this package ABI ${ABI_VERSION}`));
});

test('a body pkms_buffer refuses is a 413, and the next call works', async () => {
  const kms = await load();
  const tooBig = new Uint8Array(64 * 2 ** 20 + 1);
  const err = await rejectsKms(() => kms.callProto('GenerateRandom', tooBig), 413, 'RequestEntityTooLarge', { requestId: false });
  assert.match(err.message, /at most 67108864/);
  const { Random } = await kms.generateRandom({ Length: 8 });
  assert.equal(Random.length, 8);
});

test('pkms_info lists the named exports, and the module exports them', async () => {
  const kms = await load();
  const { exports } = kms.info();
  const named = WebAssembly.Module.exports(kms.module).map((e) => e.name).filter((n) => /^[A-Z]/.test(n));
  assert.deepEqual([...named].sort(), [...exports].sort());
  assert.ok(exports.includes('AdvanceEncrypt'), String(exports));
});

test('docs/wasm-abi.md: AdvanceEncrypt from bare WebAssembly runs as shown', async () => {
  const doc = await readFile(new URL('../../docs/wasm-abi.md', import.meta.url), 'utf8');
  const section = doc.split('## Calling AdvanceEncrypt from bare WebAssembly')[1];
  const code = section?.match(/```js\n([\s\S]*?)```/)?.[1];
  assert.ok(code, 'no js block in that section');
  assert.doesNotMatch(code, /from ['"](?!node:)/, 'the example imports a package');
  const dir = await mkdtemp(join(tmpdir(), 'pocketkms-bare-'));
  try {
    await writeFile(join(dir, 'bare.mjs'), code);
    const wasm = fileURLToPath(new URL('../../build/pocketkms.wasm', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ['--no-warnings', join(dir, 'bare.mjs'), wasm]);
    const blob = stdout.match(/CiphertextBlob: '([A-Za-z0-9+/=]+)'/)?.[1];
    assert.ok(blob, stdout);
    assert.ok(Buffer.from(blob, 'base64').length > 5 + 12 + 16, 'a blob carries the key version, Iv and tag');
    assert.match(stdout, /AdvanceDecrypt -> hello\n/);
  } finally {
    await rm(dir, { recursive: true });
  }
});
