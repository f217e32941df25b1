// Time until the playground is usable (module downloaded, compiled,
// instantiated, store opened, key list drawn), measured in Chromium:
// N first visits (a fresh profile: empty HTTP cache, code cache and
// IndexedDB; the browser itself is already started, on about:blank) and N
// reloads in one profile. The page itself reports the figure
// (performance.now() at ready, i.e. since navigation start); the first
// contentful paint is when the page is drawn and its forms take input.
// Run: node tests/browser/bench.mjs [N]   (after npm ci and bash wasm/build.sh)
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

import { ROOT, serve } from './server.mjs';

const N = Number(process.argv[2] ?? 5);
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const server = await serve();

const paints = [];
async function ready(page) {
  await page.waitForSelector('body[data-ready], body[data-boot-error]', { timeout: 60_000 });
  const err = await page.getAttribute('body', 'data-boot-error');
  if (err) throw new Error(err);
  paints.push(await page.evaluate(() => Math.round(performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN)));
  return Number(await page.getAttribute('body', 'data-ready'));
}

async function withProfile(fn) {
  const dir = mkdtempSync(join(tmpdir(), 'pocketkms-bench-'));
  const ctx = await chromium.launchPersistentContext(dir, { executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ARGS });
  try {
    return await fn(ctx.pages()[0] ?? await ctx.newPage());
  } finally {
    await ctx.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const first = [];
for (let i = 0; i < N; i++) {
  first.push(await withProfile(async (page) => {
    await page.goto('about:blank'); // browser start-up is not the page's time
    await page.goto(`${server.url}index.html`);
    return ready(page);
  }));
}
const reload = await withProfile(async (page) => {
  await page.goto(`${server.url}index.html`);
  await ready(page);
  const out = [];
  for (let i = 0; i < N; i++) {
    await page.reload();
    out.push(await ready(page));
  }
  return out;
});
await server.close();
const size = statSync(join(ROOT, 'build/pocketkms.wasm')).size;
console.log(`module: ${(size / 1e6).toFixed(1)} MB raw, served from 127.0.0.1`);
console.log(`first contentful paint (the page drawn, forms usable): median ${median(paints)} ms`);
console.log(`first visit (fresh profile): median ${median(first)} ms  [${first.join(', ')}]`);
console.log(`reload (HTTP + code cache): median ${median(reload)} ms  [${reload.join(', ')}]`);
