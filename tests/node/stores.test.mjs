// Stores: the MemoryStore contract, JsonFileStore persistence and sealing at
// rest, conflicts and failures through the real module.
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { JsonFileStore, MemoryStore } from 'pocketkms';

import { hex, load, rejectsKms, text } from './helpers.mjs';

const MATERIAL = Uint8Array.from({ length: 32 }, (_, i) => 0xc0 ^ i);

let dir;
before(async () => { dir = await mkdtemp(join(tmpdir(), 'pocketkms-stores-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

describe('MemoryStore', () => {
  test('commit checks every read revision, then applies all writes or none', () => {
    const s = new MemoryStore();
    assert.equal(s.commit([['a', 0]], [{ key: 'a', value: '1' }, { key: 'b', value: '2' }]), true);
    const a = s.get('a');
    assert.equal(a.value, '1');
    assert.ok(a.rev > 0);
    assert.equal(s.commit([['a', 0]], [{ key: 'c', value: 'x' }]), false, 'a is no longer absent');
    assert.equal(s.commit([['a', a.rev], ['zzz', 0]], [{ key: 'a', value: '3' }]), true);
    assert.equal(s.commit([['a', a.rev]], [{ key: 'c', value: 'x' }]), false, 'a changed since');
    assert.equal(s.get('c'), undefined);
    assert.ok(s.get('a').rev > a.rev);
    assert.equal(s.commit([], [{ key: 'b', value: null }]), true);
    assert.equal(s.get('b'), undefined);
    assert.throws(() => s.commit([], [{ key: 'd', value: 5 }]), TypeError);
    assert.equal(s.get('d'), undefined);
  });

  test('list is sorted by code point (UTF-8 byte order, as Go sorts)', () => {
    const s = new MemoryStore();
    const keys = ['p/b', 'p/a', 'p/\u{1F600}', 'p/\uFFFD', 'q/x', 'p/'];
    s.commit([], keys.map((key) => ({ key, value: '1' })));
    assert.deepEqual(s.list('p/'), ['p/', 'p/a', 'p/b', 'p/\uFFFD', 'p/\u{1F600}']);
    assert.deepEqual(s.list('none/'), []);
  });

  test('exportRecords / importRecords round trip, all or nothing', () => {
    const s = new MemoryStore();
    s.commit([], [{ key: 'keys/k', value: '{"a":1}' }, { key: '__proto__', value: '2' }]);
    const exp = s.exportRecords();
    assert.equal(exp.format, 'pocketkms-records');
    const t = new MemoryStore();
    t.commit([], [{ key: 'old', value: '0' }]);
    assert.throws(() => t.importRecords({ ...exp, records: { ...exp.records, bad: 'not json' } }), /not JSON/);
    assert.equal(t.get('old').value, '0', 'a failed import changes nothing');
    assert.throws(() => t.importRecords({ records: {} }), /not a pocketkms-records/);
    t.importRecords(JSON.parse(JSON.stringify(exp)));
    assert.deepEqual(t.exportRecords(), exp);
    assert.equal(t.get('old'), undefined, 'replace drops records not in the export');
  });
});

describe('through the module', () => {
  test('two instances over one store see the same keys', async () => {
    const store = new MemoryStore();
    const a = await load(store);
    const b = await load(store);
    const { KeyMetadata: k } = await a.createKey();
    const e = await a.advanceEncrypt({ KeyId: k.KeyId, Plaintext: 'shared' });
    assert.equal(text((await b.advanceDecrypt({ CiphertextBlob: e.CiphertextBlob })).Plaintext), 'shared');
  });

  test('a conflicting writer makes the engine retry; the result is applied once', async () => {
    class Racy extends MemoryStore {
      commits = 0;
      commit(reads, writes) {
        this.commits++;
        if (this.commits === 2) {
          // Another writer touches a record this operation read.
          const [key] = reads.find(([k, rev]) => rev > 0);
          super.commit([], [{ key, value: this.get(key).value }]);
        }
        return super.commit(reads, writes);
      }
    }
    const store = new Racy();
    const kms = await load(store);
    const { KeyMetadata: k } = await kms.createKey();
    const { KeyMetadata: r } = await kms.createKeyVersion({ KeyId: k.KeyId });
    assert.equal(store.commits, 3, 'one commit for CreateKey, two for the retried CreateKeyVersion');
    assert.equal(r.VersionCount, 2);
    assert.equal((await kms.listKeyVersions({ KeyId: k.KeyId })).KeyVersions.length, 2, 'rotated exactly once');
  });

  test('a store that always conflicts gives 503 and writes nothing', async () => {
    class Busy extends MemoryStore {
      commit() { return false; }
    }
    const store = new Busy();
    const kms = await load(store);
    await rejectsKms(() => kms.createKey(), 503, 'ServiceUnavailableTemporary');
    assert.equal(store.size, 0);
  });

  test('a failed call writes nothing', async () => {
    class Counting extends MemoryStore {
      commits = 0;
      commit(r, w) { this.commits++; return super.commit(r, w); }
    }
    const store = new Counting();
    const kms = await load(store);
    const { KeyMetadata: k } = await kms.createKey();
    const before = JSON.stringify(store.exportRecords());
    const commits = store.commits;
    await rejectsKms(() => kms.createKey({ KeySpec: 'bogus' }), 400, 'InvalidParameter');
    await rejectsKms(() => kms.createAlias({ AliasName: 'alias/x', KeyId: 'key-aaaaaaaaaaaaaaaaaaaaa' }), 404, 'Forbidden.KeyNotFound');
    await rejectsKms(() => kms.importKey({ Aliases: ['alias/ok'], Versions: [{ KeyMaterial: new Uint8Array(3) }] }), 400, 'InvalidParameter');
    await rejectsKms(() => kms.scheduleKeyDeletion({ KeyId: k.KeyId, PendingWindowInDays: 99 }), 400, 'InvalidParameter');
    assert.equal(store.commits, commits, 'no commit was attempted');
    assert.equal(JSON.stringify(store.exportRecords()), before);
  });

  test('a store that throws gives 500 InternalFailure with the cause, and nothing changes', async () => {
    class Broken extends MemoryStore {
      failCommit = false;
      failGet = false;
      failList = false;
      get(key) { if (this.failGet) throw new Error('disk on fire'); return super.get(key); }
      list(prefix) { if (this.failList) throw new Error('index lost'); return super.list(prefix); }
      commit(r, w) { if (this.failCommit) throw new Error('disk full'); return super.commit(r, w); }
    }
    const store = new Broken();
    const kms = await load(store);
    const { KeyMetadata: k } = await kms.createKey();
    store.failCommit = true;
    const e = await rejectsKms(() => kms.createKeyVersion({ KeyId: k.KeyId }), 500, 'InternalFailure');
    assert.equal(e.cause?.message, 'disk full');
    store.failCommit = false;
    store.failGet = true;
    const g = await rejectsKms(() => kms.describeKey({ KeyId: k.KeyId }), 500, 'InternalFailure');
    assert.equal(g.cause?.message, 'disk on fire');
    store.failGet = false;
    store.failList = true;
    const l = await rejectsKms(() => kms.listKeys(), 500, 'InternalFailure');
    assert.equal(l.cause?.message, 'index lost');
    store.failList = false;
    assert.equal((await kms.describeKey({ KeyId: k.KeyId })).KeyMetadata.VersionCount, 1);
  });

  test('kms.exportRecords / importRecords move keys to another store', async () => {
    const a = await load();
    const { KeyMetadata: k } = await a.createKey();
    const e = await a.advanceEncrypt({ KeyId: k.KeyId, Plaintext: 'moved' });
    const file = join(dir, 'moved.json');
    const b = await load(await JsonFileStore.open(file));
    await b.importRecords(JSON.parse(JSON.stringify(a.exportRecords())));
    const c = await load(await JsonFileStore.open(file)); // reopened from disk
    assert.equal(text((await c.advanceDecrypt({ CiphertextBlob: e.CiphertextBlob })).Plaintext), 'moved');
  });
});

describe('JsonFileStore', () => {
  test('secret values are sealed at rest, and persist', async () => {
    const file = join(dir, 'secrets.json');
    const kms = await load(await JsonFileStore.open(file));
    await kms.createSecret({ SecretName: 'app/db', SecretData: 'hunter2-at-rest', VersionId: 'v1' });
    await kms.putSecretValue({ SecretName: 'app/db', SecretData: 'hunter3-at-rest', VersionId: 'v2' });
    const onDisk = (await readFile(file)).toString('latin1');
    for (const form of ['hunter2-at-rest', 'hunter3-at-rest', Buffer.from('hunter3-at-rest').toString('base64'), 'ACSCurrent']) {
      assert.ok(!onDisk.includes(form), `found ${form} on disk`);
    }
    assert.equal(typeof JSON.parse(onDisk).records['secrets/app/db'].sealed, 'string');
    const again = await load(await JsonFileStore.open(file));
    assert.equal((await again.getSecretValue({ SecretName: 'app/db', VersionStage: 'ACSPrevious' })).SecretData, 'hunter2-at-rest');
  });

  test('keys persist across reloads; files are 0600; no temp files left', async () => {
    const file = join(dir, 'persist.json');
    const kms = await load(await JsonFileStore.open(file));
    const { KeyMetadata: k } = await kms.createKey();
    await kms.createAlias({ AliasName: 'alias/persist', KeyId: k.KeyId });
    const e = await kms.advanceEncrypt({ KeyId: 'alias/persist', Plaintext: 'kept' });
    await kms.createKeyVersion({ KeyId: k.KeyId });

    const again = await load(await JsonFileStore.open(file));
    assert.equal(text((await again.advanceDecrypt({ CiphertextBlob: e.CiphertextBlob })).Plaintext), 'kept');
    assert.equal((await again.describeKey({ KeyId: 'alias/persist' })).KeyMetadata.VersionCount, 2);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(`${file}.key`)).mode & 0o777, 0o600);
    assert.deepEqual((await readdir(dir)).filter((n) => n.includes('.tmp-')), []);
  });

  test('key material is sealed at rest (AES-GCM, AAD = record key)', async () => {
    const file = join(dir, 'sealed.json');
    const kms = await load(await JsonFileStore.open(file));
    const { KeyMetadata: k } = await kms.importKey({ Versions: [{ KeyMaterial: MATERIAL }], Aliases: ['alias/sealed'] });
    const raw = await readFile(file);
    const onDisk = raw.toString('latin1');
    for (const form of [hex(MATERIAL), Buffer.from(MATERIAL).toString('base64'), Buffer.from(MATERIAL).toString('latin1'),
      Buffer.from(MATERIAL).toString('base64url').slice(0, 20), k.InitialKeyVersionId]) {
      assert.ok(!onDisk.includes(form), `found ${form} on disk`);
    }
    const doc = JSON.parse(raw);
    assert.equal(typeof doc.records[`keys/${k.KeyId}`].sealed, 'string');
    assert.equal(doc.records[`keys/${k.KeyId}`].value, undefined);
    assert.equal(typeof doc.records['aliases/alias/sealed'].value, 'string', 'aliases hold no material and stay readable');
    // The exported form is plaintext, and says so: the material is in it.
    assert.ok(JSON.stringify(kms.exportRecords()).includes(Buffer.from(MATERIAL).toString('base64')));

    // A sealed value moved under another record's key does not open.
    const other = (await kms.createKey()).KeyMetadata.KeyId;
    const moved = JSON.parse(await readFile(file, 'utf8'));
    moved.records[`keys/${other}`].sealed = moved.records[`keys/${k.KeyId}`].sealed;
    const swapped = join(dir, 'swapped.json');
    await writeFile(swapped, JSON.stringify(moved));
    await assert.rejects(() => JsonFileStore.open(swapped, { rootKeyFile: `${file}.key` }), /cannot unseal record keys\//);
  });

  test('a wrong, missing or world-readable root key is refused', async () => {
    const file = join(dir, 'rootkey.json');
    const kms = await load(await JsonFileStore.open(file));
    await kms.createKey();
    await assert.rejects(() => JsonFileStore.open(file, { rootKey: new Uint8Array(32) }), /cannot unseal/);
    await assert.rejects(() => JsonFileStore.open(file, { rootKeyFile: join(dir, 'absent.key') }), /missing, and the store holds sealed keys/);
    await chmod(`${file}.key`, 0o644);
    await assert.rejects(() => JsonFileStore.open(file), /readable by others/);
    await chmod(`${file}.key`, 0o600);
    await JsonFileStore.open(file);
    await writeFile(join(dir, 'junk.json'), '{"format":"other"}');
    await assert.rejects(() => JsonFileStore.open(join(dir, 'junk.json')), /not a pocketkms-store v1 file/);
  });

  test('a failed save is a 500, and the next save writes it', async () => {
    const sub = join(dir, 'vanishing');
    await mkdir(sub);
    const file = join(sub, 'store.json');
    const store = await JsonFileStore.open(file, { rootKeyFile: join(dir, 'vanishing.key') });
    const kms = await load(store);
    await kms.createKey();
    await rm(sub, { recursive: true });
    const e = await rejectsKms(() => kms.createKey(), 500, 'InternalFailure', { requestId: false });
    assert.match(e.message, /could not save/);
    assert.equal(e.cause?.code, 'ENOENT');
    await mkdir(sub);
    await kms.generateRandom({ Length: 1 }); // no commit: nothing to flush
    await assert.rejects(() => stat(file));
    await kms.createKey();
    const reread = await JsonFileStore.open(file, { rootKeyFile: join(dir, 'vanishing.key') });
    assert.equal(reread.list('keys/').length, 3, 'the change of the failed save was written too');
  });

  test('concurrent calls flush one at a time and all land', async () => {
    const file = join(dir, 'concurrent.json');
    const kms = await load(await JsonFileStore.open(file));
    const made = await Promise.all(Array.from({ length: 20 }, () => kms.createKey()));
    const reread = await JsonFileStore.open(file);
    assert.deepEqual(reread.list('keys/').sort(), made.map((r) => `keys/${r.KeyMetadata.KeyId}`).sort());
  });
});
