// The parity vectors on the module in headless Chromium (Debian's
// /usr/bin/chromium driven by playwright-core): a loopback server serves the
// repository's JS package, module, vectors and harness.mjs; the page loads
// the package as a browser would and runs every scenario through kms.call
// and kms.callJSON, then seals and opens cross-runtime blobs (PARITY_PHASE,
// PARITY_REQUIRE: see cross_test.go).
// Run: node --test tests/parity/browser.test.mjs
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { PHASE, openAllSealed, writeSealed } from './artifacts.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
// Only what the page needs is served.
const SERVED = [/^\/wasm\/js\/[\w.-]+\.js$/, /^\/build\/pocketkms\.wasm$/, /^\/tests\/parity\/(harness\.mjs|crossruntime\.json)$/, /^\/tests\/vectors\/[\w.-]+\.json$/];

let server;
let origin;
let profile;
let browser;
let page;
const pageErrors = [];

before(async () => {
  await stat(CHROMIUM); // fails clearly when Chromium is missing: apt-get install chromium
  server = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    if (path === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>pocketkms parity</title>');
    const file = normalize(join(ROOT, path));
    if (!SERVED.some((re) => re.test(path)) || !file.startsWith(ROOT)) return res.writeHead(404).end();
    try {
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(await readFile(file));
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  profile = await mkdtemp(join(tmpdir(), 'pocketkms-parity-'));
  browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
  page = await browser.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${origin}/`);
  await page.evaluate(async () => {
    // Randomness must come from crypto.getRandomValues, never Math.random.
    Math.random = () => { throw new Error('Math.random used'); };
    const pkg = await import('/wasm/js/pocketkms.js');
    const harness = await import('/tests/parity/harness.mjs');
    const module = await pkg.PocketKMS.compile(); // default URL /build/pocketkms.wasm, streamed
    const fresh = () => pkg.PocketKMS.load({ store: new pkg.MemoryStore(), wasm: module });
    const cross = await (await fetch('/tests/parity/crossruntime.json')).json();
    window.parity = { harness, fresh, cross, agent: navigator.userAgent };
  });
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  if (profile) await rm(profile, { recursive: true, force: true });
  assert.deepEqual(pageErrors, []);
});

if (PHASE !== 'open') {
  const files = (await readdir(join(ROOT, 'tests', 'vectors'))).filter((f) => f.endsWith('.json')).sort();
  assert.ok(files.length > 0);
  for (const f of files) {
    for (const mode of ['call', 'callJSON']) {
      test(`chromium: vectors ${f} via ${mode}`, async () => {
        const steps = await page.evaluate(async ({ f, mode }) => {
          const { harness, fresh } = window.parity;
          const scenario = await (await fetch(`/tests/vectors/${f}`)).json();
          return harness.runScenario(await fresh(), scenario, mode);
        }, { f, mode });
        assert.ok(steps > 0);
      });
    }
  }

  test('chromium: cross-runtime seal with random Ivs', async (t) => {
    const { items, agent } = await page.evaluate(async () => {
      const { harness, fresh, cross, agent } = window.parity;
      return { items: await harness.seal(await fresh(), cross), agent };
    });
    t.diagnostic(agent);
    await writeSealed('browser', items);
  });
}

if (PHASE !== 'seal') {
  test('chromium: cross-runtime open what every runtime sealed', async (t) => {
    await openAllSealed(t, 'chromium', (file) => page.evaluate(async (file) => {
      const { harness, fresh, cross } = window.parity;
      return harness.open(await fresh(), cross, file);
    }, file));
  });
}
