// The Secrets tab: create a secret, put versions, move stages, read by
// stage or version, rotate managed secrets, delete and restore; each
// secret's versions drawn as a timeline with their stages. Every action is
// one engine operation through kms.js, as `pocketkms secret ...` runs it.

import { $, h, toast } from './dom.js';
import { call, errorBox, onKeysChanged, state } from './kms.js';

const MANAGED_EXAMPLE = {
  Rds: '{"AccountName":"app","AccountPassword":"change-me"}',
  Redis: '{"AccountName":"app","AccountPassword":"change-me"}',
  PolarDB: '{"AccountName":"app","AccountPassword":"change-me"}',
  RAMCredentials: '{"AccessKeyId":"LTAI0000","AccessKeySecret":"change-me"}',
  ECS: '{"UserName":"root","Password":"change-me"}',
};

/** Runs an operation; shows a failure in the secret's card (or the form) instead of throwing. */
async function run(where, api, request) {
  where.replaceChildren();
  try {
    return await call(api, request);
  } catch (f) {
    if (!f.body) throw f;
    where.append(errorBox(f, `${api} failed`));
    return null;
  }
}

async function refresh() {
  const list = $('#secret-list');
  const { SecretList = [] } = await call('ListSecrets', { PageSize: 100, FetchTags: true });
  $('#secrets-empty').hidden = SecretList.length > 0;
  const cards = await Promise.all(SecretList.map(async (s) => {
    const { VersionIds = [] } = await call('ListSecretVersionIds', { SecretName: s.SecretName, IncludeDeprecated: true, PageSize: 100 });
    return secretCard(s, VersionIds);
  }));
  list.replaceChildren(...cards);
}

/** The version history: one node per version, oldest first, with its stages. */
function timeline(versions) {
  return h('ol', { class: 'timeline', 'aria-label': 'Versions, oldest first' },
    versions.map((v) => h('li', { dataset: { versionId: v.VersionId }, class: (v.VersionStages ?? []).length ? '' : 'deprecated' },
      h('code', {}, v.VersionId),
      h('span', { class: 'muted small' }, ` ${v.CreateTime ?? ''} · ${v.SecretDataType ?? 'text'}`),
      h('div', {}, (v.VersionStages ?? []).map((st) => h('span', { class: `badge stage ${st}` }, st))))));
}

