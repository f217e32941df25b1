// Every PocketKMS method against the real module, with independent checks
// (WebCrypto) where the output is ciphertext.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { before, describe, test } from 'node:test';

import { ABI_VERSION, KmsError, OPERATIONS, PocketKMS } from 'pocketkms';

import { hex, load, rejectsKms, text, utf8, UUID, webcryptoOpen } from './helpers.mjs';

const MATERIAL = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);
const camel = (api) => api[0].toLowerCase() + api.slice(1);

let kms;
before(async () => { kms = await load(); });

describe('info', () => {
  test('names the module, its ABI, and every operation, each with a method', () => {
    const info = kms.info();
    assert.equal(info.name, 'pocketkms');
    assert.equal(info.abi, ABI_VERSION);
    assert.deepEqual([...info.operations].sort(), [...OPERATIONS].sort());
    for (const api of info.operations) assert.equal(typeof kms[camel(api)], 'function', api);
    assert.ok(info.algorithms.includes('AES_GCM'));
    info.operations.length = 0; // a copy: the instance's info is not mutated
    assert.ok(kms.info().operations.length > 0);
  });
  test('load timings are measured', () => {
    assert.ok(kms.timings.compileMs >= 0 && kms.timings.instantiateMs > 0);
  });
});

describe('keys', () => {
  for (const spec of ['Aliyun_AES_256', 'Aliyun_AES_192', 'Aliyun_AES_128', 'Aliyun_SM4']) {
    test(`createKey ${spec}, describeKey, listKeys`, async () => {
      const { KeyMetadata: md, RequestId } = await kms.createKey({ KeySpec: spec, Description: 'd' });
      assert.match(RequestId, UUID);
      assert.match(md.KeyId, /^key-[a-z0-9]{21}$/);
      assert.equal(md.KeySpec, spec);
      assert.equal(md.KeyState, 'Enabled');
      assert.equal(md.InitialKeyVersionId, md.PrimaryKeyVersionId);
      const { KeyMetadata: again } = await kms.describeKey({ KeyId: md.KeyId });
      assert.deepEqual(again, md);
      const { Keys } = await kms.listKeys();
      assert.ok(Keys.some((k) => k.KeyId === md.KeyId));
    });
  }

  test('createKey defaults to Aliyun_AES_256; a bad spec is a 400', async () => {
    const { KeyMetadata } = await kms.createKey();
    assert.equal(KeyMetadata.KeySpec, 'Aliyun_AES_256');
    await rejectsKms(() => kms.createKey({ KeySpec: 'Aliyun_AES_512' }), 400, 'InvalidParameter');
  });

  test('createKeyVersion, listKeyVersions, describeKeyVersion', async () => {
    const { KeyMetadata: k } = await kms.createKey();
    const { KeyMetadata: r } = await kms.createKeyVersion({ KeyId: k.KeyId });
    assert.notEqual(r.PrimaryKeyVersionId, k.PrimaryKeyVersionId);
    assert.equal(r.InitialKeyVersionId, k.InitialKeyVersionId);
    assert.equal(r.VersionCount, 2);
    const { KeyVersions } = await kms.listKeyVersions({ KeyId: k.KeyId });
    assert.deepEqual(KeyVersions.map((v) => v.KeyVersionId), [k.InitialKeyVersionId, r.PrimaryKeyVersionId]);
    assert.equal(KeyVersions[0].Initial, true);
    assert.equal(KeyVersions[1].Primary, true);
    const { KeyVersion } = await kms.describeKeyVersion({ KeyId: k.KeyId, KeyVersionId: r.PrimaryKeyVersionId });
    assert.equal(KeyVersion.KeyVersionId, r.PrimaryKeyVersionId);
    await rejectsKms(() => kms.describeKeyVersion({ KeyId: k.KeyId, KeyVersionId: `${k.KeyId}-zzzzzzzzzz` }), 404,
      'Forbidden.KeyVersionNotFound');
  });

  test('updateRotationPolicy', async () => {
    const { KeyMetadata: k } = await kms.createKey();
    const { KeyMetadata: on } = await kms.updateRotationPolicy({ KeyId: k.KeyId, EnableAutomaticRotation: true, RotationInterval: '30d' });
    assert.equal(on.AutomaticRotation, 'Enabled');
    assert.equal(on.RotationInterval, '30d');
    assert.ok(on.NextRotationDate);
    await rejectsKms(() => kms.updateRotationPolicy({ KeyId: k.KeyId, EnableAutomaticRotation: true, RotationInterval: '1d' }),
      400, 'InvalidParameter');
    const { KeyMetadata: off } = await kms.updateRotationPolicy({ KeyId: k.KeyId, EnableAutomaticRotation: false });
    assert.equal(off.AutomaticRotation, 'Disabled');
  });

  test('disableKey blocks use, enableKey restores it', async () => {
    const { KeyMetadata: k } = await kms.createKey();
    assert.equal((await kms.disableKey({ KeyId: k.KeyId })).KeyMetadata.KeyState, 'Disabled');
    await rejectsKms(() => kms.advanceEncrypt({ KeyId: k.KeyId, Plaintext: 'x' }), 409, 'Rejected.Disabled');
    assert.equal((await kms.enableKey({ KeyId: k.KeyId })).KeyMetadata.KeyState, 'Enabled');
    await kms.advanceEncrypt({ KeyId: k.KeyId, Plaintext: 'x' });
  });

  test('scheduleKeyDeletion and cancelKeyDeletion', async () => {
    const { KeyMetadata: k } = await kms.createKey();
    await rejectsKms(() => kms.scheduleKeyDeletion({ KeyId: k.KeyId, PendingWindowInDays: 3 }), 400, 'InvalidParameter');
    const { KeyMetadata: p } = await kms.scheduleKeyDeletion({ KeyId: k.KeyId, PendingWindowInDays: 7 });
    assert.equal(p.KeyState, 'PendingDeletion');
    assert.ok(Date.parse(p.DeleteDate) > Date.now() + 6 * 86400e3);
    await rejectsKms(() => kms.encrypt({ KeyId: k.KeyId, Plaintext: 'x' }), 409, 'Rejected.PendingDeletion');
    assert.equal((await kms.cancelKeyDeletion({ KeyId: k.KeyId })).KeyMetadata.KeyState, 'Enabled');
  });

  test('importKey with given material: the ciphertext opens with WebCrypto', async () => {
    const { KeyMetadata: k } = await kms.importKey({
      KeySpec: 'Aliyun_AES_256', Aliases: ['alias/imported-api'],
      Versions: [{ KeyMaterial: MATERIAL, CreationDate: '2025-01-02T03:04:05Z' }],
    });
    assert.equal(k.Origin, 'EXTERNAL');
    assert.equal(k.CreationDate, '2025-01-02T03:04:05Z');
    const r = await kms.advanceEncrypt({ KeyId: 'alias/imported-api', Plaintext: 'independent', Aad: 'ctx' });
    assert.equal(r.KeyId, k.KeyId, 'the response names the real key, not the alias');
    // Advance blob: '$', version/padding, algorithm, 36-byte version id, 12-byte IV, ciphertext||tag.
    const blob = r.CiphertextBlob;
    assert.equal(blob[0], 0x24);
    assert.equal(text(blob.subarray(3, 39)), r.KeyVersionId);
    assert.deepEqual(blob.subarray(39, 51), r.Iv);
    assert.equal(text(await webcryptoOpen(MATERIAL, r.Iv, blob.subarray(51), utf8('ctx'))), 'independent');
    await rejectsKms(() => kms.importKey({ Versions: [{ KeyMaterial: new Uint8Array(5) }] }), 400, 'InvalidParameter');
  });
});

