// The cross-runtime exchange of the Node-side parity runners (node.test.mjs
// and browser.test.mjs): each runtime writes the blobs it sealed with random
// Ivs to blobs-<runtime>.json, then opens every runtime's file. Node-only;
// harness.mjs, which also runs in the page, stays free of node: imports.
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));
export const ARTIFACTS = process.env.PARITY_ARTIFACTS ?? join(HERE, '..', 'artifacts', 'parity');
export const PHASE = process.env.PARITY_PHASE ?? '';

/** Writes what runtime sealed for the others to open. */
export async function writeSealed(runtime, items) {
  await mkdir(ARTIFACTS, { recursive: true });
  await writeFile(join(ARTIFACTS, `blobs-${runtime}.json`), JSON.stringify({ runtime, items }, null, 1));
}

/**
 * Opens every runtime's blobs with openOne(file), one subtest each, and
 * checks that every runtime PARITY_REQUIRE names left a file.
 */
export async function openAllSealed(t, where, openOne) {
  await mkdir(ARTIFACTS, { recursive: true });
  const names = (await readdir(ARTIFACTS)).filter((f) => /^blobs-.*\.json$/.test(f)).sort();
  const found = [];
  for (const name of names) {
    const file = JSON.parse(await readFile(join(ARTIFACTS, name), 'utf8'));
    found.push(file.runtime);
    await t.test(`${file.runtime} in ${where}`, () => openOne(file));
  }
  t.diagnostic(`opened blobs sealed by ${found.join(', ')}`);
  for (const want of (process.env.PARITY_REQUIRE ?? '').split(',').filter(Boolean)) {
    assert.ok(found.includes(want), `PARITY_REQUIRE names ${want} but ${ARTIFACTS} has no blobs-${want}.json`);
  }
}
