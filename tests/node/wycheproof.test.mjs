// The Wycheproof AES-GCM and AES-CBC-PKCS5 vectors through the module under
// Node, with AES on node:crypto (the pocketkms_aes imports) and with the
// module's own: each vector's key imported, its ciphertext opened with
// Decrypt; a valid vector must give its message, an invalid one an error.
// (tests/wycheproof runs the same through internal/modes and under wazero.)
// The vectors are those of the Go module github.com/c2sp/wycheproof that
// the tests module pins, found with `go list`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { load } from './helpers.mjs';

const TESTS = fileURLToPath(new URL('..', import.meta.url));
const dir = execFileSync('go', ['list', '-m', '-f', '{{.Dir}}', 'github.com/c2sp/wycheproof'], { cwd: TESTS, encoding: 'utf8' }).trim();
const vectors = (name) => JSON.parse(readFileSync(join(dir, 'testvectors_v1', name), 'utf8'));
const unhex = (h) => Uint8Array.from(Buffer.from(h, 'hex'));
const aesKey = (bits) => bits === 128 || bits === 192 || bits === 256;

for (const hostCiphers of [true, false]) {
  test(`Wycheproof AES-GCM and AES-CBC through the module, hostCiphers ${hostCiphers}`, async () => {
    const kms = await load(undefined, { hostCiphers });
    const keys = new Map();
    const keyId = async (material) => {
      const k = Buffer.from(material).toString('hex');
      if (!keys.has(k)) {
        const r = await kms.importKey({ KeySpec: `Aliyun_AES_${material.length * 8}`, Versions: [{ KeyMaterial: material }] });
        keys.set(k, r.KeyMetadata.KeyId);
      }
      return keys.get(k);
    };
    let ran = 0;
    const run = async (alg, file, supported) => {
      for (const g of vectors(file).testGroups) {
        if (!supported(g)) continue;
        for (const tc of g.tests) {
          const req = { KeyId: await keyId(unhex(tc.key)), Algorithm: alg, Iv: unhex(tc.iv),
            CiphertextBlob: unhex(tc.ct + (tc.tag ?? '')) };
          if (alg === 'AES_GCM') req.Aad = unhex(tc.aad);
          ran++;
          const what = `${alg} ${tc.tcId} (${tc.comment})`;
          if (tc.result === 'valid') {
            const r = await kms.decrypt(req);
            assert.equal(Buffer.from(r.Plaintext ?? []).toString('hex'), tc.msg, what); // an empty Plaintext is omitted
          } else if (tc.result === 'invalid') {
            await assert.rejects(kms.decrypt(req), `${what}: invalid vector opened`);
          }
        }
      }
    };
    await run('AES_GCM', 'aes_gcm_test.json', (g) => g.ivSize === 96 && g.tagSize === 128 && aesKey(g.keySize));
    await run('AES_CBC', 'aes_cbc_pkcs5_test.json', (g) => aesKey(g.keySize));
    assert.ok(ran > 200, `only ${ran} vectors`);
  });
}
