// The npm package as a user gets it: `npm pack` (whose prepack builds the
// module), then an empty project installs the tarball offline, from the
// file, and (a) runs a Node script, (b) bundles a browser entry with esbuild
// and runs it in Chromium, (c) type-checks a consumer with tsc --strict.
// Run: bash tests/npm/run.sh
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

import { ROOT, serve } from '../browser/server.mjs';

const require = createRequire(import.meta.url);
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const FIXTURE = join(ROOT, 'tests/npm/fixture');
const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

let tmp;
let app;
let packed;

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'pocketkms-npm-'));
  [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', tmp], ROOT));
  app = join(tmp, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  cpSync(FIXTURE, app, { recursive: true });
  npm(['install', '--offline', '--no-audit', '--no-fund', join(tmp, packed.filename)], app);
});

after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('the tarball holds the loader, the types and the module, and nothing else', () => {
  const files = packed.files.map((f) => f.path).sort();
  for (const want of ['package.json', 'README.md', 'build/pocketkms.wasm', 'wasm/js/pocketkms.js', 'wasm/js/pocketkms.d.ts', 'wasm/js/node.js', 'wasm/js/node.d.ts', 'wasm/js/README.md']) {
    assert.ok(files.includes(want), `${want} is missing from ${files.join(' ')}`);
  }
  for (const f of files) {
    assert.match(f, /^(package\.json|README\.md|build\/pocketkms\.wasm|wasm\/js\/[a-z]+\.(js|d\.ts)|wasm\/js\/README\.md)$/, `${f} should not ship`);
  }
  const sha = (p) => createHash('sha256').update(readFileSync(p)).digest('hex');
  assert.equal(sha(join(app, 'node_modules/pocketkms/build/pocketkms.wasm')), sha(join(ROOT, 'build/pocketkms.wasm')),
    'the installed module is the one prepack built');
  const manifest = JSON.parse(readFileSync(join(app, 'node_modules/pocketkms/package.json'), 'utf8'));
  assert.equal(manifest.private, undefined);
});

test('(a) a Node script imports the installed package and encrypts', () => {
  const out = JSON.parse(execFileSync(process.execPath, ['node-check.mjs'], { cwd: app, encoding: 'utf8' }));
  assert.deepEqual(out, { checked: 'from the tarball', roundTrip: 'round trip', code: 'Forbidden.KeyNotFound', info: 'pocketkms' });
});

test('the Node example of docs/testing-your-app.md passes against the installed package, as shown', () => {
  const file = readFileSync(join(FIXTURE, 'app.test.mjs'), 'utf8');
  const doc = readFileSync(join(ROOT, 'docs/testing-your-app.md'), 'utf8');
  const block = doc.split('<!-- tests/npm/fixture/app.test.mjs -->')[1]?.split('```js\n')[1]?.split('```\n')[0];
  assert.equal(block, file, 'the doc shows another text than tests/npm/fixture/app.test.mjs');
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT; // a test runner of its own, not a child reporting to this one
  const run = spawnSync(process.execPath, ['--test', '--test-reporter=tap', 'app.test.mjs'], { cwd: app, encoding: 'utf8', env });
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /# pass 2/);
});

test('(b) esbuild bundles a browser entry that runs in Chromium', async () => {
  const esbuild = require(join(ROOT, 'node_modules/esbuild'));
  const dist = join(app, 'dist');
  await esbuild.build({
    absWorkingDir: app, entryPoints: ['browser-entry.js'], bundle: true, format: 'esm', platform: 'browser',
    target: 'es2022', loader: { '.wasm': 'file' }, outdir: dist, logLevel: 'warning',
  });
  const bundle = readFileSync(join(dist, 'browser-entry.js'), 'utf8');
  assert.doesNotMatch(bundle, /from\s*["']node:/, 'the browser bundle imports Node modules');
  assert.ok(readdirSync(dist).some((f) => f.endsWith('.wasm')), 'esbuild did not copy the module');
  writeFileSync(join(dist, 'index.html'), '<!doctype html><meta charset="utf-8"><body><script type="module" src="browser-entry.js"></script>');

  const server = await serve({ root: dist });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}index.html`);
    await page.waitForSelector('body[data-result], body[data-error]', { state: 'attached', timeout: 60_000 });
    assert.equal(await page.getAttribute('body', 'data-error'), null);
    assert.equal(await page.getAttribute('body', 'data-result'), 'bundled');
    assert.equal(await page.getAttribute('body', 'data-keys'), '1');
  } finally {
    await browser.close();
    await server.close();
  }
});

test('(c) a consumer type-checks with tsc --strict, and a misuse does not', () => {
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  const ok = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app, encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  const bad = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.misuse.json'], { cwd: app, encoding: 'utf8' });
  assert.notEqual(bad.status, 0, 'a wrong request type-checked: the declarations are not in force');
  assert.match(bad.stdout, /misuse\.ts\(7,\d+\): error TS2322: Type 'number' is not assignable to type 'BytesOrText'/);
});
