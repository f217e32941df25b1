// The browser path for real: Debian's Chromium (driven by playwright-core)
// loads wasm/js/pocketkms.js over HTTP from a loopback server, compiles the
// module while streaming it from the default URL, and keeps keys in
// IndexedDBStore across a browser restart, sealed at rest.
import assert from 'node:assert/strict';
import { readdir, readFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const TYPES = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
const MATERIAL_HEX = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let server;
let origin;
let profile;

before(async () => {
  await stat(CHROMIUM); // fails clearly when Chromium is not installed (apt-get install chromium)
  server = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    if (path === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>pocketkms</title>');
    const file = normalize(join(ROOT, path));
    if (!(path.startsWith('/wasm/js/') || path === '/build/pocketkms.wasm') || !file.startsWith(ROOT)) return res.writeHead(404).end();
    try {
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(await readFile(file));
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  profile = await mkdtemp(join(tmpdir(), 'pocketkms-chromium-'));
});

after(async () => {
  await new Promise((resolve) => server?.close(resolve));
  if (profile) await rm(profile, { recursive: true, force: true });
});

/** Runs fn(page) in a browser on the persistent profile, then closes the browser. */
async function withBrowser(fn) {
  const ctx = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
  try {
    const page = await ctx.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${origin}/`);
    const out = await fn(page);
    assert.deepEqual(errors, []);
    return out;
  } finally {
    await ctx.close();
  }
}

test('IndexedDBStore in Chromium: keys survive a browser restart, sealed at rest', async () => {
  const first = await withBrowser((page) => page.evaluate(async (materialHex) => {
    Math.random = () => { throw new Error('Math.random used'); };
    const { IndexedDBStore, PocketKMS, KmsError } = await import('/wasm/js/pocketkms.js');
    const store = await IndexedDBStore.open('browser-test');
    const kms = await PocketKMS.load({ store }); // default URL: /build/pocketkms.wasm, streamed
    const material = Uint8Array.from(materialHex.match(/../g), (h) => parseInt(h, 16));
    const { KeyMetadata: k } = await kms.importKey({ Versions: [{ KeyMaterial: material }], Aliases: ['alias/browser'] });
    const e = await kms.advanceEncrypt({ KeyId: 'alias/browser', Plaintext: 'from the browser', Aad: 'tab' });
    let error;
    try { await kms.describeKey({ KeyId: 'alias/nope' }); } catch (err) { error = err instanceof KmsError && `${err.status} ${err.code}`; }

    // What IndexedDB holds: the key record only sealed, and a root key that script cannot export.
    const db = store._db;
    const read = (name, key) => new Promise((resolve, reject) => {
      const r = db.transaction(name).objectStore(name).get(key);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const rec = await read('records', `keys/${k.KeyId}`);
    const alias = await read('records', 'aliases/alias/browser');
    const rootKey = await read('meta', 'rootKey');
    const sealedHex = Array.from(new Uint8Array(rec.sealed), (b) => b.toString(16).padStart(2, '0')).join('');
    let exportable = true;
    try { await crypto.subtle.exportKey('raw', rootKey); } catch { exportable = false; }
    store.close();
    return {
      keyId: k.KeyId, blob: Array.from(e.CiphertextBlob), error, hasValue: 'value' in rec, sealedHex,
      aliasValue: typeof alias.value, rootKeyType: rootKey.constructor.name, extractable: rootKey.extractable, exportable,
      exported: JSON.stringify(kms.exportRecords()), compileStreaming: kms.timings.compileMs > 0,
    };
  }, MATERIAL_HEX));

  assert.equal(first.error, '404 Forbidden.KeyNotFound');
  assert.equal(first.hasValue, false);
  assert.ok(!first.sealedHex.includes(MATERIAL_HEX.slice(0, 16)));
  assert.equal(first.aliasValue, 'string');
  assert.equal(first.rootKeyType, 'CryptoKey');
  assert.equal(first.extractable, false);
  assert.equal(first.exportable, false);
  assert.ok(first.exported.includes(Buffer.from(MATERIAL_HEX, 'hex').toString('base64')), 'the export is plaintext, by design');

  // Nothing in the profile's files holds the material in any plain form.
  const forms = [Buffer.from(MATERIAL_HEX, 'hex'), Buffer.from(MATERIAL_HEX), Buffer.from(Buffer.from(MATERIAL_HEX, 'hex').toString('base64'))];
  for (const file of await walk(join(profile, 'Default', 'IndexedDB'))) {
    const bytes = await readFile(file);
    for (const f of forms) assert.equal(bytes.indexOf(f), -1, `${file} holds the key material`);
  }

  // A new browser process on the same profile opens the old blob.
  const second = await withBrowser((page) => page.evaluate(async ({ blob, keyId }) => {
    const { IndexedDBStore, PocketKMS } = await import('/wasm/js/pocketkms.js');
    const store = await IndexedDBStore.open('browser-test');
    const kms = await PocketKMS.load({ store });
    const d = await kms.advanceDecrypt({ CiphertextBlob: new Uint8Array(blob), Aad: 'tab' });
    const { KeyMetadata } = await kms.describeKey({ KeyId: 'alias/browser' });
    await kms.createKeyVersion({ KeyId: keyId });
    // Concurrent calls: flushes queue up and every write lands.
    const made = await Promise.all(Array.from({ length: 10 }, () => kms.createKey()));
    store.close();
    const reopened = await IndexedDBStore.open('browser-test');
    const count = reopened.list('keys/').length;
    // Export, then import into another database: the playground's key store file.
    const file = JSON.stringify(kms.exportRecords());
    const other = await IndexedDBStore.open('browser-test-import');
    const kms2 = await PocketKMS.load({ store: other, wasm: kms.module });
    await kms2.importRecords(JSON.parse(file));
    other.close();
    const kms3 = await PocketKMS.load({ store: await IndexedDBStore.open('browser-test-import'), wasm: kms.module });
    const d3 = await kms3.advanceDecrypt({ CiphertextBlob: new Uint8Array(blob), Aad: 'tab' });
    kms3.store.close();
    reopened.close();
    await IndexedDBStore.deleteDatabase('browser-test');
    await IndexedDBStore.deleteDatabase('browser-test-import');
    return {
      text: new TextDecoder().decode(d.Plaintext), keyId: KeyMetadata.KeyId, count, made: made.length,
      imported: new TextDecoder().decode(d3.Plaintext),
    };
  }, { blob: first.blob, keyId: first.keyId }));
  assert.deepEqual(second, { text: 'from the browser', keyId: first.keyId, count: 11, made: 10, imported: 'from the browser' });
});

async function walk(dir) {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...await walk(p));
    else out.push(p);
  }
  return out;
}

test('IndexedDBStore in Chromium: a database of the previous JS format is migrated on open', async () => {
  const out = await withBrowser((page) => page.evaluate(async (materialHex) => {
    const { IndexedDBStore, PocketKMS } = await import('/wasm/js/pocketkms.js');
    const material = Uint8Array.from(materialHex.match(/../g), (h) => parseInt(h, 16));
    const keyId = 'key-legacyidb00000000001';
    const vid = `${keyId}-v000000001`;
    const b64 = (u) => btoa(String.fromCharCode(...u));
    const record = JSON.stringify({ KeyId: keyId, KeySpec: 'Aliyun_AES_256', KeyUsage: 'ENCRYPT/DECRYPT', Origin: 'EXTERNAL',
      KeyState: 'Enabled', CreationDate: '2026-01-01T00:00:00Z',
      Versions: [{ KeyVersionId: vid, CreationDate: '2026-01-01T00:00:00Z', Material: b64(material) }] });
    // The database as the package made it before: a non-extractable AES-GCM
    // root key used directly, records sealed IV || ciphertext || tag, AAD = record key.
    const done = (r) => new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
    const open = indexedDB.open('legacy-test', 1);
    open.onupgradeneeded = () => { open.result.createObjectStore('records'); open.result.createObjectStore('meta'); };
    const db = await done(open);
    const oldKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(`keys/${keyId}`) },
      oldKey, new TextEncoder().encode(record)));
    const sealed = new Uint8Array(12 + ct.length);
    sealed.set(iv);
    sealed.set(ct, 12);
    const tx = db.transaction(['records', 'meta'], 'readwrite');
    tx.objectStore('meta').put(oldKey, 'rootKey');
    tx.objectStore('records').put({ rev: 1, sealed }, `keys/${keyId}`);
    await new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onerror = () => reject(tx.error); });
    db.close();

    const store = await IndexedDBStore.open('legacy-test');
    const kms = await PocketKMS.load({ store });
    const enc = await kms.encrypt({ KeyId: keyId, Plaintext: 'kept' });
    const rootKey = await done(store._db.transaction('meta').objectStore('meta').get('rootKey'));
    const rec = await done(store._db.transaction('records').objectStore('records').get(`keys/${keyId}`));
    store.close();
    // Reopened: only the new format and the new root key are needed.
    const again = await PocketKMS.load({ store: await IndexedDBStore.open('legacy-test'), wasm: kms.module });
    const dec = await again.decrypt({ KeyId: keyId, CiphertextBlob: enc.CiphertextBlob, Iv: enc.Iv });
    again.store.close();
    await IndexedDBStore.deleteDatabase('legacy-test');
    // Independent check: the material is the legacy record's.
    const gcm = await crypto.subtle.importKey('raw', material, 'AES-GCM', false, ['decrypt']);
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: enc.Iv }, gcm, enc.CiphertextBlob);
    return {
      rootKeyAlg: rootKey.algorithm.name, formatByte: new Uint8Array(rec.sealed)[0],
      text: new TextDecoder().decode(dec.Plaintext), independent: new TextDecoder().decode(plain),
    };
  }, MATERIAL_HEX));
  assert.equal(out.rootKeyAlg, 'HKDF', 'the AES-GCM root key was replaced');
  assert.equal(out.formatByte, 1, 'the record was resealed in the store.Sealed format');
  assert.equal(out.text, 'kept');
  assert.equal(out.independent, 'kept');
});
