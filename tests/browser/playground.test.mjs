// End-to-end tests of the playground (index.html) in Debian's Chromium,
// driven by playwright-core through the page's real controls: the module,
// the JS package and IndexedDB are the real ones. Run: bash tests/browser/run.sh
//
// The tests share one browser profile and run in order: later ones use the
// keys earlier ones made, as a person would.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, generateKeyPairSync } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

import { ROOT, serve } from './server.mjs';

const SHOTS = join(ROOT, 'tests/artifacts/screenshots');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let server;
let context;
let page;
let profile;
const problems = []; // console errors and uncaught page errors, checked last

function watch(p) {
  p.on('console', (m) => { if (m.type() === 'error') problems.push(`console.error: ${m.text()}`); });
  p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  p.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
}

async function open(p, hash = '') {
  const url = `${server.url}index.html${hash}`;
  // goto to the same document with another hash is only a hash change: reload then.
  if (p.url().split('#')[0] === url.split('#')[0]) {
    await p.evaluate((h) => { history.replaceState(null, '', h || '#'); }, hash);
    await p.reload();
  } else {
    await p.goto(url);
  }
  await p.waitForSelector('body[data-ready], body[data-boot-error]', { timeout: 60_000 });
  const err = await p.getAttribute('body', 'data-boot-error');
  assert.equal(err, null, `the page did not boot: ${err}`);
  return Number(await p.getAttribute('body', 'data-ready'));
}

async function shot(name, p = page) {
  await p.evaluate(() => document.getElementById('toast').classList.remove('show'));
  await p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

const tab = (name) => page.click(`#tab-${name}`);
const card = (id) => page.locator(`article.key[data-key-id="${id}"]`);
const field = (id, name) => card(id).locator(`[data-field="${name}"]`).innerText();

/** Picks an operation, fills fields {Name: value or [value, encoding]}, sends, returns the result box. */
async function runOp(op, fields = {}) {
  await tab('ops');
  await page.check(`#op-choices input[value="${op}"]`);
  for (const [name, v] of Object.entries(fields)) {
    const [value, enc] = Array.isArray(v) ? v : [v];
    if (enc) await page.selectOption(`#op-${name}-enc`, enc);
    const el = page.locator(`#op-${name}`);
    if ((await el.evaluate((e) => e.tagName)) === 'SELECT') await el.selectOption(value);
    else await el.fill(String(value));
  }
  await page.evaluate(() => document.getElementById('op-result').replaceChildren());
  await page.click('#op-send');
  const box = page.locator('#op-result > *');
  await box.waitFor();
  return box;
}

/** Reads a response field as shown, optionally switching its display encoding first. */
async function respField(name, enc) {
  const row = page.locator(`#op-result tr[data-field="${name}"]`);
  if (enc) await row.locator('select').selectOption(enc);
  return (await row.locator('td').nth(1).innerText()).trim();
}

async function expectOk(box, op) {
  const cls = await box.getAttribute('class');
  if (cls !== 'resp') assert.fail(`${op} failed on the page: ${await box.innerText()}`);
}

async function createKey({ description, alias, spec } = {}) {
  await tab('keys');
  const ids = () => page.locator('article.key').evaluateAll((as) => as.map((a) => a.dataset.keyId));
  const before = await ids();
  if (spec) await page.selectOption('#ck-spec', spec);
  await page.fill('#ck-desc', description ?? '');
  await page.fill('#ck-alias', alias ?? '');
  await page.click('#create-key button[type=submit]');
  await page.waitForFunction((n) => document.querySelectorAll('article.key').length > n, before.length);
  if (alias) await page.locator('.alias', { hasText: alias }).waitFor();
  const made = (await ids()).filter((id) => !before.includes(id));
  assert.equal(made.length, 1);
  return made[0];
}

async function inspect(blobBase64) {
  await tab('inspect');
  await page.evaluate(() => document.getElementById('inspect-out').replaceChildren());
  await page.fill('#inspect-input', blobBase64);
  await page.selectOption('#inspect-enc', 'auto');
  await page.click('#inspect-go');
  await page.locator('#inspect-out > *').first().waitFor();
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await serve();
  profile = mkdtempSync(join(tmpdir(), 'pocketkms-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 },
    colorScheme: 'light', acceptDownloads: true,
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url.replace(/\/$/, '') });
  page = context.pages()[0] ?? await context.newPage();
  watch(page);
  const ms = await open(page);
  console.log(`# page usable after ${ms} ms (first load, empty cache)`);
});

