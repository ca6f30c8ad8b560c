// The own notifications in the header (e.g. a post waiting for one's
// approval): a button with the number of unread ones that opens the list
// (GET /api/v1/notifications), each linked to what it is about and marked
// read when opened or with *Mark read* (POST /api/v1/notifications/{id}/read).
// Refreshed on the `publish.notification` event of one's own stream.
import { get, post } from './api.js';
import { h, replace } from './dom.js';
import { t, fmtDate } from './i18n.js';
import { on } from './events.js';

let items = [];
let timer = 0;
let off = null;

// The header's button (with its list) — call once per header drawing.
export function notificationButton() {
  const count = h('span', { id: 'notif-count', class: 'badge count-badge', hidden: true });
  const button = h(
    'button',
    { type: 'button', class: 'link', id: 'notif-button', 'aria-haspopup': 'dialog', 'aria-controls': 'notif-dialog', onclick: openList },
    t('notif.button'),
    ' ',
    count,
  );
  paint();
  return [button, h('dialog', { id: 'notif-dialog', 'aria-labelledby': 'notif-title' })];
}

// Starts following the live event; returns nothing. Safe to call again.
export function watchNotifications() {
  if (!off) off = on('publish.notification', () => refreshNotifications());
  refreshNotifications();
}

export function stopNotifications() {
  if (off) off();
  off = null;
  items = [];
  clearTimeout(timer);
}

export function refreshNotifications() {
  clearTimeout(timer);
  timer = setTimeout(load, 150);
}

async function load() {
  try {
    items = (await get('/api/v1/notifications')).notifications || [];
  } catch {
    return;
  }
  paint();
  const d = document.getElementById('notif-dialog');
  if (d && d.open) fillList(d);
}

function unread() {
  return items.filter((n) => !n.read_at).length;
}

function paint() {
  queueMicrotask(() => {
    const el = document.getElementById('notif-count');
    if (!el) return;
    const n = unread();
    el.hidden = n === 0;
    el.textContent = String(n);
    const label = t('notif.unread', { n });
    el.title = label;
    document.getElementById('notif-button')?.setAttribute('aria-label', `${t('notif.button')}: ${label}`);
  });
}

function target(n) {
  const d = n.detail || {};
  if (d.approval_id || /^approval:\d+$/.test(n.subject || '')) return `#/approvals/${d.approval_id || n.subject.split(':')[1]}`;
  if (d.post_id) return `#/posts/${d.post_id}`;
  return '';
}

function text(n) {
  const d = n.detail || {};
  const key = `notif.kind.${n.kind}`;
  const s = t(key, { title: d.title || d.post_title || '', author: d.author || '' });
  return s === key ? n.kind : s;
}

async function markRead(n) {
  if (n.read_at) return;
  try {
    await post(`/api/v1/notifications/${n.id}/read`);
    n.read_at = new Date().toISOString();
  } catch {
    return;
  }
  paint();
}

function fillList(d) {
  const list = items.length
    ? h(
        'ul',
        { id: 'notif-list', class: 'notif-list' },
        items.map((n) => {
          const href = target(n);
          return h(
            'li',
            { class: n.read_at ? 'read' : 'unread', dataset: { id: String(n.id), kind: n.kind } },
            href ? h('a', { href, onclick: () => (markRead(n), d.close()) }, text(n)) : h('span', {}, text(n)),
            ' ',
            h('time', { class: 'hint', datetime: n.created_at }, fmtDate(n.created_at)),
            n.read_at
              ? null
              : h(
                  'button',
                  {
                    type: 'button',
                    class: 'link small mark-read',
                    onclick: async () => {
                      await markRead(n);
                      fillList(d);
                    },
                  },
                  t('notif.mark_read'),
                ),
          );
        }),
      )
    : h('p', { class: 'hint' }, t('notif.none'));
  replace(d, h('h2', { id: 'notif-title' }, t('notif.title')), list, h('form', { method: 'dialog' }, h('button', { type: 'submit', class: 'primary' }, t('close'))));
}

function openList() {
  const d = document.getElementById('notif-dialog');
  if (!d) return;
  fillList(d);
  if (!d.open) d.showModal();
  load();
}
