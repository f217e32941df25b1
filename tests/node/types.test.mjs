// The TypeScript declarations compile against real usage (types-usage.ts,
// which also holds @ts-expect-error lines that must stay errors).
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('pocketkms.d.ts and node.d.ts type-check under tsc --strict', async () => {
  const tsc = [`${ROOT}node_modules/typescript/bin/tsc`, '-p', `${ROOT}tests/node/tsconfig.json`];
  await promisify(execFile)(process.execPath, tsc, { cwd: ROOT }).catch((err) => {
    throw new Error(`tsc failed:\n${err.stdout}${err.stderr}`);
  });
});