describe('aliases', () => {
  test('create, use, update, list, delete', async () => {
    const { KeyMetadata: a } = await kms.createKey();
    const { KeyMetadata: b } = await kms.createKey();
    const { Alias } = await kms.createAlias({ AliasName: 'alias/app', KeyId: a.KeyId });
    assert.equal(Alias.KeyId, a.KeyId);
    await rejectsKms(() => kms.createAlias({ AliasName: 'alias/app', KeyId: b.KeyId }), 409, 'Forbidden.ResourceAlreadyExists');
    assert.equal((await kms.advanceEncrypt({ KeyId: 'alias/app', Plaintext: 'p' })).KeyId, a.KeyId);
    await kms.updateAlias({ AliasName: 'alias/app', KeyId: b.KeyId });
    assert.equal((await kms.advanceEncrypt({ KeyId: 'alias/app', Plaintext: 'p' })).KeyId, b.KeyId);
    assert.ok((await kms.listAliases()).Aliases.some((x) => x.AliasName === 'alias/app' && x.KeyId === b.KeyId));
    assert.deepEqual((await kms.listAliasesByKeyId({ KeyId: b.KeyId })).Aliases.map((x) => x.AliasName), ['alias/app']);
    assert.equal((await kms.listAliasesByKeyId({ KeyId: a.KeyId })).Aliases, undefined);
    const del = await kms.deleteAlias({ AliasName: 'alias/app' });
    assert.match(del.RequestId, UUID);
    await rejectsKms(() => kms.advanceEncrypt({ KeyId: 'alias/app', Plaintext: 'p' }), 404, 'Forbidden.KeyNotFound');
  });
});

