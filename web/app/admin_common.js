// Shared pieces of the administration pages (and the channels page): the
// page frame and AdminSection (error box, loading the list, actions with a
// confirmation), error boxes, form cards that disable themselves while the
// request runs, modal dialogs and the confirmation dialog, the box that shows
// a secret exactly once, and generated one-time passwords.
import { get } from './api.js';
import { h, replace, announce } from './dom.js';
import { t } from './i18n.js';

export const ROLES = ['admin', 'compliance', 'approver', 'publisher', 'agent', 'advocate'];

export function errorBox(id) {
  return h('p', { class: 'error', role: 'alert', id, hidden: true });
}

// Shows the server's message; a JSON pointer (e.g. "/name") is named too.
export function showError(box, e) {
  box.hidden = false;
  box.textContent = e && e.pointer ? `${e.message} (${e.pointer})` : String((e && e.message) || e);
}

// Runs `fn` on submit with the form's buttons disabled; errors go to `box`.
export function onSubmit(form, box, fn) {
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    box.hidden = true;
    const buttons = [...form.querySelectorAll('button')];
    buttons.forEach((b) => (b.disabled = true));
    try {
      await fn(ev);
    } catch (e) {
      showError(box, e);
    } finally {
      buttons.forEach((b) => (b.disabled = false));
    }
  });
}

export function field(id, label, input, hint) {
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    input,
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
  );
}

// A group of checkboxes with a legend; `checked(value)` says which are on.
export function checkboxes(name, legend, values, label, checked = () => false) {
  return h(
    'fieldset',
    { class: 'checks', id: `${name}-set` },
    h('legend', {}, legend),
    values.map((v) =>
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name, value: v, checked: checked(v) }), ' ', label(v)),
    ),
  );
}

export function checkedValues(root, name) {
  return [...root.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);
}

// A modal dialog, shown at once and removed from the page when it closes
// (Esc closes it); `onClose(dialog)` runs first.
export function modal(attrs, children, onClose) {
  const d = h('dialog', attrs, children);
  d.addEventListener('close', () => {
    if (onClose) onClose(d);
    d.remove();
  });
  document.body.append(d);
  d.showModal();
  return d;
}

// A modal question with OK and Cancel; resolves true on OK. Esc cancels.
export function confirmDialog(question, okLabel) {
  return new Promise((resolve) => {
    modal(
      { class: 'confirm', 'aria-labelledby': 'confirm-text' },
      [
        h('p', { id: 'confirm-text' }, question),
        h(
          'form',
          { method: 'dialog', class: 'row' },
          h('button', { type: 'submit', class: 'primary', value: 'ok', id: 'confirm-ok' }, okLabel || t('admin.confirm')),
          h('button', { type: 'submit', class: 'secondary', value: 'cancel', id: 'confirm-cancel' }, t('cancel')),
        ),
      ],
      (d) => resolve(d.returnValue === 'ok'),
    );
  });
}

// A form of its own on the page: a card with the heading `${id}-title`.
export function formCard(id, title, ...children) {
  return h('form', { id, class: 'card admin-form', 'aria-labelledby': `${id}-title` }, h('h2', { id: `${id}-title` }, title), children);
}

// The frame of an administration page in `root`: the heading
// (`${name}-title`; `focusable` gives it tabindex -1) with a reload button
// when `onReload` is given and the `buttons`, the help line, then `parts`.
export function pageFrame(root, { name, title, help, onReload, reloadId, focusable, buttons }, ...parts) {
  replace(
    root,
    h(
      'section',
      { class: 'admin-page', 'aria-labelledby': `${name}-title` },
      h(
        'div',
        { class: 'row' },
        h('h1', { id: `${name}-title`, tabindex: focusable ? '-1' : null }, title),
        onReload ? h('button', { type: 'button', class: 'secondary small', id: reloadId, onclick: onReload }, t('channels.reload')) : null,
        buttons,
      ),
      h('p', { class: 'hint' }, help),
      parts,
    ),
  );
}

