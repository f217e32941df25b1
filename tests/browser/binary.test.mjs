// The self-contained binary (`make bin`, -tags pocketkms_embed) copied alone
// into an empty directory serves a working playground: Chromium loads it,
// runs the module the binary carries and encrypts; the copy then starts
// with --engine wasm. (tests/e2e's TestSelfContainedBinary drives such a
// copy's --engine wasm with the official SDK.) Run: bash tests/browser/run.sh
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

import { ROOT } from './server.mjs';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let dir;
let server;
let browser;

/** $POCKETKMS_FULL_BIN, or the full binary built into dir. */
function fullBinary(into) {
  if (process.env.POCKETKMS_FULL_BIN) return process.env.POCKETKMS_FULL_BIN;
  const out = join(into, 'pocketkms-full');
  execFileSync('go', ['build', '-trimpath', '-tags', 'pocketkms_embed', '-o', out, './host/cmd/pocketkms'], { cwd: ROOT, stdio: 'inherit' });
  return out;
}

/** Starts `./pocketkms serve` in cwd; resolves to { addr, proc } once it prints its endpoint. */
function start(cwd, args) {
  const proc = spawn('./pocketkms', ['serve', '--addr', '127.0.0.1:0', '--data', 'data', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (b) => { log += b; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`serve did not start:\n${log}`)); }, 60_000);
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`serve exited ${code}:\n${log}`)); });
    createInterface({ input: proc.stdout }).on('line', (line) => {
      const m = /^\s*endpoint:\s+(\S+)/.exec(line);
      if (m) { clearTimeout(timer); resolve({ addr: m[1], proc, log: () => log }); }
    });
  });
}

function stop(proc) {
  if (!proc || proc.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => { proc.removeAllListeners('exit'); proc.on('exit', resolve); proc.kill('SIGTERM'); });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pocketkms-binary-'));
  const build = mkdtempSync(join(tmpdir(), 'pocketkms-binary-build-'));
  try {
    copyFileSync(fullBinary(build), join(dir, 'pocketkms'));
  } finally {
    rmSync(build, { recursive: true, force: true });
  }
  execFileSync('chmod', ['755', join(dir, 'pocketkms')]);
  assert.deepEqual(readdirSync(dir), ['pocketkms'], 'the directory holds the binary alone');
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
});

after(async () => {
  await browser?.close();
  await stop(server?.proc);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a copied binary serves the playground with the module it carries, and it encrypts', async () => {
  const module = readFileSync(join(ROOT, 'build/pocketkms.wasm'));
  const sum = createHash('sha256').update(module).digest('hex');
  const version = execFileSync('./pocketkms', ['version'], { cwd: dir, encoding: 'utf8' });
  assert.match(version, new RegExp(`module: embedded, ${module.length} bytes, sha256 ${sum}`));

  server = await start(dir, []);
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  let served;
  page.on('response', async (r) => {
    if (r.url().endsWith('/build/pocketkms.wasm') && r.status() === 200) served = createHash('sha256').update(await r.body()).digest('hex');
  });

  await page.goto(`https://${server.addr}/`);
  await page.waitForSelector('body[data-ready], body[data-boot-error]', { timeout: 60_000 });
  assert.equal(await page.getAttribute('body', 'data-boot-error'), null, 'the page did not boot');
  assert.equal(served, sum, 'the page ran the module the binary carries');

  await page.click('#tab-keys');
  await page.fill('#ck-alias', 'alias/copied');
  await page.click('#create-key button[type=submit]');
  await page.locator('.alias', { hasText: 'alias/copied' }).waitFor();
  const keyId = await page.locator('article.key').first().getAttribute('data-key-id');
  assert.match(keyId, /^key-[a-z0-9]{21}$/);
  const primary = (await page.locator(`article.key[data-key-id="${keyId}"] [data-field="PrimaryKeyVersionId"]`).innerText()).trim();

  await page.click('#tab-ops');
  await page.check('#op-choices input[value="AdvanceEncrypt"]');
  await page.fill('#op-KeyId', 'alias/copied');
  await page.fill('#op-Plaintext', 'from a copied binary');
  await page.click('#op-send');
  const box = page.locator('#op-result > *');
  await box.waitFor();
  assert.equal(await box.getAttribute('class'), 'resp', await box.innerText());
  const cell = (name) => page.locator(`#op-result tr[data-field="${name}"] td`).nth(1).innerText();
  assert.equal((await cell('KeyId')).trim(), keyId);
  assert.equal((await cell('KeyVersionId')).trim(), primary);
  assert.deepEqual(problems, []);

  // The same copy serves --engine wasm: every request through the module it carries.
  await stop(server.proc);
  server = await start(dir, ['--engine', 'wasm']);
  const health = await context.request.get(`https://${server.addr}/healthz`);
  assert.equal(health.status(), 200);
  assert.equal((await health.json()).engine, 'wasm');
  await context.close();
  assert.deepEqual(readdirSync(dir).sort(), ['data', 'pocketkms'], 'nothing but the data directory appeared');
});
