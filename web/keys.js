// The Keys view: create and import keys, and one card per key with its
// versions, aliases and every management action.

import { $, confirmDialog, h, nextId, toast } from './dom.js';
import { ENCODINGS, InputError, parseBytes, pemText } from './codec.js';
import { call, errorBox, Failure, onKeysChanged, refreshKeys, state } from './kms.js';
import { setLastCall } from './snippets.js';

const SYMMETRIC_SIZES = { Aliyun_AES_256: 32, Aliyun_AES_192: 24, Aliyun_AES_128: 16, Aliyun_SM4: 16 };

let msgArea;

/** Shows the outcome of a management call above the key list. */
function report(node) {
  msgArea.replaceChildren(node ?? '');
  if (node) msgArea.scrollIntoView({ block: 'nearest' });
}

/** Runs one management call from a control; errors land in the message area. */
async function act(api, request, done) {
  try {
    const resp = await call(api, request);
    setLastCall(api, request);
    report(null);
    await refreshKeys();
    if (done) done(resp);
    return resp;
  } catch (err) {
    if (!(err instanceof Failure)) throw err;
    report(errorBox(err, `${api} failed`));
    await refreshKeys().catch(() => {});
    return null;
  }
}

const aliasName = (s) => {
  s = s.trim();
  return s === '' || s.startsWith('alias/') ? s : `alias/${s}`;
};

export function initKeys() {
  msgArea = h('div', { id: 'keys-msg', 'aria-live': 'polite' });
  $('#key-list').before(msgArea);

  // EC_P256 and EC_P256K keys only sign; the other asymmetric specs sign by default.
  $('#ck-spec').addEventListener('change', (e) => {
    if (!(e.target.value in SYMMETRIC_SIZES)) $('#ck-usage').value = 'SIGN/VERIFY';
  });
  $('#create-key').addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    const interval = f.RotationInterval.value.trim();
    const req = { KeySpec: f.KeySpec.value, KeyUsage: f.KeyUsage.value, Description: f.Description.value };
    if (interval) Object.assign(req, { EnableAutomaticRotation: true, RotationInterval: interval });
    const resp = await act('CreateKey', req);
    if (!resp) return;
    const id = resp.KeyMetadata.KeyId;
    const alias = aliasName(f.Alias.value);
    if (alias) await act('CreateAlias', { AliasName: alias, KeyId: id });
    toast(`Created ${id}`);
    e.target.reset();
    focusKey(id);
  });

  // Import: one row per version, material as hex or base64, or an
  // asymmetric key's PKCS#8 PEM text whatever the encoding says.
  const list = $('#ik-versions');
  const addVersion = (material = '', enc = 'hex') => {
    const idM = nextId('ikm');
    const li = h('li', { class: 'encfield ikv' },
      h('label', { for: idM }, 'Key material',
        h('input', { id: idM, class: 'ik-material mono', value: material, autocomplete: 'off', spellcheck: 'false', placeholder: 'empty: generated; PEM, hex or base64' })),
      h('label', {}, 'as', h('select', { class: 'ik-enc', 'aria-label': 'Key material encoding' },
        ENCODINGS.filter((x) => x !== 'text').map((x) => h('option', { selected: x === enc }, x)))),
      h('label', { class: 'fieldnote' }, 'Version id (optional)',
        h('input', { class: 'ik-vid mono', autocomplete: 'off', placeholder: '<key id>-<10 chars>' })),
      h('button', { type: 'button', class: 'small', onclick: () => li.remove(), 'aria-label': 'Remove this version' }, 'Remove'));
    list.append(li);
  };
  addVersion();
  $('#ik-add-version').addEventListener('click', () => addVersion());

  $('#import-key').addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    let versions;
    try {
      versions = [...list.children].map((li, i) => {
        const text = li.querySelector('.ik-material').value.trim();
        const v = {};
        const pem = pemText(text);
        if (pem) v.KeyMaterial = parseBytes(pem, 'text');
        else if (text) v.KeyMaterial = parseBytes(text, li.querySelector('.ik-enc').value, `Version ${i + 1} key material`);
        const vid = li.querySelector('.ik-vid').value.trim();
        if (vid) v.KeyVersionId = vid;
        return v;
      });
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      report(h('p', { class: 'input-error', role: 'alert' }, err.message));
      return;
    }
    const want = SYMMETRIC_SIZES[f.KeySpec.value];
    const req = { KeySpec: f.KeySpec.value, Description: f.Description.value, KeyState: f.KeyState.value, Versions: versions };
    if (f.KeyUsage.value) req.KeyUsage = f.KeyUsage.value;
    if (f.KeyId.value.trim()) req.KeyId = f.KeyId.value.trim();
    const alias = aliasName(f.Alias.value);
    if (alias) req.Aliases = [alias];
    if (f.RotationInterval.value.trim()) req.RotationInterval = f.RotationInterval.value.trim();
    const resp = await act('ImportKey', req);
    if (!resp) return;
    toast(`Imported ${resp.KeyMetadata.KeyId} (${want ? `${want * 8}-bit material` : `${req.KeySpec} key pair`})`);
    focusKey(resp.KeyMetadata.KeyId);
  });

  $('#refresh-keys').addEventListener('click', () => refreshKeys());
  onKeysChanged(render);
}

