// Tiny DOM helpers: no framework, just element creation, copy buttons and a
// status toast that screen readers announce.

/** h('div', {class: 'x', onclick}, child, 'text', [more]) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

let toastTimer;
export function toast(msg) {
  const t = document.getElementById('toast');
  t.textContent = msg;
  t.classList.add('show');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => t.classList.remove('show'), 1800);
}

/** A button that copies getText() to the clipboard; label names what it copies. */
export function copyButton(getText, label) {
  return h('button', {
    type: 'button', class: 'small copy', 'aria-label': `Copy ${label}`, title: `Copy ${label}`,
    onclick: async () => {
      const text = getText();
      try {
        await navigator.clipboard.writeText(text);
      } catch {
        // Clipboard API refused (insecure context, no permission): fall back.
        const ta = h('textarea', { style: 'position:fixed;opacity:0' }, text);
        document.body.append(ta);
        ta.select();
        document.execCommand('copy');
        ta.remove();
      }
      toast(`Copied ${label}`);
    },
  }, 'Copy');
}

/** Asks with the page's <dialog>; resolves true only on an explicit yes. */
export function confirmDialog(title, text, yes = 'Yes, do it') {
  const d = document.getElementById('confirm');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-ok').textContent = yes;
  d.returnValue = '';
  d.showModal();
  document.getElementById('confirm-cancel').focus();
  return new Promise((resolve) => d.addEventListener('close', () => resolve(d.returnValue === 'ok'), { once: true }));
}

let uid = 0;
export const nextId = (p = 'f') => `${p}-${++uid}`;
