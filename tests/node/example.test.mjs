// The runnable example in wasm/examples works as documented.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const EXAMPLE = fileURLToPath(new URL('../../wasm/examples/rotate.mjs', import.meta.url));
const VERSION = /key-[a-z0-9]{21}-[a-z0-9]{10}/;

function check(stdout) {
  const first = stdout.match(new RegExp(`encrypted under\\s+(${VERSION.source})`));
  const second = [...stdout.matchAll(new RegExp(`encrypted under\\s+(${VERSION.source})`, 'g'))][1];
  assert.ok(first && second, stdout);
  assert.notEqual(first[1], second[1], 'rotation changes the version that encrypts');
  assert.match(stdout, new RegExp(`old blob decrypts with ${first[1]}: attack at dawn`));
}

test('rotate.mjs in memory', async () => {
  const { stdout } = await run(process.execPath, [EXAMPLE]);
  check(stdout);
});

test('rotate.mjs with a JSON file store', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pocketkms-example-'));
  try {
    const file = join(dir, 'store.json');
    check((await run(process.execPath, [EXAMPLE, file])).stdout);
    check((await run(process.execPath, [EXAMPLE, file])).stdout);
    const doc = JSON.parse(await readFile(file, 'utf8'));
    assert.equal(Object.keys(doc.records).filter((k) => k.startsWith('keys/')).length, 2, 'both runs kept their key');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