function render() {
  const box = $('#key-list');
  $('#keys-empty').hidden = state.keys.length > 0;
  box.replaceChildren(...state.keys.map(keyCard));
  updateChoices();
}

/** The datalist behind every KeyId input: key ids and aliases. */
function updateChoices() {
  let dl = document.getElementById('key-choices');
  if (!dl) {
    dl = h('datalist', { id: 'key-choices' });
    document.body.append(dl);
  }
  dl.replaceChildren(
    ...state.keys.map((k) => h('option', { value: k.KeyId }, `${k.KeySpec} · ${k.KeyState}${k.Description ? ` · ${k.Description}` : ''}`)),
    ...state.aliases.map((a) => h('option', { value: a.AliasName }, `→ ${a.KeyId}`)));
}

function keyCard(k) {
  const id = k.KeyId;
  const versions = state.versions.get(id) ?? [];
  const symmetric = k.KeySpec in SYMMETRIC_SIZES;
  const inputId = (p) => `${p}-${id}`;
  const rotation = k.AutomaticRotation === 'Disabled' || !k.AutomaticRotation
    ? 'Disabled'
    : `${k.AutomaticRotation}, every ${k.RotationInterval}${k.NextRotationDate ? `, next ${k.NextRotationDate}` : ''}`;

  const pending = k.KeyState === 'PendingDeletion';
  return h('article', { class: 'card key', id: `key-${id}`, dataset: { keyId: id }, 'aria-label': `Key ${id}` },
    h('header', {},
      h('h4', {}, id),
      h('span', { class: `badge ${k.KeyState}`, 'data-field': 'KeyState' }, k.KeyState),
      h('span', { class: 'badge' }, k.KeySpec),
      h('span', { class: 'badge' }, k.KeyUsage),
      k.Origin === 'EXTERNAL' ? h('span', { class: 'badge' }, 'imported') : null),
    h('div', { class: 'aliases' }, (k.Aliases ?? []).map((a) => h('span', { class: 'alias' }, a,
      h('button', { type: 'button', 'aria-label': `Delete alias ${a}`, title: `Delete alias ${a}`,
        onclick: () => act('DeleteAlias', { AliasName: a }) }, '×')))),
    h('dl', { class: 'meta' },
      k.Description ? [h('dt', {}, 'Description'), h('dd', {}, k.Description)] : null,
      h('dt', {}, 'Created'), h('dd', {}, k.CreationDate),
      h('dt', {}, 'Initial version'), h('dd', { class: 'mono', 'data-field': 'InitialKeyVersionId' }, k.InitialKeyVersionId),
      h('dt', {}, 'Primary version'), h('dd', { class: 'mono', 'data-field': 'PrimaryKeyVersionId' }, k.PrimaryKeyVersionId),
      h('dt', {}, 'Automatic rotation'), h('dd', { 'data-field': 'AutomaticRotation' }, rotation),
      k.LastRotationDate ? [h('dt', {}, 'Last rotation'), h('dd', {}, k.LastRotationDate)] : null,
      pending ? [h('dt', {}, 'Deleted on'), h('dd', { class: 'bad' }, k.DeleteDate)] : null),
    h('table', { class: 'versions-table', 'aria-label': `Versions of ${id}` },
      h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, 'Version id'), h('th', {}, 'Created'), h('th', {}, 'Role'))),
      h('tbody', {}, versions.map((v, i) => h('tr', { id: `ver-${v.KeyVersionId}`, dataset: { versionId: v.KeyVersionId } },
        h('td', {}, String(i + 1)), h('td', { class: 'mono' }, v.KeyVersionId), h('td', {}, v.CreationDate),
        h('td', {}, v.Initial ? h('span', { class: 'badge' }, 'initial') : null, ' ',
          v.Primary ? h('span', { class: 'badge primary-v' }, 'primary') : null))))),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'small', onclick: () => useKey(id), 'aria-label': `Use ${id} in the operations` }, 'Use in operations'),
      symmetric ? h('button', { type: 'button', class: 'small', 'aria-label': `Rotate ${id} now`,
        onclick: () => act('CreateKeyVersion', { KeyId: id }, () => toast(`Rotated ${id}`)) }, 'Rotate now') : null,
      k.KeyState === 'Enabled'
        ? h('button', { type: 'button', class: 'small', 'aria-label': `Disable ${id}`, onclick: () => act('DisableKey', { KeyId: id }) }, 'Disable')
        : k.KeyState === 'Disabled'
          ? h('button', { type: 'button', class: 'small', 'aria-label': `Enable ${id}`, onclick: () => act('EnableKey', { KeyId: id }) }, 'Enable')
          : null),
    symmetric ? h('div', { class: 'actions' },
      h('label', { for: inputId('rot'), class: 'grow' }, 'Automatic rotation interval',
        h('input', { id: inputId('rot'), value: k.RotationInterval ?? '', placeholder: '30d', autocomplete: 'off' })),
      h('button', { type: 'button', class: 'small', 'aria-label': `Set automatic rotation of ${id}`,
        onclick: () => act('UpdateRotationPolicy', { KeyId: id, EnableAutomaticRotation: true, RotationInterval: $(`#${CSS.escape(inputId('rot'))}`).value.trim() }) }, 'Set rotation'),
      h('button', { type: 'button', class: 'small', 'aria-label': `Clear automatic rotation of ${id}`,
        onclick: () => act('UpdateRotationPolicy', { KeyId: id, EnableAutomaticRotation: false }) }, 'Clear rotation')) : null,
    h('div', { class: 'actions' },
      h('label', { for: inputId('alias'), class: 'grow' }, 'Alias',
        h('input', { id: inputId('alias'), placeholder: 'alias/name', autocomplete: 'off' })),
      h('button', { type: 'button', class: 'small', 'aria-label': `Create alias for ${id}`,
        onclick: () => act('CreateAlias', { AliasName: aliasName($(`#${CSS.escape(inputId('alias'))}`).value), KeyId: id }) }, 'Create alias'),
      h('button', { type: 'button', class: 'small', 'aria-label': `Rebind an existing alias to ${id}`,
        onclick: () => act('UpdateAlias', { AliasName: aliasName($(`#${CSS.escape(inputId('alias'))}`).value), KeyId: id }) }, 'Rebind alias here')),
    h('div', { class: 'actions' },
      pending
        ? h('button', { type: 'button', class: 'small', 'aria-label': `Cancel deletion of ${id}`, onclick: () => act('CancelKeyDeletion', { KeyId: id }) }, 'Cancel deletion')
        : [h('label', { for: inputId('days'), class: 'grow' }, 'Pending window (days, 7–30)',
            h('input', { id: inputId('days'), type: 'number', min: '7', max: '30', value: '7' })),
          h('button', { type: 'button', class: 'small danger', 'aria-label': `Schedule deletion of ${id}`,
            onclick: async () => {
              const days = Number($(`#${CSS.escape(inputId('days'))}`).value);
              if (await confirmDialog('Schedule deletion?', `${id} will be deleted in ${days} days unless you cancel; until then it cannot be used.`, 'Schedule deletion')) {
                act('ScheduleKeyDeletion', { KeyId: id, PendingWindowInDays: days });
              }
            } }, 'Schedule deletion')]));
}

let useKeyHandler = () => {};
export const onUseKey = (fn) => { useKeyHandler = fn; };
function useKey(id) { useKeyHandler(id); }

/** Scrolls to a key (and a version row) and flashes it. */
export function focusKey(id, versionId) {
  const card = document.getElementById(`key-${id}`);
  if (!card) return false;
  const row = versionId ? document.getElementById(`ver-${versionId}`) : null;
  const target = row ?? card;
  target.scrollIntoView({ block: 'center' });
  target.classList.remove('flash');
  void target.offsetWidth; // restart the animation
  target.classList.add('flash');
  return true;
}
