// The desk: the inbox list with filters (state, assignee, channel, team,
// priority, response due) on the left, the open conversation on
// the right; live updates from the server's event stream; j/k/Enter/Esc.
import { get } from './api.js';
import { on } from './events.js';
import { h, replace, announce } from './dom.js';
import { t, fmtDate, fmtRelative } from './i18n.js';
import { ConversationView } from './conversation.js';

const STATES = ['new', 'open', 'pending_customer', 'resolved'];
const SLA_DUE_MINUTES = [30, 60, 240];
const LIVE_EVENTS = [
  'desk.message', 'desk.conversation', 'desk.reply', 'desk.sent', 'desk.send_failed',
  'desk.assigned', 'desk.released', 'desk.note', 'desk.sla', 'desk.presence',
];

function loadJson(key, fallback) {
  try {
    return JSON.parse(localStorage.getItem(key)) ?? fallback;
  } catch {
    return fallback;
  }
}

export class Desk {
  constructor(main, me) {
    this.me = me;
    this.filters = loadJson('lp.filters', { state: '', channel: '', team: '', assignee: '', priority: '', sla_due: '' });
    this.seen = loadJson(`lp.seen.${me.username}`, {});
    this.rows = [];
    this.next = null;
    this.selected = -1;
    this.channels = new Map();
    this.teams = [];
    this.openId = 0;
    this.reloadTimer = 0;

    this.list = h('ul', { id: 'inbox-list', class: 'inbox-list', role: 'listbox', 'aria-label': t('inbox.list'), tabindex: '0' });
    this.list.addEventListener('focus', () => {
      if (this.selected < 0 && this.rows.length) this.select(0);
    });
    this.more = h('button', { type: 'button', class: 'secondary more', hidden: true, onclick: () => this.load(true) }, t('inbox.more'));
    this.count = h('p', { class: 'count', 'aria-live': 'polite' });
    this.filterBar = h('form', { class: 'filters', role: 'search', 'aria-label': t('inbox.filters'), onsubmit: (e) => e.preventDefault() });
    this.pane = h('section', { id: 'conversation', class: 'conversation-pane', 'aria-label': t('conv.label') });
    this.view = new ConversationView(this.pane, me, this);
    replace(
      main,
      h('aside', { class: 'inbox', 'aria-labelledby': 'inbox-title' }, h('h1', { id: 'inbox-title', class: 'pane-title' }, t('nav.inbox')), this.filterBar, this.count, this.list, this.more),
      this.pane,
    );
    this.main = main;
    this.onHash = () => this.route();
    window.addEventListener('hashchange', this.onHash);
    this.renderFilters();
    this.init();
  }

  async init() {
    try {
      const ch = await get('/api/v1/desk/channels');
      for (const c of ch.channels || []) this.channels.set(c.id, c);
    } catch {
      // channel names fall back to their kind
    }
    if (this.me.permissions.includes('teams:read')) {
      try {
        this.teams = (await get('/api/v1/teams')).teams || [];
      } catch {
        this.teams = [];
      }
    }
    this.renderFilters();
    await this.load(false);
    this.connect();
    this.route();
  }

  destroy() {
    this.closed = true;
    window.removeEventListener('hashchange', this.onHash);
    for (const off of this.unsubscribe || []) off();
    this.view.close();
    clearTimeout(this.reloadTimer);
  }

