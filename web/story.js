// The rotation story: makes visible that AdvanceEncrypt follows the primary
// version, that old blobs still open with the version they name, and that
// Encrypt stays on the initial version.

import { $, h } from './dom.js';
import { formatBytes, utf8 } from './codec.js';
import { call, errorBox, Failure, findKey, onBlobsChanged, onKeysChanged, refreshKeys, rememberBlob, state } from './kms.js';

const v = (id, initial) => h('span', { class: `v${initial ? ' initial' : ''}` }, id);
const check = (ok) => h('span', { class: ok ? 'ok' : 'bad', 'aria-label': ok ? 'as expected' : 'unexpected' }, ok ? ' ✔' : ' ✘');

export function initStory() {
  $('#story-run').addEventListener('click', run);
  $('#story-reopen').addEventListener('click', reopenAll);
  onKeysChanged(() => {
    const sel = $('#story-key');
    const keep = sel.value;
    sel.replaceChildren(h('option', { value: '' }, 'a new demo key'),
      ...state.keys.filter((k) => k.KeySpec.startsWith('Aliyun_') && k.KeyState === 'Enabled')
        .map((k) => h('option', { value: k.KeyId }, `${k.KeyId}${k.Aliases?.length ? ` (${k.Aliases[0]})` : ''}`)));
    sel.value = state.keys.some((k) => k.KeyId === keep) ? keep : '';
  });
  onBlobsChanged(() => renderBlobs(new Map()));
}

async function run() {
  const steps = $('#story-steps');
  const btn = $('#story-run');
  steps.replaceChildren();
  btn.disabled = true;
  const say = (...parts) => { const li = h('li', {}, ...parts); steps.append(li); return li; };
  const plaintext = utf8($('#story-text').value || 'attack at dawn');
  try {
    let keyId = $('#story-key').value;
    if (!keyId) {
      const r = await call('CreateKey', { KeySpec: 'Aliyun_AES_256', Description: 'rotation story demo' });
      keyId = r.KeyMetadata.KeyId;
      say('CreateKey made ', h('code', {}, keyId), '; its only version is both initial and primary: ', v(r.KeyMetadata.InitialKeyVersionId, true), '.');
    }
    const before = (await call('DescribeKey', { KeyId: keyId })).KeyMetadata;
    const initial = before.InitialKeyVersionId;

    const a = await call('AdvanceEncrypt', { KeyId: keyId, Plaintext: plaintext });
    rememberBlob({ api: 'AdvanceEncrypt', blob: a.CiphertextBlob, keyId, keyVersionId: a.KeyVersionId });
    say('AdvanceEncrypt → blob A names the primary version ', v(a.KeyVersionId, a.KeyVersionId === initial), check(a.KeyVersionId === before.PrimaryKeyVersionId));

    const e = await call('Encrypt', { KeyId: keyId, Plaintext: plaintext });
    say('Encrypt → a raw ciphertext (no version inside) with Iv ', h('code', {}, formatBytes(e.Iv, 'hex')), ' made with the initial version.');

    const rot = (await call('CreateKeyVersion', { KeyId: keyId })).KeyMetadata;
    say(h('b', {}, 'Rotate: '), 'CreateKeyVersion makes ', v(rot.PrimaryKeyVersionId), ' the new primary', check(rot.PrimaryKeyVersionId !== a.KeyVersionId),
      `; the key now has ${rot.VersionCount} versions.`);

    const b = await call('AdvanceEncrypt', { KeyId: keyId, Plaintext: plaintext });
    rememberBlob({ api: 'AdvanceEncrypt', blob: b.CiphertextBlob, keyId, keyVersionId: b.KeyVersionId });
    say('AdvanceEncrypt again → blob B names the new primary ', v(b.KeyVersionId), check(b.KeyVersionId === rot.PrimaryKeyVersionId && b.KeyVersionId !== a.KeyVersionId));

    const da = await call('AdvanceDecrypt', { CiphertextBlob: a.CiphertextBlob });
    const db = await call('AdvanceDecrypt', { CiphertextBlob: b.CiphertextBlob });
    const same = (x) => formatBytes(x.Plaintext, 'hex') === formatBytes(plaintext, 'hex');
    say('AdvanceDecrypt blob A (old) opens with ', v(da.KeyVersionId, da.KeyVersionId === initial), check(da.KeyVersionId === a.KeyVersionId && same(da)),
      '; blob B opens with ', v(db.KeyVersionId), check(db.KeyVersionId === b.KeyVersionId && same(db)), '. Nobody had to re-encrypt A.');

    const e2 = await call('Encrypt', { KeyId: keyId, Plaintext: plaintext });
    const o1 = await call('AdvanceDecrypt', { CiphertextBlob: e.CiphertextBlob, KeyId: keyId, Algorithm: e.Algorithm, Iv: e.Iv });
    const o2 = await call('AdvanceDecrypt', { CiphertextBlob: e2.CiphertextBlob, KeyId: keyId, Algorithm: e2.Algorithm, Iv: e2.Iv });
    say('Encrypt after the rotation still uses the initial version: opening both Encrypt ciphertexts reports ',
      v(o1.KeyVersionId, true), ' and ', v(o2.KeyVersionId, true), check(o1.KeyVersionId === initial && o2.KeyVersionId === initial),
      '. Only the Advance calls follow rotation.');
    steps.dataset.done = 'true';
  } catch (err) {
    if (!(err instanceof Failure)) throw err;
    steps.append(h('li', {}, errorBox(err, 'The story stopped')));
  } finally {
    btn.disabled = false;
    await refreshKeys();
  }
}

async function reopenAll() {
  const results = new Map();
  for (const b of state.blobs) {
    if (!b.keyVersionId) continue;
    try {
      const r = await call('AdvanceDecrypt', { CiphertextBlob: b.blob, Aad: b.aad });
      results.set(b.n, { ok: true, version: r.KeyVersionId });
    } catch (err) {
      if (!(err instanceof Failure)) throw err;
      results.set(b.n, { ok: false, error: `${err.body.StatusCode} ${err.body.ErrorCode}` });
    }
  }
  renderBlobs(results);
}

function renderBlobs(results) {
  const advance = state.blobs.filter((b) => b.keyVersionId);
  $('#story-reopen').disabled = advance.length === 0;
  if (advance.length === 0) {
    $('#story-blobs').replaceChildren(h('p', { class: 'muted' }, 'None yet: run the story or AdvanceEncrypt something.'));
    return;
  }
  $('#story-blobs').replaceChildren(h('table', { 'aria-label': 'Advance blobs of this session' },
    h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, 'Made by'), h('th', {}, 'Version named in the blob'), h('th', {}, 'Current primary'), h('th', {}, 'Opened again with'))),
    h('tbody', {}, advance.map((b) => {
      const key = findKey(b.keyId);
      const r = results.get(b.n);
      return h('tr', {}, h('td', {}, String(b.n)), h('td', {}, b.api), h('td', { class: 'mono' }, b.keyVersionId),
        h('td', { class: 'mono' }, key ? (key.PrimaryKeyVersionId === b.keyVersionId ? 'the same' : key.PrimaryKeyVersionId) : 'key gone'),
        h('td', { class: 'mono' }, !r ? '—' : r.ok ? [r.version, check(r.version === b.keyVersionId)] : h('span', { class: 'bad' }, r.error)));
    }))));
}