function secretCard(s, versions) {
  const name = s.SecretName;
  const id = name.replace(/[^A-Za-z0-9]/g, '_');
  const out = h('div', { class: 'secret-out', 'aria-live': 'polite' });
  const managed = s.SecretType !== 'Generic';
  const pending = Boolean(s.PlannedDeleteTime);
  const field = (label, key, attrs = {}) => h('label', {}, label, h('input', { id: `${key}-${id}`, autocomplete: 'off', ...attrs }));
  const val = (key) => $(`#${key}-${id}`).value.trim();

  const read = async (req) => {
    const r = await run(out, 'GetSecretValue', { SecretName: name, FetchExtendedConfig: true, ...req });
    if (r) out.append(h('div', { class: 'resp secret-value' },
      h('p', {}, h('b', {}, r.VersionId), ' ', (r.VersionStages ?? []).map((st) => h('span', { class: 'badge stage' }, st))),
      h('pre', { dataset: { field: 'SecretData' } }, r.SecretData),
      r.ExtendedConfig ? h('pre', { class: 'muted' }, r.ExtendedConfig) : null));
  };
  const act = async (api, req, msg) => {
    if (await run(out, api, { SecretName: name, ...req })) {
      toast(msg);
      await refresh();
    }
  };

  return h('article', { class: 'card secret', dataset: { secretName: name } },
    h('header', { class: 'listhead' },
      h('h4', {}, h('code', {}, name), ' ', h('span', { class: 'badge' }, s.SecretType),
        pending ? h('span', { class: 'badge PendingDeletion' }, `deleted at ${s.PlannedDeleteTime}`) : null,
        s.AutomaticRotation === 'Enabled' ? h('span', { class: 'badge' }, `rotates every ${s.RotationInterval}, next ${s.NextRotationDate}`) : null),
      s.Description ? h('p', { class: 'muted' }, s.Description) : null),
    timeline(versions),
    pending
      ? h('div', { class: 'row buttons' },
        h('button', { type: 'button', 'aria-label': `Restore ${name}`, onclick: () => act('RestoreSecret', {}, `${name} restored`) }, 'Restore'))
      : [
        h('div', { class: 'row' },
          field('Stage', 'rs', { value: 'ACSCurrent' }), field('or version id', 'rv'),
          h('button', { type: 'button', 'aria-label': `Read ${name}`, onclick: () => read(val('rv') ? { VersionId: val('rv'), VersionStage: val('rs') === 'ACSCurrent' ? '' : val('rs') } : { VersionStage: val('rs') }) }, 'Read')),
        managed
          ? h('div', { class: 'row buttons' },
            h('button', { type: 'button', 'aria-label': `Rotate ${name}`, onclick: () => act('RotateSecret', {}, `${name} rotated`) }, 'Rotate: new credentials'))
          : [
            h('div', { class: 'row' },
              field('New value', 'pv', { type: 'password' }), field('Version id', 'pid', { placeholder: 'generated when empty' }),
              field('Stages', 'pst', { placeholder: 'ACSCurrent' }),
              h('button', { type: 'button', 'aria-label': `Put a version of ${name}`, onclick: () => act('PutSecretValue', {
                SecretData: val('pv'), VersionId: val('pid') || undefined, SecretDataType: s.SecretDataType,
                VersionStages: val('pst') ? val('pst').split(',').map((x) => x.trim()) : undefined,
              }, 'version added') }, 'Put')),
            h('div', { class: 'row' },
              field('Move stage', 'ms', { value: 'ACSCurrent' }), field('to version', 'mt'), field('from version', 'mf'),
              h('button', { type: 'button', 'aria-label': `Move a stage of ${name}`, onclick: () => act('UpdateSecretVersionStage', {
                VersionStage: val('ms'), MoveToVersion: val('mt') || undefined, RemoveFromVersion: val('mf') || undefined,
              }, 'stage moved') }, 'Move')),
          ],
        h('div', { class: 'row buttons' },
          h('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${name}`, onclick: () => act('DeleteSecret', { RecoveryWindowInDays: 7 }, `${name} deleted in 7 days`) }, 'Delete (7-day recovery window)')),
      ],
    out);
}

function keyChoices() {
  const sel = $('#cs-key');
  const cur = sel.value;
  const symmetric = state.keys.filter((k) => k.KeySpec.startsWith('Aliyun_') && k.KeyState === 'Enabled');
  sel.replaceChildren(h('option', { value: '' }, 'none'),
    ...symmetric.map((k) => h('option', { value: k.KeyId }, `${k.KeyId}${k.Description ? ` (${k.Description})` : ''}`)));
  sel.value = cur;
}

export function initSecrets() {
  // After boot, an import or a reset the key list reloads: so do the secrets.
  onKeysChanged(() => { keyChoices(); refresh().catch(() => {}); });
  $('#cs-type').addEventListener('change', (e) => {
    const ex = MANAGED_EXAMPLE[e.target.value];
    if (ex) $('#cs-value').value = ex;
  });
  $('#create-secret').addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    const req = {
      SecretName: f.get('SecretName').trim(), SecretData: f.get('SecretData'), SecretType: f.get('SecretType'),
      SecretDataType: f.get('Binary') ? 'binary' : 'text', VersionId: f.get('VersionId').trim() || undefined,
      EncryptionKeyId: f.get('EncryptionKeyId') || undefined, Description: f.get('Description') || undefined,
    };
    if (f.get('RotationInterval').trim()) Object.assign(req, { EnableAutomaticRotation: true, RotationInterval: f.get('RotationInterval').trim() });
    if (await run($('#create-secret-out'), 'CreateSecret', req)) {
      toast(`${req.SecretName} created`);
      $('#cs-value').value = '';
      await refresh();
    }
  });
  $('#refresh-secrets').addEventListener('click', refresh);
}