  // --- filters ---------------------------------------------------------------
  renderFilters() {
    const sel = (id, label, options, value) =>
      h(
        'div',
        { class: 'field inline' },
        h('label', { for: id }, label),
        h(
          'select',
          { id, onchange: (e) => this.setFilter(id.replace('filter-', ''), e.target.value) },
          options.map(([v, text]) => h('option', { value: v, selected: String(v) === String(value) }, text)),
        ),
      );
    const f = this.filters;
    replace(
      this.filterBar,
      sel('filter-state', t('filter.state'), [['', t('filter.any')], ...STATES.map((s) => [s, t(`state.${s}`)])], f.state),
      sel('filter-assignee', t('filter.assignee'), [['', t('filter.anyone')], ['me', t('filter.me')], ['none', t('filter.unassigned')]], f.assignee),
      sel('filter-channel', t('filter.channel'), [['', t('filter.any')], ...[...this.channels.values()].map((c) => [c.id, c.name])], f.channel),
      this.teams.length ? sel('filter-team', t('filter.team'), [['', t('filter.any')], ...this.teams.map((tm) => [tm.id, tm.name])], f.team) : null,
      sel('filter-priority', t('filter.priority'), [['', t('filter.any')], ['urgent', t('priority.2')], ['high,urgent', t('filter.prio_high_urgent')], ['high', t('priority.1')], ['normal', t('priority.0')]], f.priority),
      // "Response due": the running first/next-response target's due time
      // by the SLA clock (GET …/conversations?sla_due=overdue|<minutes>).
      sel('filter-sla_due', t('filter.sla_due'), [['', t('filter.any')], ['overdue', t('filter.overdue')], ...SLA_DUE_MINUTES.map((n) => [String(n), t('filter.due_within', { n })])], f.sla_due),
    );
  }

  setFilter(name, value) {
    this.filters[name] = value;
    localStorage.setItem('lp.filters', JSON.stringify(this.filters));
    this.selected = -1;
    this.load(false);
  }

