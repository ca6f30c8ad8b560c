// DOM helpers. Every piece of text goes in through textContent (or an
// attribute), never through innerHTML, so data from customers and the API is
// always shown as text.

// h('button', {class: 'x', onclick: fn, 'aria-label': '…'}, 'text', child…)
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'class') {
      el.className = v;
    } else if (k === 'dataset') {
      Object.assign(el.dataset, v);
    } else if (k === 'value') {
      el.value = v;
    } else if (k === 'checked' || k === 'disabled' || k === 'hidden' || k === 'selected') {
      el[k] = Boolean(v);
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// Replaces the children of `el`.
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

// A page of its own (bench, dashboard, self-check): a section with the
// classes `admin-page ${cls}`, the heading `title` (id `${id}-title`,
// focusable so that opening the page can put the focus there), then `parts`.
export function pageSection(id, cls, title, ...parts) {
  return h('section', { class: `admin-page ${cls}`, 'aria-labelledby': `${id}-title` }, h('h1', { id: `${id}-title`, tabindex: '-1' }, title), parts);
}

// The layout of the list pages (approvals, posts): on the left the title
// (`${name}-title`), the filter form and then `parts` (count, list, "Load
// more"); on the right `pane`, the opened entry. Replaces what `main` shows.
export function listLayout(main, { name, title, filters }, parts, pane) {
  replace(
    main,
    h(
      'aside',
      { class: 'inbox', 'aria-labelledby': `${name}-title` },
      h('h1', { id: `${name}-title`, class: 'pane-title' }, title),
      h('form', { class: 'filters', role: 'search', onsubmit: (e) => e.preventDefault() }, filters),
      parts,
    ),
    pane,
  );
}

// A labelled control on one line (filters, options).
export function inlineField(id, label, control) {
  return h('div', { class: 'field inline' }, h('label', { for: id }, label), control);
}

// True when the key event happened in a text field (shortcuts stay off there).
export function inTextField(ev) {
  const t = ev.target;
  if (!(t instanceof HTMLElement)) return false;
  return t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName);
}

// Announces a message to screen readers and shows it in the status line for
// a few seconds (errors and warnings longer).
let statusTimer = 0;
export function announce(text, kind = 'info') {
  const el = document.getElementById('status');
  if (!el) return;
  el.className = `status status-${kind}`;
  el.textContent = text;
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => {
    if (el.textContent === text) el.textContent = '';
  }, kind === 'info' ? 5000 : 10000);
}