describe('data operations', () => {
  let keyId;
  before(async () => { keyId = (await kms.createKey()).KeyMetadata.KeyId; });

  test('encrypt/decrypt GCM: raw ciphertext, caller keeps Iv and Aad', async () => {
    const e = await kms.encrypt({ KeyId: keyId, Plaintext: 'raw', Aad: 'a' });
    assert.equal(e.Algorithm, 'AES_GCM');
    assert.equal(e.Iv.length, 12);
    assert.equal(e.CiphertextBlob.length, 3 + 16);
    const d = await kms.decrypt({ KeyId: keyId, CiphertextBlob: e.CiphertextBlob, Iv: e.Iv, Aad: 'a' });
    assert.equal(text(d.Plaintext), 'raw');
    await rejectsKms(() => kms.decrypt({ KeyId: keyId, CiphertextBlob: e.CiphertextBlob, Iv: e.Iv, Aad: 'b' }), 400, 'InvalidParameter');
  });

  test('encrypt/decrypt CBC and ECB with padding', async () => {
    for (const Algorithm of ['AES_CBC', 'AES_ECB']) {
      const e = await kms.encrypt({ KeyId: keyId, Plaintext: 'seventeen bytes!!', Algorithm, PaddingMode: 'PKCS7_PADDING' });
      assert.equal(e.CiphertextBlob.length, 32, Algorithm);
      assert.equal(e.PaddingMode, 'PKCS7_PADDING');
      const d = await kms.decrypt({ KeyId: keyId, CiphertextBlob: e.CiphertextBlob, Iv: e.Iv, Algorithm, PaddingMode: 'PKCS7_PADDING' });
      assert.equal(text(d.Plaintext), 'seventeen bytes!!');
    }
    await rejectsKms(() => kms.encrypt({ KeyId: keyId, Plaintext: 'not 16', Algorithm: 'AES_CBC', PaddingMode: 'NO_PADDING' }),
      400, 'InvalidParameter');
  });

  test('advanceEncrypt/advanceDecrypt: the blob is enough', async () => {
    const e = await kms.advanceEncrypt({ KeyId: keyId, Plaintext: 'advance', Aad: 'x' });
    const d = await kms.advanceDecrypt({ CiphertextBlob: e.CiphertextBlob, Aad: 'x' });
    assert.equal(text(d.Plaintext), 'advance');
    assert.equal(d.KeyVersionId, e.KeyVersionId);
    await rejectsKms(() => kms.advanceDecrypt({ CiphertextBlob: e.CiphertextBlob, Aad: 'y' }), 400, 'InvalidParameter');
    // AdvanceDecrypt also opens an Encrypt ciphertext given the parameters.
    const raw = await kms.encrypt({ KeyId: keyId, Plaintext: 'classic' });
    const d2 = await kms.advanceDecrypt({ KeyId: keyId, CiphertextBlob: raw.CiphertextBlob, Iv: raw.Iv, Algorithm: 'AES_GCM' });
    assert.equal(text(d2.Plaintext), 'classic');
  });

  test('generateDataKey: plaintext key, and a ciphertext that decrypts to it', async () => {
    const g = await kms.generateDataKey({ KeyId: keyId, NumberOfBytes: 24, Aad: 'dk' });
    assert.equal(g.Plaintext.length, 24);
    const d = await kms.decrypt({ KeyId: keyId, CiphertextBlob: g.CiphertextBlob, Iv: g.Iv, Aad: 'dk' });
    assert.deepEqual(d.Plaintext, g.Plaintext);
    assert.equal((await kms.generateDataKey({ KeyId: keyId })).Plaintext.length, 32);
    await rejectsKms(() => kms.generateDataKey({ KeyId: keyId, NumberOfBytes: 1025 }), 400, 'InvalidParameter');
  });

  test('advanceGenerateDataKey: the blob opens with advanceDecrypt', async () => {
    const g = await kms.advanceGenerateDataKey({ KeyId: keyId, NumberOfBytes: 16 });
    assert.equal(g.Plaintext.length, 16);
    assert.match(g.KeyVersionId, /^key-[a-z0-9]{21}-[a-z0-9]{10}$/);
    assert.deepEqual((await kms.advanceDecrypt({ CiphertextBlob: g.CiphertextBlob })).Plaintext, g.Plaintext);
  });

  test('generateRandom: 1 to 64 bytes, fresh each time', async () => {
    const a = await kms.generateRandom({ Length: 64 });
    const b = await kms.generateRandom({ Length: 64 });
    assert.equal(a.Random.length, 64);
    assert.notDeepEqual(a.Random, b.Random);
    assert.equal((await kms.generateRandom({ Length: 1 })).Random.length, 1);
    await rejectsKms(() => kms.generateRandom({ Length: 65 }), 400, 'InvalidParameter');
    await rejectsKms(() => kms.generateRandom({}), 400, 'InvalidParameter');
  });

  test('inspectBlob lays out a blob, and says why garbage is not one', async () => {
    const e = await kms.advanceEncrypt({ KeyId: keyId, Plaintext: 'abc' });
    const i = await kms.inspectBlob({ CiphertextBlob: e.CiphertextBlob });
    assert.equal(i.Valid, true);
    assert.equal(i.KeyVersionId, e.KeyVersionId);
    assert.equal(i.KeyId, keyId);
    assert.deepEqual(i.Iv, e.Iv);
    assert.equal(i.Ciphertext.length, 3);
    assert.equal(i.Tag.length, 16);
    assert.deepEqual(i.Fields.map((f) => f.Name), ['Magic', 'VersionAndPadding', 'Algorithm', 'KeyVersionId', 'Iv', 'Ciphertext', 'Tag']);
    const bad = await kms.inspectBlob({ CiphertextBlob: utf8('not a blob') });
    assert.notEqual(bad.Valid, true);
    assert.ok(bad.Problem);
  });
});

