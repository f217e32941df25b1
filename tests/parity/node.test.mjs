// The parity vectors on the module under Node, through the JS package
// ("pocketkms"): every scenario on a fresh MemoryStore, once through
// kms.call (objects with Uint8Array) and once through kms.callJSON; then
// cross-runtime sealing and opening (PARITY_PHASE, PARITY_REQUIRE: see
// cross_test.go). Run: node --test tests/parity/node.test.mjs
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { MemoryStore, PocketKMS } from 'pocketkms';

import { open, runScenario, seal } from './harness.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const VECTORS = join(HERE, '..', 'vectors');
const ARTIFACTS = process.env.PARITY_ARTIFACTS ?? join(HERE, '..', 'artifacts', 'parity');
const PHASE = process.env.PARITY_PHASE ?? '';

const module = await PocketKMS.compile();
const fresh = () => PocketKMS.load({ store: new MemoryStore(), wasm: module });
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
  }

  test('cross-runtime: seal with random Ivs', async () => {
    const items = await seal(await fresh(), cross);
    await mkdir(ARTIFACTS, { recursive: true });
    await writeFile(join(ARTIFACTS, 'blobs-node.json'), JSON.stringify({ runtime: 'node', items }, null, 1));
  });
}

if (PHASE !== 'seal') {
  test('cross-runtime: open what every runtime sealed', async (t) => {
    await mkdir(ARTIFACTS, { recursive: true });
    const names = (await readdir(ARTIFACTS)).filter((f) => /^blobs-.*\.json$/.test(f)).sort();
    const found = [];
    for (const name of names) {
      const file = JSON.parse(await readFile(join(ARTIFACTS, name), 'utf8'));
      found.push(file.runtime);
      await t.test(`${file.runtime} in node`, async () => {
        await open(await fresh(), cross, file);
      });
    }
    t.diagnostic(`opened blobs sealed by ${found.join(', ')}`);
    for (const want of (process.env.PARITY_REQUIRE ?? '').split(',').filter(Boolean)) {
      assert.ok(found.includes(want), `PARITY_REQUIRE names ${want} but ${ARTIFACTS} has no blobs-${want}.json`);
    }
  });
}