after(async () => {
  await context?.close();
  await server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

const state = {}; // what later tests reuse

test('rotation: AdvanceEncrypt, rotate, AdvanceEncrypt; the two blobs name different versions', async () => {
  const id = await createKey({ description: 'browser test key', alias: 'alias/browser-test' });
  state.keyId = id;
  assert.match(id, /^key-[a-z0-9]{21}$/);
  const v1 = await field(id, 'PrimaryKeyVersionId');
  assert.equal(await field(id, 'InitialKeyVersionId'), v1);
  await shot('keys-light');

  // "Use in operations" fills KeyId in the forms.
  await card(id).getByRole('button', { name: `Use ${id} in the operations` }).click();
  assert.equal(await page.inputValue('#op-KeyId'), id);
  let box = await runOp('AdvanceEncrypt', { Plaintext: 'hello from the browser' });
  await expectOk(box, 'AdvanceEncrypt');
  assert.equal(await respField('KeyVersionId'), v1);
  const blob1 = await respField('CiphertextBlob', 'base64');
  // Copy buttons put the shown value on the clipboard.
  await page.locator('#op-result tr[data-field="KeyVersionId"]').getByRole('button', { name: 'Copy KeyVersionId' }).click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), v1);
  await shot('ops-light');

  await tab('keys');
  await card(id).getByRole('button', { name: `Rotate ${id} now` }).click();
  await page.waitForFunction(([k, v]) => document.querySelector(`article.key[data-key-id="${k}"] [data-field="PrimaryKeyVersionId"]`)?.textContent !== v, [id, v1]);
  const v2 = await field(id, 'PrimaryKeyVersionId');
  assert.notEqual(v2, v1);
  assert.equal(await field(id, 'InitialKeyVersionId'), v1, 'rotation keeps the initial version');
  assert.equal(await card(id).locator('tbody tr').count(), 2);

  box = await runOp('AdvanceEncrypt', { KeyId: 'alias/browser-test', Plaintext: 'hello from the browser' });
  await expectOk(box, 'AdvanceEncrypt');
  assert.equal(await respField('KeyId'), id, 'the response names the key, not the alias');
  assert.equal(await respField('KeyVersionId'), v2);
  const blob2 = await respField('CiphertextBlob', 'base64');

  // One click sends the new blob to AdvanceDecrypt.
  await page.getByRole('button', { name: 'Decrypt this blob (AdvanceDecrypt)' }).click();
  assert.equal(await page.inputValue('#op-CiphertextBlob'), blob2);
  box = await runOp('AdvanceDecrypt');
  await expectOk(box, 'AdvanceDecrypt');
  assert.equal(await respField('Plaintext', 'text'), 'hello from the browser');
  assert.equal(await respField('KeyVersionId'), v2);
  // The old blob still opens, with the version it names.
  box = await runOp('AdvanceDecrypt', { CiphertextBlob: [blob1, 'base64'] });
  await expectOk(box, 'AdvanceDecrypt');
  assert.equal(await respField('KeyVersionId'), v1);
  assert.equal(await respField('Plaintext', 'text'), 'hello from the browser');

  // The inspector reads the version out of each blob.
  await inspect(blob1);
  const iv1 = await page.locator('#inspect-out dd[data-field="KeyVersionId"]').innerText();
  await inspect(blob2);
  const iv2 = await page.locator('#inspect-out dd[data-field="KeyVersionId"]').innerText();
  assert.ok(iv1.startsWith(v1), iv1);
  assert.ok(iv2.startsWith(v2), iv2);
  assert.notEqual(iv1.slice(0, 36), iv2.slice(0, 36));
  state.blob1 = blob1;
  state.v1 = v1;
});

test('the inspector lays a blob out field by field and links to the key', async () => {
  await inspect(state.blob1);
  const raw = Buffer.from(state.blob1, 'base64');
  const rows = page.locator('#inspect-out table.fields tbody tr');
  const names = await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.field));
  assert.deepEqual(names, ['Magic', 'VersionAndPadding', 'Algorithm', 'KeyVersionId', 'Iv', 'Ciphertext', 'Tag']);
  const cell = (name, i) => page.locator(`#inspect-out tr[data-field="${name}"] td`).nth(i).innerText();
  assert.equal(await cell('Magic', 3), "0x24 '$'");
  assert.equal(await cell('Algorithm', 3), '0x02: AES_GCM');
  assert.equal(await cell('KeyVersionId', 3), state.v1);
  assert.equal(await cell('Iv', 2), '12');
  assert.equal(await cell('Iv', 3), raw.subarray(39, 51).toString('hex'));
  assert.equal(await cell('Ciphertext', 2), String('hello from the browser'.length));
  assert.equal(await cell('Tag', 2), '16');
  assert.equal(await cell('Tag', 3), raw.subarray(raw.length - 16).toString('hex'));
  // Every byte is drawn, coloured by its part.
  const spans = page.locator('#inspect-out .bytes span');
  assert.equal(await spans.count(), raw.length);
  assert.equal(await spans.nth(0).getAttribute('class'), 'f-Magic');
  assert.equal(await spans.nth(3).getAttribute('class'), 'f-KeyVersionId');
  assert.equal(await spans.nth(raw.length - 1).getAttribute('class'), 'f-Tag');
  assert.match(await page.locator('#inspect-out .key-link').innerText(), new RegExp(`${state.keyId}, version 1 of 2`));
  await shot('inspector-light');

  // The link goes to the key list, to the version's row.
  await page.locator('#inspect-out .key-link').click();
  await page.waitForFunction(() => !document.getElementById('view-keys').hidden);
  assert.match(page.url(), new RegExp(`#keys/${state.keyId}/${state.v1}$`));
  await page.locator(`tr[data-version-id="${state.v1}"]`).waitFor();

  // Pick a blob made in this session, or a file holding the raw bytes.
  await tab('inspect');
  await page.evaluate(() => document.getElementById('inspect-out').replaceChildren());
  const pick = await page.locator('#inspect-pick option').evaluateAll((os) => os.map((o) => [o.value, o.textContent]));
  const first = pick.find(([, label]) => label.includes(state.v1));
  assert.ok(first, JSON.stringify(pick));
  await page.selectOption('#inspect-pick', first[0]);
  await page.locator('#inspect-out .inspect-valid').waitFor();
  assert.ok((await page.locator('#inspect-out dd[data-field="KeyVersionId"]').innerText()).startsWith(state.v1));
  await page.evaluate(() => document.getElementById('inspect-out').replaceChildren());
  await page.setInputFiles('#inspect-file', { name: 'blob.bin', mimeType: 'application/octet-stream', buffer: raw });
  await page.locator('#inspect-out .inspect-valid').waitFor();
  assert.equal(await page.locator('#inspect-out .bytes span').count(), raw.length);

  // Wrong and truncated input is explained with the engine's Problem text.
  await inspect(raw.subarray(0, 20).toString('hex'));
  assert.match(await page.locator('#inspect-out .problem-text').innerText(), /truncated: 20 bytes, a blob has at least 39/);
  const wrong = Buffer.from(raw);
  wrong[0] = 0x25;
  await inspect(wrong.toString('base64'));
  assert.match(await page.locator('#inspect-out .problem-text').innerText(), /starts with 0x25, not '\$'/);
  assert.equal(await page.locator('#inspect-out .bytes span.bad').count(), 1);
  await inspect('not base64 at all!');
  assert.match(await page.locator('#inspect-out .problem').innerText(), /not valid base64/);
});