describe('bytes', () => {
  let keyId;
  before(async () => { keyId = (await kms.createKey()).KeyMetadata.KeyId; });

  test('every byte value, empty-ish and large inputs round trip', async () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const big = crypto.getRandomValues(new Uint8Array(65536));
    const huge = new Uint8Array(2 * 1024 * 1024).fill(0xa5); // grows guest memory mid-call
    for (const p of [all, Uint8Array.of(0), big, huge]) {
      const e = await kms.advanceEncrypt({ KeyId: keyId, Plaintext: p, Aad: all });
      const d = await kms.advanceDecrypt({ CiphertextBlob: e.CiphertextBlob, Aad: all });
      assert.ok(d.Plaintext instanceof Uint8Array);
      assert.equal(hex(d.Plaintext), hex(p));
    }
  });

  test('Buffer, ArrayBuffer, DataView and strings are accepted', async () => {
    const inputs = [Buffer.from('héllo ✓'), utf8('héllo ✓').buffer, new DataView(utf8('xhéllo ✓').buffer, 1), 'héllo ✓'];
    for (const Plaintext of inputs) {
      const e = await kms.advanceEncrypt({ KeyId: keyId, Plaintext });
      assert.equal(text((await kms.advanceDecrypt({ CiphertextBlob: e.CiphertextBlob })).Plaintext), 'héllo ✓');
    }
  });

  test('a wrong type is a 400 naming the field, before reaching the engine', async () => {
    const e = await rejectsKms(() => kms.advanceDecrypt({ CiphertextBlob: 'base64?' }), 400, 'InvalidParameter', { requestId: false });
    assert.match(e.message, /CiphertextBlob must be a Uint8Array/);
    const v = await rejectsKms(() => kms.importKey({ Versions: [{ KeyMaterial: [1, 2, 3] }] }), 400, 'InvalidParameter', { requestId: false });
    assert.match(v.message, /Versions\[0\]\.KeyMaterial/);
    await rejectsKms(() => kms.call('GenerateRandom', 'Length=3'), 400, 'InvalidParameter', { requestId: false });
    await rejectsKms(() => kms.call('', {}), 400, 'InvalidParameter', { requestId: false });
  });
});

