// The JS stores seal exactly as the Go hosts' store.Sealed does (HKDF-SHA256
// sealing key, 0x01 || nonce || ciphertext || tag, AAD = 0x01 || record key),
// checked here with node:crypto rather than with seal.js itself; and a
// store of the previous JS format is migrated on open, not lost.
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { JsonFileStore } from 'pocketkms';

import { load, text } from './helpers.mjs';

const SEAL_INFO = 'pocketkms store.Sealed v1 record sealing key';
const ROOT = Uint8Array.from({ length: 32 }, (_, i) => 0x5a ^ i);

/** Opens a store.Sealed envelope independently of the package. */
function goOpen(root, recordKey, env) {
  assert.equal(env[0], 0x01, 'format byte');
  const key = Buffer.from(hkdfSync('sha256', root, Buffer.alloc(0), SEAL_INFO, 32));
  const d = createDecipheriv('aes-256-gcm', key, env.subarray(1, 13));
  d.setAAD(Buffer.concat([Buffer.from([0x01]), Buffer.from(recordKey)]));
  d.setAuthTag(env.subarray(env.length - 16));
  return Buffer.concat([d.update(env.subarray(13, env.length - 16)), d.final()]).toString();
}

/** Seals as the JS stores did before: raw root key, IV || ct || tag, AAD = record key. */
function legacySeal(root, recordKey, value) {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', root, iv);
  c.setAAD(Buffer.from(recordKey));
  const ct = Buffer.concat([c.update(value), c.final()]);
  return Buffer.concat([iv, ct, c.getAuthTag()]);
}

let dir;
before(async () => { dir = await mkdtemp(join(tmpdir(), 'pocketkms-sealformat-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

describe('sealing format', () => {
  test('what JsonFileStore writes opens with store.Sealed\'s derivation and AAD', async () => {
    const file = join(dir, 'format.json');
    const kms = await load(await JsonFileStore.open(file, { rootKey: ROOT }));
    const { KeyMetadata: k } = await kms.createKey();
    const doc = JSON.parse(await readFile(file, 'utf8'));
    const name = `keys/${k.KeyId}`;
    const rec = JSON.parse(goOpen(ROOT, name, Buffer.from(doc.records[name].sealed, 'base64')));
    assert.equal(rec.KeyId, k.KeyId);
    assert.equal(rec.Schema, 1);
    assert.equal(rec.Versions.length, 1);
    // Under another record key the AAD differs: it must not open.
    assert.throws(() => goOpen(ROOT, `keys/${k.KeyId}x`, Buffer.from(doc.records[name].sealed, 'base64')));
  });

  test('the root key file is the server\'s: 32 raw bytes', async () => {
    const file = join(dir, 'rawkey.json');
    await load(await JsonFileStore.open(file));
    assert.equal((await readFile(`${file}.key`)).length, 32);
  });
});

describe('migration of the previous JS format', () => {
  test('a legacy store opens, is rewritten in the current format, and keeps its keys', async () => {
    // A store as the package wrote it before: made here by hand, with a key
    // record whose material and a ciphertext under it are known.
    const material = Buffer.alloc(32, 7);
    const keyId = 'key-legacy000000000000001';
    const vid = `${keyId}-v000000001`;
    const record = JSON.stringify({ KeyId: keyId, KeySpec: 'Aliyun_AES_256', KeyUsage: 'ENCRYPT/DECRYPT', Origin: 'EXTERNAL',
      KeyState: 'Enabled', CreationDate: '2026-01-01T00:00:00Z',
      Versions: [{ KeyVersionId: vid, CreationDate: '2026-01-01T00:00:00Z', Material: material.toString('base64') }] });
    const file = join(dir, 'legacy.json');
    const legacyKey = `pocketkms-root-key-v1:${Buffer.from(ROOT).toString('base64')}\n`;
    await writeFile(`${file}.key`, legacyKey, { mode: 0o600 });
    await writeFile(file, JSON.stringify({ format: 'pocketkms-store', version: 1, records: {
      [`keys/${keyId}`]: { rev: 1, sealed: legacySeal(ROOT, `keys/${keyId}`, record).toString('base64') },
      'aliases/alias/legacy': { rev: 2, value: JSON.stringify({ AliasName: 'alias/legacy', KeyId: keyId, CreationDate: '2026-01-01T00:00:00Z' }) },
    } }));

    const kms = await load(await JsonFileStore.open(file));
    const md = (await kms.describeKey({ KeyId: 'alias/legacy' })).KeyMetadata;
    assert.equal(md.KeyId, keyId);
    // Its material is the one of the legacy record: Encrypt (initial version) opens with node:crypto.
    const enc = await kms.encrypt({ KeyId: keyId, Plaintext: 'migrated' });
    const d = createDecipheriv('aes-256-gcm', material, enc.Iv);
    d.setAuthTag(Buffer.from(enc.CiphertextBlob.subarray(enc.CiphertextBlob.length - 16)));
    assert.equal(Buffer.concat([d.update(enc.CiphertextBlob.subarray(0, enc.CiphertextBlob.length - 16)), d.final()]).toString(), 'migrated');

    // Rewritten at open, in the format a Go host opens.
    const doc = JSON.parse(await readFile(file, 'utf8'));
    const env = Buffer.from(doc.records[`keys/${keyId}`].sealed, 'base64');
    assert.equal(JSON.parse(goOpen(ROOT, `keys/${keyId}`, env)).KeyId, keyId);
    const again = await load(await JsonFileStore.open(file));
    assert.equal(text((await again.decrypt({ KeyId: keyId, CiphertextBlob: enc.CiphertextBlob, Iv: enc.Iv })).Plaintext), 'migrated');
  });
});
