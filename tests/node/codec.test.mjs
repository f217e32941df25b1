// The host-side decoders and conversions: round trips against independent
// encoders, and random input that must give a clean Error, never a hang or a
// wrong kind of exception.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { decodeProtoError, decodeResponse, encodeRequest, fromBase64, toBase64 } from '../../wasm/js/bytes.js';
import { decodeBatch } from '../../wasm/js/host.js';

const rand = (n) => crypto.getRandomValues(new Uint8Array(n));
const randInt = (n) => crypto.getRandomValues(new Uint32Array(1))[0] % n;

/** Encodes a kv_commit batch as the ABI describes (independently of host.js). */
function encodeBatch(reads, writes) {
  const parts = [];
  const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); parts.push(b); };
  const str = (s) => { const b = Buffer.from(s); u32(b.length); parts.push(b); };
  u32(reads.length);
  for (const [k, rev] of reads) { str(k); const b = Buffer.alloc(8); b.writeBigInt64LE(BigInt(rev)); parts.push(b); }
  u32(writes.length);
  for (const w of writes) {
    parts.push(Buffer.from([w.value === null ? 2 : 1]));
    str(w.key);
    if (w.value !== null) str(w.value);
  }
  return new Uint8Array(Buffer.concat(parts));
}

const randText = () => Buffer.from(rand(randInt(20))).toString('base64') + (randInt(4) === 0 ? 'é✓😀' : '');

describe('kv_commit batches', () => {
  test('round trip', () => {
    for (let i = 0; i < 500; i++) {
      const reads = Array.from({ length: randInt(5) }, () => [randText(), randInt(1e6)]);
      const writes = Array.from({ length: randInt(5) }, () => ({ key: randText(), value: randInt(3) === 0 ? null : randText() }));
      assert.deepEqual(decodeBatch(encodeBatch(reads, writes)), { reads, writes });
    }
  });

  test('truncated, trailing and random bytes are clean errors', () => {
    const good = encodeBatch([['keys/a', 3]], [{ key: 'keys/a', value: '{}' }, { key: 'x', value: null }]);
    for (let n = 0; n < good.length; n++) assert.throws(() => decodeBatch(good.subarray(0, n)), /truncated/, `cut at ${n}`);
    assert.throws(() => decodeBatch(Uint8Array.from([...good, 0])), /trailing/);
    for (let i = 0; i < 20000; i++) {
      try {
        decodeBatch(rand(randInt(64)));
      } catch (err) {
        assert.match(err.message, /^pocketkms: /);
      }
    }
  });
});

describe('protobuf Error', () => {
  test('decodes the four fields and skips unknown ones', () => {
    const msg = Uint8Array.from([
      0x08, 0x94, 0x03, // StatusCode 404
      0x12, 3, ...Buffer.from('abc'), // ErrorCode
      0x28, 0x01, // unknown varint field 5
      0x1a, 2, ...Buffer.from('hi'), // ErrorMessage
      0x22, 1, ...Buffer.from('r'), // RequestId
    ]);
    assert.deepEqual(decodeProtoError(msg), { StatusCode: 404, ErrorCode: 'abc', ErrorMessage: 'hi', RequestId: 'r' });
    assert.deepEqual(decodeProtoError(new Uint8Array()), { StatusCode: 0, ErrorCode: '', ErrorMessage: '', RequestId: '' });
  });

  test('random bytes decode or throw an Error', () => {
    for (let i = 0; i < 20000; i++) {
      try {
        decodeProtoError(rand(randInt(48)));
      } catch (err) {
        assert.ok(err instanceof Error && !(err instanceof TypeError), String(err));
      }
    }
  });
});

describe('bytes conversions', () => {
  test('base64 agrees with Buffer at every length up to 300 and at 1 MiB', () => {
    for (const n of [...Array(300).keys(), 1 << 20]) {
      const b = new Uint8Array(Buffer.alloc(n, Buffer.from(rand(1024))));
      const t = toBase64(b);
      assert.equal(t, Buffer.from(b).toString('base64'));
      assert.deepEqual(fromBase64(t), b);
    }
  });

  test('requests: nested byte fields encode, other fields pass through, null and undefined drop', () => {
    const out = encodeRequest({
      KeyId: 'k', Plaintext: 'é', Aad: undefined, Iv: null, NumberOfBytes: 3,
      Versions: [{ KeyMaterial: Uint8Array.of(1, 2), CreationDate: 'd' }], Aliases: ['alias/a'],
    });
    assert.deepEqual(out, { KeyId: 'k', Plaintext: 'w6k=', NumberOfBytes: 3, Versions: [{ KeyMaterial: 'AQI=', CreationDate: 'd' }], Aliases: ['alias/a'] });
    assert.throws(() => encodeRequest({ Iv: 'text' }), /Iv must be a Uint8Array, not string/);
    assert.throws(() => encodeRequest({ Aad: 5 }), /Aad must be a Uint8Array or a string, not number/);
  });

  test('responses: byte fields at any depth become Uint8Array, the rest stay', () => {
    const r = decodeResponse({ Random: 'AQI=', Fields: [{ Name: 'Iv', Value: 'AQI=' }], Nested: { Tag: '' }, KeyId: 'AQI=' });
    assert.deepEqual(r, { Random: Uint8Array.of(1, 2), Fields: [{ Name: 'Iv', Value: 'AQI=' }], Nested: { Tag: new Uint8Array() }, KeyId: 'AQI=' });
  });
});