test('an SM4 key: an SM4_CBC Advance blob has no tag in the inspector and opens again', async () => {
  const id = await createKey({ spec: 'Aliyun_SM4', description: 'sm4' });
  await page.selectOption('#ck-spec', 'Aliyun_AES_256');
  let box = await runOp('AdvanceEncrypt', { KeyId: id, Plaintext: 'sixteen bytes!!!', Algorithm: 'SM4_CBC', PaddingMode: 'PKCS7_PADDING', Iv: '', Aad: '' });
  await expectOk(box, 'AdvanceEncrypt');
  assert.equal(await respField('Algorithm'), 'SM4_CBC');
  const blob = await respField('CiphertextBlob', 'base64');
  await inspect(blob);
  const names = await page.locator('#inspect-out table.fields tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.field));
  assert.deepEqual(names, ['Magic', 'VersionAndPadding', 'Algorithm', 'KeyVersionId', 'Iv', 'Ciphertext']);
  assert.equal(await page.locator('#inspect-out dd[data-field="PaddingMode"]').innerText(), 'PKCS7_PADDING');
  assert.equal(await page.locator('#inspect-out tr[data-field="Iv"] td').nth(2).innerText(), '16');
  assert.equal(await page.locator('#inspect-out tr[data-field="Ciphertext"] td').nth(2).innerText(), '32', '16 bytes + a full padding block');
  box = await runOp('AdvanceDecrypt', { CiphertextBlob: [blob, 'base64'], KeyId: '', Algorithm: '', PaddingMode: '', Iv: '', Aad: '' });
  await expectOk(box, 'AdvanceDecrypt');
  assert.equal(await respField('Plaintext', 'text'), 'sixteen bytes!!!');
  assert.equal(await respField('Algorithm'), 'SM4_CBC');
});

test('Encrypt then Decrypt with AES_CBC and PKCS7 padding', async () => {
  const text = 'twenty-three bytes long';
  let box = await runOp('Encrypt', {
    KeyId: 'alias/browser-test', Plaintext: text, Algorithm: 'AES_CBC', PaddingMode: 'PKCS7_PADDING', Iv: '', Aad: '',
  });
  await expectOk(box, 'Encrypt');
  assert.equal(await respField('Algorithm'), 'AES_CBC');
  assert.equal(await respField('PaddingMode'), 'PKCS7_PADDING');
  assert.equal((await respField('Iv', 'hex')).length, 32, 'a 16-byte random IV');
  assert.equal((await respField('CiphertextBlob', 'hex')).length, 64, '23 bytes pad to 32');
  await page.getByRole('button', { name: 'Decrypt this ciphertext (Decrypt)' }).click();
  assert.equal(await page.inputValue('#op-Algorithm'), 'AES_CBC');
  assert.equal(await page.inputValue('#op-PaddingMode'), 'PKCS7_PADDING');
  box = await runOp('Decrypt');
  await expectOk(box, 'Decrypt');
  assert.equal(await respField('Plaintext', 'text'), text);
  assert.equal(await respField('KeyId'), state.keyId);
  assert.equal(await respField('PaddingMode'), 'PKCS7_PADDING');
});

test('an imported key gives known-answer AES-GCM ciphertexts (Encrypt: initial version, AdvanceEncrypt: primary)', async () => {
  const keyId = 'key-kat0browser0test00000';
  const m1 = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
  const m2 = Buffer.from('ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100', 'hex');
  const vid1 = `${keyId}-ver0000001`;
  const vid2 = `${keyId}-ver0000002`;
  await tab('keys');
  await page.fill('#ik-keyid', keyId);
  await page.fill('#ik-alias', 'alias/kat');
  await page.fill('#ik-desc', 'known answer');
  await page.click('#ik-add-version');
  const rows = page.locator('#ik-versions li');
  await rows.nth(0).locator('.ik-material').fill(m1.toString('hex'));
  await rows.nth(0).locator('.ik-vid').fill(vid1);
  await rows.nth(1).locator('.ik-enc').selectOption('base64');
  await rows.nth(1).locator('.ik-material').fill(m2.toString('base64'));
  await rows.nth(1).locator('.ik-vid').fill(vid2);
  await page.click('#import-key button[type=submit]');
  await card(keyId).waitFor();
  assert.equal(await field(keyId, 'InitialKeyVersionId'), vid1);
  assert.equal(await field(keyId, 'PrimaryKeyVersionId'), vid2);

  const iv = Buffer.from('cafebabefacedbaddecaf888', 'hex');
  const plaintext = 'known answer test';
  const aad = 'context';
  const gcm = (key) => {
    const c = createCipheriv('aes-256-gcm', key, iv);
    c.setAAD(Buffer.from(aad));
    return Buffer.concat([c.update(plaintext, 'utf8'), c.final(), c.getAuthTag()]);
  };

  let box = await runOp('Encrypt', { KeyId: 'alias/kat', Plaintext: plaintext, Algorithm: 'AES_GCM', PaddingMode: '', Iv: [iv.toString('hex'), 'hex'], Aad: [aad, 'text'] });
  await expectOk(box, 'Encrypt');
  assert.equal(await respField('CiphertextBlob', 'hex'), gcm(m1).toString('hex'), 'Encrypt uses the initial version');
  assert.equal(await respField('Iv', 'hex'), iv.toString('hex'));

  box = await runOp('AdvanceEncrypt', { KeyId: 'alias/kat', Plaintext: plaintext, Algorithm: '', PaddingMode: '', Iv: [iv.toString('hex'), 'hex'], Aad: [aad, 'text'] });
  await expectOk(box, 'AdvanceEncrypt');
  const want = Buffer.concat([Buffer.from([0x24, 0x00, 0x02]), Buffer.from(vid2), iv, gcm(m2)]);
  assert.equal(await respField('CiphertextBlob', 'hex'), want.toString('hex'), 'AdvanceEncrypt: the documented blob around the primary version');
});

// importAsym imports one asymmetric key version through the form and checks
// that GetPublicKey answers with the public key OpenSSL (node:crypto) derives.
async function importAsym(keyId, spec, usage, material, encoding, publicKey) {
  await tab('keys');
  await page.selectOption('#ik-spec', spec);
  await page.selectOption('#ik-usage', usage);
  await page.fill('#ik-keyid', keyId);
  await page.fill('#ik-alias', '');
  await page.fill('#ik-desc', `imported ${spec}`);
  while (await page.locator('#ik-versions li').count() > 1) {
    await page.locator('#ik-versions li').last().getByRole('button', { name: 'Remove this version' }).click();
  }
  const row = page.locator('#ik-versions li').nth(0);
  await row.locator('.ik-enc').selectOption(encoding);
  await row.locator('.ik-material').fill(material);
  await row.locator('.ik-vid').fill('');
  await page.click('#import-key button[type=submit]');
  await page.waitForFunction((k) => document.querySelector(`article.key[data-key-id="${k}"]`) || document.querySelector('#keys-msg [role=alert], #keys-msg .err'), keyId);
  if (!(await card(keyId).count())) assert.fail(`import failed: ${await page.locator('#keys-msg').innerText()}`);
  const box = await runOp('GetPublicKey', { KeyId: keyId });
  await expectOk(box, 'GetPublicKey');
  const words = (t) => t.split(/\s+/).filter(Boolean).join(' '); // the table cell wraps the lines
  assert.equal(words(await respField('PublicKey')), words(publicKey.export({ type: 'spki', format: 'pem' })));
}

test('an imported RSA key (DER PKCS#8 as base64) answers with the public key OpenSSL derives', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await importAsym('key-rsa0browser0import000', 'RSA_2048', 'ENCRYPT/DECRYPT',
    privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'), 'base64', publicKey);
});

test('an imported EC key pasted as PEM text (its line breaks lost in the field) answers with its public key', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
  assert.match(pem, /\n.+\n/, 'the PEM text has line breaks to lose');
  // The selector still says hex: PEM text is recognised whatever it says.
  await importAsym('key-ec0browser0pem0import', 'EC_P256', 'SIGN/VERIFY', pem, 'hex', publicKey);
});