  query(before) {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(this.filters)) if (v) p.set(k, v);
    if (before) p.set('before', before);
    return `/api/v1/desk/conversations?${p}`;
  }

  // --- list ------------------------------------------------------------------
  async load(append) {
    let r;
    try {
      r = await get(this.query(append ? this.next : ''));
    } catch (e) {
      announce(e.message, 'error');
      return;
    }
    const selectedId = this.rows[this.selected]?.id;
    this.rows = append ? this.rows.concat(r.conversations) : r.conversations;
    this.next = r.next || null;
    this.more.hidden = !this.next;
    this.renderList();
    const idx = this.rows.findIndex((c) => c.id === selectedId);
    this.select(idx >= 0 ? idx : Math.min(this.selected, this.rows.length - 1), false);
  }

  // Live: many events arrive in bursts, one reload covers them.
  scheduleReload() {
    clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => this.load(false), 250);
  }

  isUnread(c) {
    if (c.id === this.openId) return false;
    const seen = this.seen[c.id];
    return seen === undefined ? c.state !== 'resolved' : c.last_message_ms > seen;
  }

  markSeen(c) {
    this.seen[c.id] = c.last_message_ms;
    localStorage.setItem(`lp.seen.${this.me.username}`, JSON.stringify(this.seen));
  }

  channelName(c) {
    return this.channels.get(c.channel_id)?.name || c.channel_kind || '';
  }

  renderList() {
    this.count.textContent = t('inbox.count', { n: this.rows.length });
    const items = this.rows.map((c, i) => {
      const unread = this.isUnread(c);
      const badges = h('span', { class: 'badges' });
      if (unread) badges.append(h('span', { class: 'badge unread' }, t('badge.unread')));
      badges.append(h('span', { class: `badge state-${c.state}` }, t(`state.${c.state}`)));
      if (c.public) badges.append(h('span', { class: 'badge public' }, t('badge.public')));
      if (c.priority > 0) badges.append(h('span', { class: `badge prio-${c.priority}` }, t(`priority.${c.priority}`)));
      if (c.waiting_since && !c.first_response_at && c.state !== 'resolved') {
        const waited = Date.now() - new Date(c.waiting_since).getTime();
        badges.append(h('span', { class: `badge sla ${waited > 3600000 ? 'sla-late' : ''}`, title: t('badge.waiting_title') }, t('badge.waiting', { ago: fmtRelative(-waited) })));
      }
      if (c.assignee_id === this.me.id) badges.append(h('span', { class: 'badge mine' }, t('badge.mine')));
      const li = h(
        'li',
        {
          id: `conv-${c.id}`,
          role: 'option',
          class: `inbox-item${unread ? ' is-unread' : ''}${c.id === this.openId ? ' is-open' : ''}`,
          'aria-selected': i === this.selected ? 'true' : 'false',
          dataset: { id: c.id, public: c.public ? '1' : '0' },
          onclick: () => {
            this.select(i);
            this.open(c.id);
          },
        },
        h('div', { class: 'line1' }, h('span', { class: 'name' }, c.contact_name || t('conv.unknown')), h('time', { datetime: c.last_message_at }, fmtDate(c.last_message_at))),
        h('div', { class: 'line2' }, h('span', { class: 'channel' }, this.channelName(c)), badges),
        h('p', { class: 'preview' }, c.preview || c.subject || ''),
      );
      return li;
    });
    replace(this.list, items.length ? items : h('li', { class: 'empty' }, t('inbox.empty')));
  }

  select(i, focus = true) {
    if (i < 0 || i >= this.rows.length) {
      this.selected = -1;
      this.list.removeAttribute('aria-activedescendant');
      return;
    }
    this.selected = i;
    this.list.querySelectorAll('[role=option]').forEach((el, j) => el.setAttribute('aria-selected', j === i ? 'true' : 'false'));
    const el = this.list.querySelector(`#conv-${this.rows[i].id}`);
    this.list.setAttribute('aria-activedescendant', `conv-${this.rows[i].id}`);
    if (el) el.scrollIntoView({ block: 'nearest' });
    if (focus && document.activeElement !== this.list) this.list.focus({ preventScroll: true });
  }

  open(id) {
    location.hash = `#/c/${id}`;
  }

  route() {
    const m = /^#\/c\/(\d+)$/.exec(location.hash);
    const id = m ? Number(m[1]) : 0;
    this.main.classList.toggle('has-open', id !== 0);
    if (id === this.openId) return;
    this.openId = id;
    if (id) {
      const idx = this.rows.findIndex((c) => c.id === id);
      if (idx >= 0) {
        this.selected = idx;
        this.markSeen(this.rows[idx]);
      }
      this.view.open(id);
    } else {
      this.view.close();
    }
    this.renderList();
  }

  // Called by the conversation view after it loaded, so "unread" follows.
  conversationLoaded(c) {
    this.markSeen({ id: c.id, last_message_ms: c.last_message_ms });
  }

  // --- keyboard --------------------------------------------------------------
  onKey(ev) {
    const k = ev.key;
    if (k === 'j' || k === 'ArrowDown' && document.activeElement === this.list) {
      ev.preventDefault();
      this.select(Math.min(this.selected + 1, this.rows.length - 1));
    } else if (k === 'k' || k === 'ArrowUp' && document.activeElement === this.list) {
      ev.preventDefault();
      this.select(Math.max(this.selected - 1, 0));
    } else if (k === 'Enter' && (document.activeElement === this.list || document.activeElement === document.body)) {
      if (this.selected >= 0) {
        ev.preventDefault();
        this.open(this.rows[this.selected].id);
        this.view.focusWhenLoaded = true;
      }
    } else if (k === 'Escape') {
      if (this.openId) {
        ev.preventDefault();
        location.hash = '#/inbox';
        this.list.focus();
      }
    } else if (k === 'r' && this.openId) {
      ev.preventDefault();
      this.view.focusComposer();
    } else if (k === 'n' && this.openId) {
      ev.preventDefault();
      this.view.focusNote();
    }
  }

  // --- live updates ----------------------------------------------------------
  connect() {
    if (this.closed) return;
    const onEvent = (data, type) => {
      if (type === 'desk.presence') {
        if (data.conversation_id === this.openId) this.view.showViewers(data.viewers || []);
        return;
      }
      this.scheduleReload();
      if (data.conversation_id && data.conversation_id === this.openId) this.view.scheduleRefresh();
    };
    this.unsubscribe = LIVE_EVENTS.map((name) => on(name, onEvent));
  }
}
