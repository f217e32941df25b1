// The browser entry runs unchanged in workerd (Cloudflare's runtime, from
// the miniflare package): .wasm imported as a WebAssembly.Module, WebCrypto
// randomness, and KmsError mapped to the product's status.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Miniflare } from 'miniflare';
import { ABI_VERSION } from 'pocketkms';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let mf;

before(async () => {
  mf = new Miniflare({
    modules: true,
    modulesRoot: ROOT,
    scriptPath: `${ROOT}tests/node/worker-fixture.mjs`,
    modulesRules: [{ type: 'ESModule', include: ['**/*.js'] }, { type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2025-01-01',
  });
  await mf.ready;
});
after(async () => { await mf?.dispose(); });

test('a Worker loads the module and round-trips', async () => {
  const res = await mf.dispatchFetch('http://localhost/roundtrip');
  const body = await res.text();
  assert.equal(res.status, 200, body);
  const a = JSON.parse(body);
  assert.equal(a.isModule, true);
  assert.equal(a.text, 'from workerd');
  assert.equal(a.info.abi, ABI_VERSION);
  assert.ok(Math.abs(Date.parse(a.creationDate) - Date.now()) < 60_000, a.creationDate);
  const b = await (await mf.dispatchFetch('http://localhost/roundtrip')).json();
  assert.notEqual(a.keyId, b.keyId);
  assert.notDeepEqual(a.iv, b.iv);
});

test('errors carry the product status and code', async () => {
  const res = await mf.dispatchFetch('http://localhost/error');
  assert.equal(res.status, 404);
  const e = await res.json();
  assert.equal(e.ErrorCode, 'Forbidden.KeyNotFound');
  assert.match(e.RequestId, /^[0-9a-f-]{36}$/);
});