describe('generic calls and errors', () => {
  test('call() runs any operation by name', async () => {
    const r = await kms.call('GenerateRandom', { Length: 8 });
    assert.equal(r.Random.length, 8);
  });

  test('callJSON speaks the raw JSON form (base64 bytes)', async () => {
    const { KeyMetadata: k } = await kms.createKey();
    const out = JSON.parse(await kms.callJSON('AdvanceEncrypt', JSON.stringify({ KeyId: k.KeyId, Plaintext: btoa('json') })));
    assert.equal(typeof out.CiphertextBlob, 'string');
    const back = JSON.parse(await kms.callJSON('AdvanceDecrypt', JSON.stringify({ CiphertextBlob: out.CiphertextBlob })));
    assert.equal(atob(back.Plaintext), 'json');
    await rejectsKms(() => kms.callJSON('GenerateRandom', '{"Length": "many"}'), 400, 'InvalidParameter');
    await rejectsKms(() => kms.callJSON('GenerateRandom', '{"Bogus": 1}'), 400, 'InvalidParameter');
  });

  test('callProto speaks the instance API bytes (spec vector body)', async () => {
    const { KeyMetadata: k } = await kms.createKey();
    await kms.createAlias({ AliasName: 'alias/test', KeyId: k.KeyId });
    // AdvanceEncrypt {KeyId:"alias/test", Plaintext:"hello", Aad:"aad"} from the spec.
    const body = Uint8Array.from(Buffer.from('0a0a616c6961732f74657374120568656c6c6f2203616164', 'hex'));
    const resp = await kms.callProto('AdvanceEncrypt', body);
    const fields = parseProto(resp);
    assert.equal(text(fields[1]), k.KeyId);
    assert.match(text(fields[7]), /^key-[a-z0-9]{21}-[a-z0-9]{10}$/);
    const blob = fields[2];
    // AdvanceDecrypt {CiphertextBlob=1, Aad=4}.
    const dec = parseProto(await kms.callProto('AdvanceDecrypt', Uint8Array.from([0x0a, blob.length, ...blob, 0x22, 3, ...utf8('aad')])));
    assert.equal(text(dec[2]), 'hello');
    // Errors come back as KmsError decoded from the protobuf Error message.
    await rejectsKms(() => kms.callProto('AdvanceDecrypt', Uint8Array.from([0x0a, blob.length, ...blob])), 400, 'InvalidParameter');
    await rejectsKms(() => kms.callProto('Encrypt', Uint8Array.of(0xff, 0xff)), 400, 'InvalidParameter');
    await rejectsKms(() => kms.callProto('GetHealthStatus', new Uint8Array()), 400, 'UnsupportedOperation');
  });

  test('unknown and unsupported operations', async () => {
    const e = await rejectsKms(() => kms.call('NoSuchApi', {}), 400, 'InvalidApiName');
    assert.match(e.message, /NoSuchApi/);
    await rejectsKms(() => kms.call('GetHealthStatus', {}), 400, 'UnsupportedOperation');
    await rejectsKms(() => kms.describeKey({ KeyId: 'key-aaaaaaaaaaaaaaaaaaaaa' }), 404, 'Forbidden.KeyNotFound');
  });

  test('KmsError carries status, code, message and request id, and serialises to the JSON form', async () => {
    const e = await rejectsKms(() => kms.describeKey({ KeyId: 'alias/missing' }), 404, 'Forbidden.KeyNotFound');
    assert.deepEqual(Object.keys(e.toJSON()), ['StatusCode', 'ErrorCode', 'ErrorMessage', 'RequestId']);
    assert.equal(e.toJSON().RequestId, e.requestId);
    assert.ok(new KmsError(400, 'X', 'm') instanceof Error);
  });

  test('PocketKMS.load rejects a store without the interface', async () => {
    await assert.rejects(() => PocketKMS.load({ store: { get() {} } }), /no list\(\) method/);
  });
});

/** Minimal protobuf reader for the tests: field number -> bytes (length-delimited fields only). */
function parseProto(buf) {
  const out = {};
  let off = 0;
  const varint = () => {
    let v = 0;
    for (let s = 0; ; s += 7) {
      const b = buf[off++];
      v += (b & 0x7f) * 2 ** s;
      if (!(b & 0x80)) return v;
    }
  };
  while (off < buf.length) {
    const tag = varint();
    if ((tag & 7) === 2) {
      const n = varint();
      out[tag >> 3] = buf.subarray(off, off + n);
      off += n;
    } else varint();
  }
  return out;
}

