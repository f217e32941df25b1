// The parity vectors on the module under Node, through the JS package
// ("pocketkms"): every scenario on a fresh MemoryStore, once through
// kms.call (objects with Uint8Array) and once through kms.callJSON; then
// cross-runtime sealing and opening (PARITY_PHASE, PARITY_REQUIRE: see
// cross_test.go). Run: node --test tests/parity/node.test.mjs
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { MemoryStore, PocketKMS } from 'pocketkms';

import { PHASE, openAllSealed, writeSealed } from './artifacts.mjs';
import { open, runScenario, seal } from './harness.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const VECTORS = join(HERE, '..', 'vectors');

const module = await PocketKMS.compile();
const fresh = (hostCiphers = true) => PocketKMS.load({ store: new MemoryStore(), wasm: module, hostCiphers });
const cross = JSON.parse(await readFile(join(HERE, 'crossruntime.json'), 'utf8'));

if (PHASE !== 'open') {
  const files = (await readdir(VECTORS)).filter((f) => f.endsWith('.json')).sort();
  assert.ok(files.length > 0, `no vectors in ${VECTORS}`);
  for (const f of files) {
    const scenario = JSON.parse(await readFile(join(VECTORS, f), 'utf8'));
    for (const mode of ['call', 'callJSON']) {
      test(`vectors ${scenario.name} via ${mode}`, async () => {
        await runScenario(await fresh(), scenario, mode);
      });
    }
    // The module's own AES instead of node:crypto's (aes.js).
    test(`vectors ${scenario.name} via call, module AES`, async () => {
      await runScenario(await fresh(false), scenario, 'call');
    });
  }

  test('cross-runtime: seal with random Ivs', async () => {
    await writeSealed('node', await seal(await fresh(), cross));
  });
}

if (PHASE !== 'seal') {
  test('cross-runtime: open what every runtime sealed', async (t) => {
    await openAllSealed(t, 'node', async (file) => open(await fresh(), cross, file));
  });
}
