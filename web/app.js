// pocketkms playground entry: renders at once, boots the module in the
// background with visible progress, then enables the controls.

import { $, $$, h } from './dom.js';
import { boot } from './kms.js';
import { focusKey, initKeys, onUseKey } from './keys.js';
import { initOps, onInspect, useKey } from './ops.js';
import { initInspector, inspectBytes, onGoToKey } from './inspector.js';
import { initStory } from './story.js';
import { initStorage } from './storage.js';
import { initSecrets } from './secrets.js';

const VIEWS = ['keys', 'ops', 'inspect', 'secrets', 'rotation', 'store'];

/** Shows the view named by the hash: #keys, #ops, ... or #keys/<KeyId>/<VersionId>. */
function route() {
  const [name, ...rest] = location.hash.slice(1).split('/');
  const view = VIEWS.includes(name) ? name : 'keys';
  for (const v of VIEWS) {
    $(`#view-${v}`).hidden = v !== view;
    const tab = $(`#tab-${v}`);
    if (v === view) tab.setAttribute('aria-current', 'page');
    else tab.removeAttribute('aria-current');
  }
  if (view === 'keys' && rest.length) requestAnimationFrame(() => focusKey(rest[0], rest[1]));
}

function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function progress({ phase, loaded, total }) {
  const bar = $('#boot-progress');
  const mb = (n) => (n / 1e6).toFixed(1);
  if (phase === 'download' && total) {
    bar.max = total;
    bar.value = loaded;
    $('#boot-text').textContent = `Downloading the module… ${mb(loaded)} of ${mb(total)} MB`;
  } else if (phase === 'download') {
    bar.removeAttribute('value');
    $('#boot-text').textContent = `Downloading the module… ${mb(loaded)} MB`;
  } else {
    bar.removeAttribute('value');
    $('#boot-text').textContent = 'Compiling and starting…';
  }
}

/**
 * The browser store keeps its records in memory and the last tab to save
 * wins (wasm/js/indexeddb.js), so say so when a second tab opens the page.
 */
function watchOtherTabs() {
  if (typeof BroadcastChannel !== 'function') return;
  const ch = new BroadcastChannel('pocketkms-playground');
  const warn = () => {
    if ($('#other-tab')) return;
    $('main').prepend(h('p', { id: 'other-tab', class: 'problem', role: 'alert' },
      h('strong', {}, 'The playground is open in another tab too. '),
      'Each tab works on its own copy of the keys and the last one to save wins: use one tab, and reload this one after changes elsewhere. ',
      h('button', { type: 'button', class: 'small', onclick: (e) => e.target.parentElement.remove() }, 'Dismiss')));
  };
  ch.onmessage = (e) => {
    if (e.data === 'hello') ch.postMessage('here');
    warn();
  };
  ch.postMessage('hello');
}

async function main() {
  watchOtherTabs();
  window.addEventListener('hashchange', route);
  route();
  initKeys();
  initOps();
  initInspector();
  initStory();
  initStorage();
  initSecrets();
  onUseKey((id) => { useKey(id); go('#ops'); });
  onInspect((blob) => { go('#inspect'); inspectBytes(blob, true); });
  onGoToKey((keyId, versionId) => go(`#keys/${keyId}/${versionId ?? ''}`));

  try {
    const { ms, info } = await boot(progress);
    const total = performance.now(); // since navigation start
    for (const el of $$('[disabled]')) {
      if (el.id !== 'story-reopen') el.disabled = false;
    }
    $('#boot').classList.add('ready');
    $('#boot-text').textContent = `Ready in ${Math.round(total)} ms`;
    $('#module-info').textContent = `: ${info.name} ${info.version}, module ABI ${info.abi}, ${info.operations.length} operations`;
    document.body.dataset.ready = String(Math.round(total));
    document.body.dataset.bootMs = String(Math.round(ms));
    route();
  } catch (err) {
    $('#boot').classList.add('failed');
    $('#boot-text').replaceChildren(h('span', { role: 'alert' }, `The module did not load: ${err.message}`));
    document.body.dataset.bootError = err.message;
  }
}

main();