describe('secrets', () => {
  test('create, put, stages, read by stage and version, list, delete and restore', async () => {
    const created = await kms.createSecret({ SecretName: 'js/db', SecretData: 'one', VersionId: 'v1', Tags: [{ TagKey: 'env', TagValue: 'js' }] });
    assert.equal(created.VersionId, 'v1');
    assert.deepEqual(created.VersionStages, ['ACSCurrent']);
    const put = await kms.putSecretValue({ SecretName: 'js/db', SecretData: 'two', VersionId: 'v2' });
    assert.deepEqual(put.VersionStages, ['ACSCurrent']);
    const cur = await kms.getSecretValue({ SecretName: 'js/db' });
    assert.equal(cur.SecretData, 'two');
    assert.match(cur.CreateTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal((await kms.getSecretValue({ SecretName: 'js/db', VersionStage: 'ACSPrevious' })).VersionId, 'v1');
    await kms.putSecretValue({ SecretName: 'js/db', SecretData: 'three', VersionId: 'v3', VersionStages: ['Pending'] });
    await kms.updateSecretVersionStage({ SecretName: 'js/db', VersionStage: 'ACSCurrent', MoveToVersion: 'v3' });
    assert.equal((await kms.getSecretValue({ SecretName: 'js/db' })).SecretData, 'three');
    const versions = await kms.listSecretVersionIds({ SecretName: 'js/db', IncludeDeprecated: true });
    assert.deepEqual(versions.VersionIds.map((v) => `${v.VersionId}:${(v.VersionStages ?? []).join(',')}`),
      ['v1:', 'v2:ACSPrevious', 'v3:Pending,ACSCurrent']);
    const list = await kms.listSecrets({ NamePrefixes: ['js/'], FetchTags: true });
    assert.equal(list.TotalCount, 1);
    assert.deepEqual(list.SecretList[0].Tags, [{ TagKey: 'env', TagValue: 'js' }]);
    await rejectsKms(() => kms.getSecretValue({ SecretName: 'js/none' }), 404, 'Forbidden.ResourceNotFound');
    await rejectsKms(() => kms.getSecretValue({ SecretName: 'js/db', VersionId: 'v1', VersionStage: 'ACSCurrent' }), 400, 'InvalidParameter');
    await kms.deleteSecret({ SecretName: 'js/db', RecoveryWindowInDays: 7 });
    await rejectsKms(() => kms.getSecretValue({ SecretName: 'js/db' }), 409, 'Rejected.ResourceInDeleteWindow');
    await kms.restoreSecret({ SecretName: 'js/db' });
    assert.equal((await kms.describeSecret({ SecretName: 'js/db' })).PlannedDeleteTime, undefined);
  });

  test('a managed secret rotates to a new password in the same JSON shape', async () => {
    await kms.createSecret({ SecretName: 'js/rds', SecretType: 'Rds', SecretData: '{"AccountName":"app","AccountPassword":"old"}' });
    const r = await kms.rotateSecret({ SecretName: 'js/rds', VersionId: 'r2' });
    assert.equal(r.VersionId, 'r2');
    const v = JSON.parse((await kms.getSecretValue({ SecretName: 'js/rds' })).SecretData);
    assert.equal(v.AccountName, 'app');
    assert.equal(v.AccountPassword.length, 32);
    assert.notEqual(v.AccountPassword, 'old');
  });
});

// Asymmetric keys through the JS package, each result checked with Node's
// own crypto (OpenSSL), never with pocketkms.
describe('asymmetric keys', () => {
  test('sign and verify: RSA, P-256, secp256k1, SM2 signatures that OpenSSL verifies', async () => {
    for (const [spec, alg] of [['RSA_2048', 'sha256'], ['EC_P256', 'sha256'], ['EC_P256K', 'sha256']]) {
      const { KeyMetadata: md } = await kms.createKey({ KeySpec: spec });
      assert.equal(md.KeyUsage, 'SIGN/VERIFY');
      const { PublicKey } = await kms.getPublicKey({ KeyId: md.KeyId });
      const pub = crypto.createPublicKey(PublicKey);
      const s = await kms.sign({ KeyId: md.KeyId, Message: 'sign me' });
      const opts = spec.startsWith('RSA') ? { key: pub, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } : pub;
      assert.ok(crypto.verify(alg, utf8('sign me'), opts, s.Signature), spec);
      const v = await kms.verify({ KeyId: md.KeyId, Message: 'sign me', Signature: s.Signature, Algorithm: s.Algorithm });
      assert.equal(v.Value, true);
      const bad = Uint8Array.from(s.Signature);
      bad[5] ^= 1;
      assert.notEqual((await kms.verify({ KeyId: md.KeyId, Message: 'sign me', Signature: bad })).Value, true);
    }
    // A signature OpenSSL made, verified by pocketkms.
    const pair = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const imported = await kms.importKey({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN/VERIFY',
      Versions: [{ KeyMaterial: pair.privateKey.export({ type: 'pkcs8', format: 'der' }) }] });
    const sig = crypto.sign('sha256', utf8('from node'), pair.privateKey);
    const v = await kms.verify({ KeyId: imported.KeyMetadata.KeyId, Algorithm: 'RSA_PKCS1_SHA_256', Message: 'from node', Signature: sig });
    assert.equal(v.Value, true);
    const mine = await kms.sign({ KeyId: imported.KeyMetadata.KeyId, Algorithm: 'RSA_PKCS1_SHA_256', Message: 'from node' });
    assert.equal(hex(mine.Signature), hex(sig), 'PKCS#1 v1.5 is deterministic: the same bytes as OpenSSL');
  });

  test('RSA-OAEP: what OpenSSL encrypts with the public key, pocketkms decrypts', async () => {
    const { KeyMetadata: md } = await kms.createKey({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT/DECRYPT' });
    const { PublicKey } = await kms.getPublicKey({ KeyId: md.KeyId });
    const ct = crypto.publicEncrypt({ key: PublicKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, utf8('wrapped'));
    const d = await kms.decrypt({ KeyId: md.KeyId, CiphertextBlob: ct });
    assert.equal(text(d.Plaintext), 'wrapped');
    assert.equal(d.Algorithm, 'RSAES_OAEP_SHA_256');
    const e = await kms.encrypt({ KeyId: md.KeyId, Plaintext: 'x' });
    assert.equal(e.CiphertextBlob.length, 256);
    await rejectsKms(() => kms.encrypt({ KeyId: md.KeyId, Plaintext: new Uint8Array(191) }), 400, 'InvalidParameter');
    await rejectsKms(() => kms.sign({ KeyId: md.KeyId, Message: 'm' }), 400, 'UnsupportedOperation');
  });

  test('data key pairs: the private key OpenSSL reads matches the public key', async () => {
    const { KeyMetadata: sym } = await kms.createKey({});
    for (const [spec, format] of [['RSA_2048', 'PEM'], ['EC_P256', 'DER'], ['EC_P256K', undefined]]) {
      const p = await kms.generateDataKeyPair({ KeyId: sym.KeyId, KeyPairSpec: spec, KeyFormat: format, Aad: 'ctx' });
      const type = format === 'DER' ? 'der' : 'pem';
      const priv = crypto.createPrivateKey({ key: Buffer.from(p.PrivateKeyPlaintext), format: type, type: 'pkcs8' });
      const pub = crypto.createPublicKey({ key: Buffer.from(p.PublicKey), format: type, type: 'spki' });
      const sig = crypto.sign('sha256', utf8('pair'), priv);
      assert.ok(crypto.verify('sha256', utf8('pair'), pub, sig), spec);
      const d = await kms.decrypt({ KeyId: sym.KeyId, CiphertextBlob: p.PrivateKeyCiphertextBlob, Iv: p.Iv, Aad: 'ctx' });
      assert.equal(hex(d.Plaintext), hex(p.PrivateKeyPlaintext));
      const a = await kms.advanceGenerateDataKeyPairWithoutPlaintext({ KeyId: sym.KeyId, KeyPairSpec: spec, KeyFormat: format });
      const ad = await kms.advanceDecrypt({ CiphertextBlob: a.PrivateKeyCiphertextBlob });
      crypto.createPrivateKey({ key: Buffer.from(ad.Plaintext), format: type, type: 'pkcs8' });
      assert.match(a.KeyVersionId, /^key-/);
    }
  });
});
