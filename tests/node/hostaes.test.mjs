// The module's AES through node:crypto (wasm/js/aes.js, nodeaes.js): every
// AES mode reaches it, SM4 never does, hostCiphers: false turns it off, and
// both ways give the same bytes. The parity vectors run both ways too
// (tests/parity/node.test.mjs).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { MemoryStore, PocketKMS } from 'pocketkms';

import { nodeAES } from '../../wasm/js/nodeaes.js';

let calls = 0;
const spy = Object.fromEntries(Object.entries(nodeAES).map(([k, f]) => [k, (...a) => { calls++; return f(...a); }]));
class Spied extends PocketKMS {
  static hostAES() { return spy; }
}

const module = await PocketKMS.compile();
const seq = (n, start) => Uint8Array.from({ length: n }, (_, i) => (start + i) & 0xff);
const cases = [
  { spec: 'Aliyun_AES_256', Algorithm: 'AES_GCM', Iv: seq(12, 1), Aad: seq(5, 9) },
  { spec: 'Aliyun_AES_128', Algorithm: 'AES_CBC', Iv: seq(16, 2), PaddingMode: 'PKCS7_PADDING' },
  { spec: 'Aliyun_AES_192', Algorithm: 'AES_ECB', PaddingMode: 'PKCS7_PADDING' },
  { spec: 'Aliyun_SM4', Algorithm: 'SM4_GCM', Iv: seq(12, 3) },
];

async function encryptAll(kms) {
  const out = [];
  for (const c of cases) {
    const material = seq(c.spec === 'Aliyun_SM4' ? 16 : Number(c.spec.slice(-3)) / 8, 40);
    const { KeyMetadata } = await kms.importKey({ KeySpec: c.spec, Versions: [{ KeyMaterial: material }] });
    const before = calls;
    const req = { KeyId: KeyMetadata.KeyId, Plaintext: seq(100, 7), Algorithm: c.Algorithm, Iv: c.Iv, Aad: c.Aad, PaddingMode: c.PaddingMode };
    const enc = await kms.encrypt(req);
    const dec = await kms.decrypt({ ...req, Plaintext: undefined, CiphertextBlob: enc.CiphertextBlob });
    assert.deepEqual(new Uint8Array(dec.Plaintext), req.Plaintext);
    if (c.Algorithm === 'AES_GCM') {
      const bad = new Uint8Array(enc.CiphertextBlob);
      bad[0] ^= 1;
      await assert.rejects(kms.decrypt({ ...req, Plaintext: undefined, CiphertextBlob: bad }), { code: 'InvalidParameter' });
    }
    out.push({ c, blob: Buffer.from(enc.CiphertextBlob).toString('hex'), used: calls - before });
  }
  return out;
}

test('host AES: used for AES, never for SM4, the same bytes as the module alone', async () => {
  const host = await encryptAll(await Spied.load({ store: new MemoryStore(), wasm: module }));
  const own = await encryptAll(await Spied.load({ store: new MemoryStore(), wasm: module, hostCiphers: false }));
  for (let i = 0; i < cases.length; i++) {
    const sm4 = cases[i].spec === 'Aliyun_SM4';
    assert.equal(host[i].blob, own[i].blob, `${cases[i].Algorithm}: node:crypto and the module's AES differ`);
    assert.ok(sm4 ? host[i].used === 0 : host[i].used > 0, `${cases[i].Algorithm}: ${host[i].used} host AES calls`);
    assert.equal(own[i].used, 0, `${cases[i].Algorithm}: hostCiphers false still called the host`);
  }
});
