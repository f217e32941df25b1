// The Store view: what is kept in this browser, export to a file, import
// from one, and a reset that asks first.

import { $, confirmDialog, h, toast } from './dom.js';
import { exportStore, importStore, onKeysChanged, resetStore, state, storeSize } from './kms.js';

function msg(node) { $('#store-msg').replaceChildren(node); }

export function initStorage() {
  onKeysChanged(() => {
    $('#store-info').textContent = `${state.keys.length} key${state.keys.length === 1 ? '' : 's'} and ${state.aliases.length} alias${state.aliases.length === 1 ? '' : 'es'} (${storeSize()} records) are kept in this browser's IndexedDB, sealed with a non-extractable WebCrypto key; they survive a reload.`;
  });

  $('#store-export').addEventListener('click', () => {
    const data = exportStore();
    const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
    const a = h('a', { href: URL.createObjectURL(blob), download: `pocketkms-store-${new Date().toISOString().slice(0, 10)}.json` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    msg(h('p', { class: 'ok' }, `Exported ${Object.keys(data.records).length} records.`));
  });

  $('#store-import').addEventListener('change', async (e) => {
    const file = e.target.files[0];
    e.target.value = '';
    if (!file) return;
    let data;
    try {
      data = JSON.parse(await file.text());
    } catch (err) {
      msg(h('p', { class: 'input-error', role: 'alert' }, `${file.name} is not JSON: ${err.message}. Nothing was changed.`));
      return;
    }
    if (!(await confirmDialog('Replace the store?', `Importing ${file.name} replaces every key and alias in this browser with the file's.`, 'Replace'))) return;
    try {
      const n = await importStore(data);
      msg(h('p', { class: 'ok' }, `Imported ${file.name}: ${n} records written.`));
      toast('Store imported');
    } catch (err) {
      msg(h('p', { class: 'input-error', role: 'alert' }, `Import refused: ${err.message}. Nothing was changed.`));
    }
  });

  $('#store-reset').addEventListener('click', async () => {
    if (!(await confirmDialog('Delete every key?', `This deletes all ${state.keys.length} keys and their aliases from this browser. Blobs made with them can never be opened again (export first if unsure).`, 'Delete everything'))) {
      msg(h('p', { class: 'muted' }, 'Reset cancelled: nothing was deleted.'));
      return;
    }
    await resetStore();
    msg(h('p', { class: 'ok' }, 'The store is empty.'));
    toast('Store reset');
  });
}