// What the page objects of the administration share: the page's error box
// (`err`), destroy() (answers arriving after it are dropped), no keys of
// their own, loading the list and running an action on it. A subclass has
// load(), which shows the list.
export class AdminSection {
  constructor(me, errId) {
    this.me = me;
    this.err = errorBox(errId);
  }

  destroy() {
    this.closed = true;
  }

  onKey() {}

  // GET `path` for the list: the answer, or null when it failed (the error
  // box says why) or the page was left meanwhile.
  async fetchList(path) {
    let r;
    try {
      r = await get(path);
    } catch (e) {
      showError(this.err, e);
      return null;
    }
    if (this.closed) return null;
    this.err.hidden = true;
    return r;
  }

  // Loads `path` and shows its list `key` in `this.list` as a table (rows by
  // `row(item)`; `empty`, the placeholder for none, as in tableOr()).
  // Resolves with the items, or null when nothing was shown.
  async loadTable(path, key, { empty, caption, heads, row, id }) {
    const r = await this.fetchList(path);
    if (!r) return null;
    const items = r[key] || [];
    replace(this.list, tableOr(empty, caption, heads, items.map(row), id));
    return items;
  }

  // Shows a secret once (secretOnce()) in `this.secretSlot`, in place of
  // the one shown before, and moves the focus there.
  showSecret(id, title, value, help) {
    const box = secretOnce(id, title, value, help);
    replace(this.secretSlot, box);
    box.focus();
  }

  // Runs the action `fn`, then announces `done` (a text, or a function of
  // the answer) or shows the error in the error box and the status line;
  // the list is loaded again either way.
  async run(fn, done) {
    this.err.hidden = true;
    try {
      const r = await fn();
      announce(typeof done === 'function' ? done(r || {}) : done);
    } catch (e) {
      showError(this.err, e);
      announce(e.message, 'error');
    }
    await this.load();
  }

  // run() after a yes to `question` (the OK button says `okLabel`).
  async confirmRun(question, okLabel, fn, done) {
    if (!(await confirmDialog(question, okLabel))) return;
    await this.run(fn, done);
  }
}

// Shows a secret (password, token) once with a copy button; nothing keeps it
// after the box is closed.
export function secretOnce(id, title, value, help) {
  const box = h(
    'section',
    { class: 'secret-once', id, 'aria-labelledby': `${id}-title`, tabindex: '-1' },
    h('h3', { id: `${id}-title` }, title),
    h('p', { class: 'hint' }, help || t('admin.shown_once')),
    h('p', { class: 'secret', 'data-secret': value }, h('code', { class: 'secret-value' }, value)),
    h(
      'div',
      { class: 'row' },
      h(
        'button',
        {
          type: 'button',
          class: 'secondary small',
          onclick: async (ev) => {
            try {
              await navigator.clipboard.writeText(value);
              ev.target.textContent = t('admin.copied');
            } catch {
              ev.target.textContent = t('admin.copy_failed');
            }
          },
        },
        t('admin.copy'),
      ),
      h('button', { type: 'button', class: 'secondary small secret-close', onclick: () => box.remove() }, t('admin.secret_done')),
    ),
  );
  return box;
}

// A one-time password from the browser's CSPRNG: 20 characters in groups of
// four, without look-alike characters.
export function oneTimePassword() {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY34679';
  const out = [];
  const bytes = new Uint8Array(64);
  while (out.length < 20) {
    crypto.getRandomValues(bytes);
    for (const b of bytes) {
      // rejection sampling keeps the choice uniform
      if (b < 256 - (256 % alphabet.length) && out.length < 20) out.push(alphabet[b % alphabet.length]);
    }
  }
  return out.join('').replace(/(.{4})(?!$)/g, '$1-');
}

// `rows` as a table, or the placeholder text `empty` when there are none
// (without `empty` an empty table is shown).
export function tableOr(empty, caption, heads, rows, id) {
  return rows.length || !empty ? table(caption, heads, rows, id) : h('p', { class: 'placeholder' }, empty);
}

export function table(caption, heads, rows, id) {
  return h(
    'table',
    { class: 'admin-table', id },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, heads.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows),
  );
}