test('errors show the HTTP status, ErrorCode and message a server returns', async () => {
  const expectErr = async (box, status, code, message) => {
    assert.equal(await box.getAttribute('class'), 'err', await box.innerText());
    assert.equal(await box.getAttribute('data-status'), String(status));
    assert.equal(await box.getAttribute('data-code'), code);
    assert.equal(await box.locator('.http-status').innerText(), `HTTP ${status}`);
    assert.equal(await box.locator('.error-code').innerText(), code);
    assert.match(await box.locator('.error-message').innerText(), message);
    const body = JSON.parse(await box.locator('pre').textContent());
    assert.equal(body.StatusCode, status);
    assert.equal(body.ErrorCode, code);
    assert.match(body.RequestId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  };

  let box = await runOp('AdvanceEncrypt', { KeyId: 'alias/no-such-key', Plaintext: 'x', Iv: '', Aad: '' });
  await expectErr(box, 404, 'Forbidden.KeyNotFound', /alias\/no-such-key.*not found/);
  await shot('error-light');

  box = await runOp('GenerateRandom', { Length: '65' });
  await expectErr(box, 400, 'InvalidParameter', /Length must be 1 to 64, got 65/);

  await tab('keys');
  await card(state.keyId).getByRole('button', { name: `Disable ${state.keyId}` }).click();
  await page.waitForFunction((k) => document.querySelector(`article.key[data-key-id="${k}"] [data-field="KeyState"]`)?.textContent === 'Disabled', state.keyId);
  box = await runOp('AdvanceEncrypt', { KeyId: state.keyId, Plaintext: 'x' });
  await expectErr(box, 409, 'Rejected.Disabled', new RegExp(state.keyId));
  await tab('keys');
  await card(state.keyId).getByRole('button', { name: `Enable ${state.keyId}` }).click();
  await page.waitForFunction((k) => document.querySelector(`article.key[data-key-id="${k}"] [data-field="KeyState"]`)?.textContent === 'Enabled', state.keyId);

  // Key management errors land on the Keys view the same way.
  await card(state.keyId).locator('input[id^="rot-"]').fill('3d');
  await card(state.keyId).getByRole('button', { name: `Set automatic rotation of ${state.keyId}` }).click();
  const kbox = page.locator('#keys-msg .err');
  await kbox.waitFor();
  await expectErr(kbox, 400, 'InvalidParameter', /between 7d and 730d/);
});

test('every data operation answers with every response field', async () => {
  const cases = {
    GenerateDataKey: [{ KeyId: state.keyId, NumberOfBytes: '16' }, ['KeyId', 'Iv', 'Plaintext', 'CiphertextBlob', 'RequestId', 'Algorithm']],
    AdvanceGenerateDataKey: [{ KeyId: state.keyId, NumberOfBytes: '' }, ['KeyId', 'Iv', 'Plaintext', 'CiphertextBlob', 'RequestId', 'Algorithm', 'KeyVersionId']],
    GenerateRandom: [{ Length: '64' }, ['Random', 'RequestId']],
  };
  for (const [op, [fields, resp]] of Object.entries(cases)) {
    const box = await runOp(op, fields);
    await expectOk(box, op);
    const shown = await page.locator('#op-result tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.field));
    assert.deepEqual(shown, resp, op);
    for (const f of resp) assert.notEqual(await respField(f), 'not set', `${op} ${f}`);
  }
  assert.equal((await respField('Random', 'hex')).length, 128);
  // Rotation and automatic rotation controls.
  await tab('keys');
  await card(state.keyId).locator('input[id^="rot-"]').fill('30d');
  await card(state.keyId).getByRole('button', { name: `Set automatic rotation of ${state.keyId}` }).click();
  await page.waitForFunction((k) => document.querySelector(`article.key[data-key-id="${k}"] [data-field="AutomaticRotation"]`)?.textContent.startsWith('Enabled, every 30d'), state.keyId);
  await card(state.keyId).getByRole('button', { name: `Clear automatic rotation of ${state.keyId}` }).click();
  await page.waitForFunction((k) => document.querySelector(`article.key[data-key-id="${k}"] [data-field="AutomaticRotation"]`)?.textContent === 'Disabled', state.keyId);
});

test('asymmetric keys: create one, Sign and Verify (checked with WebCrypto), GetPublicKey copies, a data key pair opens', async () => {
  const signer = await createKey({ spec: 'EC_P256', description: 'signer' });
  assert.equal(await page.inputValue('#ck-usage'), 'ENCRYPT/DECRYPT', 'the form resets after creating');
  const box = await runOp('GetPublicKey', { KeyId: signer });
  await expectOk(box, 'GetPublicKey');
  const pemText = await respField('PublicKey');
  assert.match(pemText, /^-----BEGIN PUBLIC KEY-----/);
  await page.locator('#op-result tr[data-field="PublicKey"] button').click();
  // Sign in the page, verify with the browser's own WebCrypto.
  await expectOk(await runOp('Sign', { KeyId: signer, Message: 'signed in the playground' }), 'Sign');
  assert.equal(await respField('Algorithm'), 'ECDSA_SHA_256');
  const sigB64 = await respField('Signature', 'base64');
  const ok = await page.evaluate(async ({ pemText, sigB64 }) => {
    const der = Uint8Array.from(atob(pemText.replace(/-----[^-]+-----|\s/g, '')), (c) => c.charCodeAt(0));
    const key = await crypto.subtle.importKey('spki', der, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    const sig = Uint8Array.from(atob(sigB64), (c) => c.charCodeAt(0));
    // DER SEQUENCE{r, s} to WebCrypto's r‖s.
    let i = 2; const ints = [];
    for (let n = 0; n < 2; n++) { const len = sig[i + 1]; let v = sig.slice(i + 2, i + 2 + len); i += 2 + len; while (v.length > 32) v = v.slice(1); const out = new Uint8Array(32); out.set(v, 32 - v.length); ints.push(out); }
    const raw = new Uint8Array(64); raw.set(ints[0]); raw.set(ints[1], 32);
    return crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, raw, new TextEncoder().encode('signed in the playground'));
  }, { pemText, sigB64 });
  assert.ok(ok, 'WebCrypto verifies the signature');
  await page.getByRole('button', { name: 'Verify this signature (Verify)' }).click();
  await page.click('#op-send');
  await page.locator('#op-result > .resp').waitFor();
  assert.equal(await respField('Value'), 'true');
  await expectOk(await runOp('Verify', { KeyId: signer, Message: 'another message', Signature: [sigB64, 'base64'] }), 'Verify');
  assert.equal(await respField('Value'), 'false', 'a wrong signature is Value=false, not an error');
  // A data key pair under the symmetric key; its private key opens with Decrypt.
  await expectOk(await runOp('GenerateDataKeyPair', { KeyId: state.keyId, KeyPairSpec: 'EC_P256', Aad: 'pair' }), 'GenerateDataKeyPair');
  const priv = await respField('PrivateKeyPlaintext');
  assert.match(priv, /^-----BEGIN PRIVATE KEY-----/);
  await page.getByRole('button', { name: 'Open the private key (Decrypt)' }).click();
  await page.click('#op-send');
  await page.locator('#op-result > .resp').waitFor();
  assert.equal(await respField('Plaintext'), priv);
});

test('aliases: create, rebind to another key, delete', async () => {
  const other = await createKey({ description: 'alias target' });
  const aliasInput = (id) => card(id).locator('input[id^="alias-"]');
  await aliasInput(state.keyId).fill('moving');
  await card(state.keyId).getByRole('button', { name: `Create alias for ${state.keyId}` }).click();
  await card(state.keyId).locator('.alias', { hasText: 'alias/moving' }).waitFor();
  await aliasInput(other).fill('alias/moving');
  await card(other).getByRole('button', { name: `Rebind an existing alias to ${other}` }).click();
  await card(other).locator('.alias', { hasText: 'alias/moving' }).waitFor();
  assert.equal(await card(state.keyId).locator('.alias', { hasText: 'alias/moving' }).count(), 0);
  const box = await runOp('AdvanceEncrypt', { KeyId: 'alias/moving', Plaintext: 'x', Algorithm: '', Iv: '', Aad: '' });
  await expectOk(box, 'AdvanceEncrypt');
  assert.equal(await respField('KeyId'), other);
  await tab('keys');
  await card(other).getByRole('button', { name: 'Delete alias alias/moving' }).click();
  await page.waitForFunction((k) => !document.querySelector(`article.key[data-key-id="${k}"] .aliases`)?.textContent.includes('alias/moving'), other);

  // Schedule deletion asks first; cancel it again.
  await card(other).getByRole('button', { name: `Schedule deletion of ${other}` }).click();
  await page.click('#confirm-ok');
  await page.waitForFunction((k) => document.querySelector(`article.key[data-key-id="${k}"] [data-field="KeyState"]`)?.textContent === 'PendingDeletion', other);
  await card(other).getByRole('button', { name: `Cancel deletion of ${other}` }).click();
  await page.waitForFunction((k) => document.querySelector(`article.key[data-key-id="${k}"] [data-field="KeyState"]`)?.textContent === 'Enabled', other);
});

test('secrets: create under a key, put a version, move stages, read by stage and version, rotate, delete and restore', async () => {
  const keyId = await createKey({ description: 'secret key' });
  await tab('secrets');
  const secret = (n) => page.locator(`article.secret[data-secret-name="${n}"]`);
  await page.fill('#cs-name', 'pg/db');
  await page.fill('#cs-value', 'first-value');
  await page.fill('#cs-version', 'v1');
  await page.selectOption('#cs-key', keyId);
  await page.click('#create-secret button[type=submit]');
  await secret('pg/db').waitFor();
  const s = secret('pg/db');
  await s.locator('input[id^="pv-"]').fill('second-value');
  await s.locator('input[id^="pid-"]').fill('v2');
  await s.getByRole('button', { name: 'Put a version of pg/db' }).click();
  await secret('pg/db').locator('.timeline li[data-version-id="v2"] .badge', { hasText: 'ACSCurrent' }).waitFor();
  const stagesOf = (v) => secret('pg/db').locator(`.timeline li[data-version-id="${v}"] .badge`).allInnerTexts();
  assert.deepEqual(await stagesOf('v1'), ['ACSPrevious']);

  const readAs = async (stage, version = '') => {
    const c = secret('pg/db');
    await c.locator('input[id^="rs-"]').fill(stage);
    await c.locator('input[id^="rv-"]').fill(version);
    await c.getByRole('button', { name: 'Read pg/db' }).click();
    return (await c.locator('.secret-value [data-field="SecretData"]').innerText()).trim();
  };
  assert.equal(await readAs('ACSCurrent'), 'second-value');
  assert.equal(await readAs('ACSPrevious'), 'first-value');
  assert.equal(await readAs('ACSCurrent', 'v1'), 'first-value');

  const c = secret('pg/db');
  await c.locator('input[id^="ms-"]').fill('ACSCurrent');
  await c.locator('input[id^="mt-"]').fill('v1');
  await c.getByRole('button', { name: 'Move a stage of pg/db' }).click();
  await page.waitForFunction(() => document.querySelector('article.secret[data-secret-name="pg/db"] .timeline li[data-version-id="v1"]')?.textContent.includes('ACSCurrent'));
  assert.deepEqual(await stagesOf('v2'), ['ACSPrevious']);

  // An unknown version shows the error a server returns.
  await c.locator('input[id^="rs-"]').fill('');
  await c.locator('input[id^="rv-"]').fill('v9');
  await c.getByRole('button', { name: 'Read pg/db' }).click();
  const err = secret('pg/db').locator('.err');
  await err.waitFor();
  assert.equal(await err.getAttribute('data-code'), 'InvalidParameter');

  // A managed secret rotates to a new password in the same shape.
  await page.fill('#cs-name', 'pg/rds');
  await page.selectOption('#cs-type', 'Rds');
  await page.fill('#cs-version', 'r1');
  await page.selectOption('#cs-key', '');
  await page.click('#create-secret button[type=submit]');
  await secret('pg/rds').waitFor();
  await secret('pg/rds').getByRole('button', { name: 'Rotate pg/rds' }).click();
  await page.waitForFunction(() => document.querySelectorAll('article.secret[data-secret-name="pg/rds"] .timeline li').length === 2);
  await secret('pg/rds').getByRole('button', { name: 'Read pg/rds' }).click();
  const rotated = JSON.parse(await secret('pg/rds').locator('.secret-value [data-field="SecretData"]').innerText());
  assert.equal(rotated.AccountName, 'app');
  assert.notEqual(rotated.AccountPassword, 'change-me');

  await secret('pg/db').getByRole('button', { name: 'Delete pg/db' }).click();
  await secret('pg/db').getByRole('button', { name: 'Restore pg/db' }).waitFor();
  await secret('pg/db').getByRole('button', { name: 'Restore pg/db' }).click();
  await secret('pg/db').getByRole('button', { name: 'Read pg/db' }).waitFor();
  await shot('secrets');
});

test('the rotation story shows old blobs opening with their version and Encrypt staying on the initial one', async () => {
  await tab('rotation');
  await page.click('#story-run');
  await page.waitForSelector('#story-steps[data-done="true"], #story-steps .err', { timeout: 30_000 });
  assert.equal(await page.locator('#story-steps .err').count(), 0, await page.locator('#story-steps').innerText());
  assert.equal(await page.locator('#story-steps .bad').count(), 0);
  assert.ok(await page.locator('#story-steps .ok').count() >= 6);
  await page.click('#story-reopen');
  await page.locator('#story-blobs tbody .ok').first().waitFor();
  assert.equal(await page.locator('#story-blobs tbody .bad').count(), 0);
  await shot('rotation-light');
});

test('keys survive a reload (IndexedDB)', async () => {
  await tab('keys');
  const before = await page.locator('article.key').evaluateAll((as) => as.map((a) => [a.dataset.keyId, a.querySelector('[data-field="PrimaryKeyVersionId"]').textContent]));
  assert.ok(before.length >= 4);
  await page.evaluate(() => { document.body.dataset.beforeReload = 'yes'; });
  const ms = await open(page, '#keys');
  assert.equal(await page.getAttribute('body', 'data-before-reload'), null, 'the page really reloaded');
  console.log(`# page usable after ${ms} ms (reload)`);
  const afterReload = await page.locator('article.key').evaluateAll((as) => as.map((a) => [a.dataset.keyId, a.querySelector('[data-field="PrimaryKeyVersionId"]').textContent]));
  assert.deepEqual(afterReload, before);
  // And they still work: the old blob opens after the reload.
  const box = await runOp('AdvanceDecrypt', { CiphertextBlob: [state.blob1, 'base64'], KeyId: '', Algorithm: '', Iv: '', Aad: '' });
  await expectOk(box, 'AdvanceDecrypt');
  assert.equal(await respField('KeyVersionId'), state.v1);
  // The README's picture: the inspector at a laptop-sized viewport, after the reload.
  await inspect(state.blob1);
  await page.setViewportSize({ width: 1100, height: 760 });
  await page.locator('#inspect-out').scrollIntoViewIfNeeded();
  await page.evaluate(() => { document.getElementById('toast').classList.remove('show'); window.scrollTo(0, 0); });
  await page.screenshot({ path: join(SHOTS, 'readme.png') });
  if (process.env.UPDATE_DOCS_SCREENSHOT) await page.screenshot({ path: join(ROOT, 'docs/screenshot.png') });
  await page.setViewportSize({ width: 1280, height: 900 });
});

test('export the store to a file, reset (asks first), import it back', async () => {
  await tab('store');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#store-export')]);
  const file = join(profile, 'export.json');
  await download.saveAs(file);
  const data = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(data.format, 'pocketkms-records');
  assert.ok(Object.keys(data.records).some((k) => k === `keys/${state.keyId}`));
  await shot('store-light');

  await page.click('#store-reset');
  await page.click('#confirm-cancel');
  await page.locator('#store-msg', { hasText: 'nothing was deleted' }).waitFor();
  await tab('keys');
  assert.ok(await page.locator('article.key').count() >= 4);

  await tab('store');
  await page.click('#store-reset');
  await page.click('#confirm-ok');
  await page.locator('#store-msg', { hasText: 'The store is empty' }).waitFor();
  await tab('keys');
  assert.equal(await page.locator('article.key').count(), 0);

  await tab('store');
  await page.setInputFiles('#store-import', file);
  await page.click('#confirm-ok');
  await page.locator('#store-msg', { hasText: 'Imported' }).waitFor();
  await tab('keys');
  await card(state.keyId).waitFor();
  const box = await runOp('AdvanceDecrypt', { CiphertextBlob: [state.blob1, 'base64'] });
  await expectOk(box, 'AdvanceDecrypt');
  assert.equal(await respField('KeyVersionId'), state.v1);

  // A file that is not an export is refused and changes nothing.
  const bad = join(profile, 'bad.json');
  writeFileSync(bad, JSON.stringify({ hello: 'world' }));
  await tab('store');
  await page.setInputFiles('#store-import', bad);
  await page.click('#confirm-ok');
  await page.locator('#store-msg', { hasText: 'Import refused' }).waitFor();
  await tab('keys');
  await card(state.keyId).waitFor();
});

test('snippets: the Go SDK call against pocketkms serve and the Node call, for the current form', async () => {
  await runOp('AdvanceEncrypt', { KeyId: 'alias/browser-test', Plaintext: 'snippet', Algorithm: '', PaddingMode: '', Iv: '', Aad: ['00ff', 'hex'] });
  // Switching an input's encoding converts what is typed.
  await page.selectOption('#op-Plaintext-enc', 'hex');
  assert.equal(await page.inputValue('#op-Plaintext'), Buffer.from('snippet').toString('hex'));
  await page.selectOption('#op-Plaintext-enc', 'base64');
  assert.equal(await page.inputValue('#op-Plaintext'), Buffer.from('snippet').toString('base64'));
  await page.selectOption('#op-Plaintext-enc', 'text');
  assert.equal(await page.inputValue('#op-Plaintext'), 'snippet');
  const [goCode, nodeCode] = await page.locator('#snippets pre').evaluateAll((ps) => ps.map((p) => p.textContent));
  assert.match(goCode, /Endpoint: +tea\.String\("127\.0\.0\.1:9443"\)/);
  assert.match(goCode, /os\.ReadFile\("pocketkms-data\/tls\/ca\.pem"\)/);
  assert.match(goCode, /ClientKeyFile: tea\.String\(/);
  assert.match(goCode, /client\.AdvanceEncrypt\(&dedicatedkmssdk\.AdvanceEncryptRequest\{/);
  assert.match(goCode, /KeyId: +tea\.String\("alias\/browser-test"\)/);
  assert.match(goCode, /Aad: +fromHex\("00ff"\)/);
  assert.match(nodeCode, /await kms\.advanceEncrypt\(\{/);
  assert.match(nodeCode, /Plaintext: new TextEncoder\(\)\.encode\("snippet"\)/);
});

test('the snippets are real code: Go type-checks against the SDK v0.5.1, Node runs against the package', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pocketkms-snippets-'));
  try {
    await tab('ops');
    const ops = await page.locator('#op-choices input').evaluateAll((is) => is.map((i) => i.value));
    assert.equal(ops.length, 14);
    const node = {};
    for (const op of ops) {
      await page.check(`#op-choices input[value="${op}"]`);
      const [goCode, nodeCode] = await page.locator('#snippets pre').evaluateAll((ps) => ps.map((p) => p.textContent));
      mkdirSync(join(dir, 'go', op.toLowerCase()), { recursive: true });
      writeFileSync(join(dir, 'go', op.toLowerCase(), 'main.go'), goCode);
      node[op] = nodeCode;
    }
    const go = (...args) => execFileSync('go', args, { cwd: join(dir, 'go'), stdio: 'pipe', timeout: 180_000, env: { ...process.env, GOFLAGS: '-mod=mod' } });
    go('mod', 'init', 'snippets');
    go('get', 'github.com/aliyun/alibabacloud-dkms-gcs-go-sdk@v0.5.1');
    go('mod', 'tidy');
    go('vet', './...'); // throws with the compiler's message if a snippet is wrong

    // 'pocketkms' resolves to this repository, as after npm install pocketkms.
    mkdirSync(join(dir, 'node', 'node_modules'), { recursive: true });
    symlinkSync(ROOT, join(dir, 'node', 'node_modules', 'pocketkms'));
    const runNode = (op) => {
      writeFileSync(join(dir, 'node', `${op}.mjs`), node[op]);
      const r = spawnSync(process.execPath, [`${op}.mjs`], { cwd: join(dir, 'node'), encoding: 'utf8', timeout: 60_000 });
      return { out: r.stdout, err: r.stderr };
    };
    const rnd = runNode('GenerateRandom');
    assert.match(rnd.out, /Random: Uint8Array\(\d+\)/, rnd.err);
    // A fresh MemoryStore has no keys: the call runs and reports the product's error.
    const enc = runNode('AdvanceEncrypt');
    assert.match(enc.err, /404 Forbidden\.KeyNotFound/, enc.out + enc.err);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('screenshots: dark theme and phone width', async () => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await tab('keys');
  await shot('keys-dark');
  await runOp('AdvanceEncrypt', { KeyId: 'alias/browser-test', Plaintext: 'dark', Aad: '' });
  await shot('ops-dark');
  await page.getByRole('button', { name: 'Inspect this blob' }).click();
  await page.locator('#inspect-out .inspect-valid').waitFor();
  await shot('inspector-dark');

  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 390, height: 844 });
  try {
    await tab('keys');
    // Nothing may overflow sideways at phone width.
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(await overflow() <= 0, `the keys view is ${await overflow()}px wider than a phone screen`);
    await shot('phone-keys-light');
    await runOp('AdvanceEncrypt', { KeyId: 'alias/browser-test', Plaintext: 'from a phone', Aad: '' });
    assert.ok(await overflow() <= 0, `the operations view is ${await overflow()}px wider than a phone screen`);
    await shot('phone-ops-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.getByRole('button', { name: 'Inspect this blob' }).click();
    await page.locator('#inspect-out .inspect-valid').waitFor();
    assert.ok(await overflow() <= 0, `the inspector is ${await overflow()}px wider than a phone screen`);
    await shot('phone-inspector-dark');
  } finally {
    await page.setViewportSize({ width: 1280, height: 900 });
  }
  await page.emulateMedia({ colorScheme: 'light' });
});

test('the page renders and takes input while the module streams in, with visible progress', async () => {
  // A fresh browser (empty caches) on a server that sends the first 2 MB of
  // the module and then holds the rest until the checks below are done: the
  // page is caught mid-download whatever the machine's speed or load.
  let release;
  const until = new Promise((r) => { release = r; });
  const held = await serve({ hold: { path: '/build/pocketkms.wasm', bytes: 2_000_000, until } });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  try {
    const p = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    watch(p);
    await p.goto(`${held.url}index.html`, { waitUntil: 'domcontentloaded' });
    await p.waitForFunction(() => /Downloading the module… [\d.]+ of [\d.]+ MB/.test(document.getElementById('boot-text').textContent)
      && document.getElementById('boot-progress').value > 0);
    assert.equal(await p.getAttribute('body', 'data-ready'), null, 'still loading');
    await p.fill('#ck-desc', 'typed while loading'); // the forms work before the module is there
    assert.ok(await p.locator('#create-key button[type=submit]').isDisabled(), 'sending waits for the module');
    await shot('loading-light', p);
    release();
    await p.waitForSelector('body[data-ready]', { timeout: 60_000 });
    assert.match(await p.locator('#boot-text').innerText(), /^Ready in \d+ ms$/);
    assert.equal(await p.inputValue('#ck-desc'), 'typed while loading');
    assert.ok(await p.locator('#create-key button[type=submit]').isEnabled());
  } finally {
    release();
    await browser.close();
    await held.close();
  }
});

test('a second tab is told that the last tab to save wins', async () => {
  const other = await context.newPage();
  watch(other);
  try {
    await open(other, '#keys');
    await other.locator('#other-tab').waitFor();
    await page.locator('#other-tab').waitFor();
  } finally {
    await other.close();
  }
  await page.locator('#other-tab').getByRole('button', { name: 'Dismiss' }).click();
  assert.equal(await page.locator('#other-tab').count(), 0);
});

test('every control has an accessible name', async () => {
  for (const hash of ['#keys', '#ops', '#inspect', '#rotation', '#store']) {
    await page.evaluate((h) => { location.hash = h; }, hash);
    const unnamed = await page.evaluate(() => [...document.querySelectorAll('main input, main select, main textarea, main button')]
      .filter((el) => el.offsetParent !== null)
      .filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || (el.tagName === 'BUTTON' && el.textContent.trim())))
      .map((el) => el.outerHTML.slice(0, 80)));
    assert.deepEqual(unnamed, [], hash);
  }
});

test('no console errors, page errors or failed requests', () => {
  assert.deepEqual(problems, []);
});
