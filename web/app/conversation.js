// One conversation: header (contact, channel, state, assignment, SLA), the
// thread, the contact card, internal notes, canned replies, who else is here,
// and the composer.
import { get, post, patch } from './api.js';
import { h, replace, announce } from './dom.js';
import { t, fmtDate, fmtRelative } from './i18n.js';
import { Composer } from './composer.js';

const HEARTBEAT_MS = 10000;
const STATES = ['new', 'open', 'pending_customer', 'resolved'];

export class ConversationView {
  constructor(pane, me, desk) {
    this.pane = pane;
    this.me = me;
    this.desk = desk;
    this.id = 0;
    this.conv = null;
    this.timer = 0;
    this.refreshTimer = 0;
    this.focusWhenLoaded = false;
    this.newestId = 0;
    this.highlightFrom = 0;
    this.empty();
  }

  empty() {
    replace(this.pane, h('p', { class: 'placeholder' }, t('conv.none')));
  }

  close() {
    this.id = 0;
    this.newestId = 0;
    this.highlightFrom = 0;
    this.conv = null;
    clearInterval(this.timer);
    clearTimeout(this.refreshTimer);
    if (this.composer) this.composer.destroy();
    this.composer = null;
    this.empty();
  }

  async open(id) {
    this.close();
    this.id = id;
    replace(this.pane, h('p', { class: 'placeholder', 'aria-busy': 'true' }, t('loading')));
    let c;
    try {
      c = await get(`/api/v1/desk/conversations/${id}`);
    } catch (e) {
      replace(this.pane, h('p', { class: 'error', role: 'alert' }, e.message));
      return;
    }
    if (this.id !== id) return;
    this.build(c);
    this.heartbeat();
    this.timer = setInterval(() => this.heartbeat(), HEARTBEAT_MS);
    if (this.focusWhenLoaded) {
      this.focusWhenLoaded = false;
      this.title.focus();
    }
  }

  build(c) {
    this.conv = c;
    this.title = h('h2', { id: 'conv-title', class: 'pane-title', tabindex: '-1' });
    this.meta = h('div', { class: 'conv-meta' });
    this.viewers = h('p', { id: 'viewers', class: 'viewers', 'aria-live': 'polite' });
    this.thread = h('ol', { id: 'thread', class: 'thread', 'aria-label': t('conv.thread') });
    this.contact = h('section', { class: 'card contact', 'aria-labelledby': 'contact-title' });
    this.canned = h('section', { class: 'card canned', 'aria-labelledby': 'canned-title' });
    this.composer = new Composer(this, this.me);
    const noteText = h('textarea', { id: 'note-text', rows: '2', 'aria-label': t('note.label'), placeholder: t('note.placeholder') });
    this.noteText = noteText;
    const noteForm = h(
      'form',
      { class: 'card note-form', 'aria-labelledby': 'note-title', onsubmit: (e) => this.addNote(e) },
      h('h3', { id: 'note-title' }, t('note.title')),
      noteText,
      h('button', { type: 'submit', class: 'secondary' }, t('note.add')),
    );
    replace(
      this.pane,
      h('header', { class: 'conv-header' }, h('a', { class: 'back', href: '#/inbox' }, t('conv.back')), this.title, this.meta, this.viewers),
      h(
        'div',
        { class: 'conv-body' },
        h('div', { class: 'conv-main' }, this.thread, this.composer.root),
        h('div', { class: 'conv-side' }, this.contact, this.canned, noteForm),
      ),
    );
    this.render(c);
    this.loadCanned(c);
  }

  render(c) {
    this.conv = c;
    this.title.textContent = c.contact?.name || c.subject || t('conv.unknown');
    const stateSel = h(
      'select',
      { id: 'conv-state', 'aria-label': t('conv.state'), onchange: (e) => this.change({ state: e.target.value, version: this.conv.version }) },
      STATES.map((s) => h('option', { value: s, selected: s === c.state }, t(`state.${s}`))),
    );
    const prioSel = h(
      'select',
      { id: 'conv-priority', 'aria-label': t('conv.priority'), onchange: (e) => this.change({ priority: Number(e.target.value) }) },
      [0, 1, 2].map((p) => h('option', { value: p, selected: p === c.priority }, t(`priority.${p}`))),
    );
    const mine = c.assignee_id === this.me.id;
    replace(
      this.meta,
      h('span', { class: 'badge' }, this.desk.channelName(c) || c.channel_kind || ''),
      h('span', { class: `badge ${c.public ? 'public' : 'private'}` }, c.public ? t('badge.public') : t('badge.private')),
      h('label', { class: 'visually-hidden', for: 'conv-state' }, t('conv.state')),
      stateSel,
      h('label', { class: 'visually-hidden', for: 'conv-priority' }, t('conv.priority')),
      prioSel,
      mine
        ? h('span', { class: 'badge mine' }, t('badge.mine'))
        : h('button', { type: 'button', class: 'secondary small', onclick: () => this.change({ assignee_id: this.me.id }) }, t('conv.take')),
      this.slaBadges(c.sla),
    );
    // Customer messages that arrive while a reply is being written are marked
    // (and announced): the reply may need to take them into account.
    const ids = (c.messages || []).map((m) => m.id);
    const newest = ids.length ? Math.max(...ids) : 0;
    const arrived = (c.messages || []).filter((m) => m.id > this.newestId && m.direction === 'inbound');
    if (this.newestId && arrived.length && this.composer.hasText()) {
      this.highlightFrom = Math.min(...arrived.map((m) => m.id));
      announce(t('conflict.announce', { n: arrived.length }), 'warn');
    } else if (!this.composer.hasText()) {
      this.highlightFrom = 0;
    }
    this.newestId = newest;
    this.renderThread(c, this.highlightFrom);
    this.renderContact(c);
    this.showViewers(c.viewers || []);
    this.composer.setConversation(c);
    this.desk.conversationLoaded(c);
  }

  slaBadges(sla) {
    if (!sla) return null;
    const out = [];
    for (const name of ['first_response', 'next_response', 'resolution']) {
      const s = sla[name];
      if (!s || !s.active) continue;
      let kind = 'sla-ok';
      if (s.breached) kind = 'sla-late';
      else if (s.warning) kind = 'sla-warn';
      const due = s.due_at ? fmtRelative(s.due_at - Date.now()) : '';
      const label = s.breached ? t('sla.breached', { target: t(`sla.${name}`) }) : t('sla.due', { target: t(`sla.${name}`), due });
      out.push(h('span', { class: `badge sla ${kind}`, title: s.due_at ? fmtDate(s.due_at) : '' }, label));
    }
    return out;
  }

  // Retention emptied the messages from before c.purged_at (author and text
  // gone): one note in their place instead of empty bubbles. Messages after
  // a reopen are shown as usual.
  purgedNote(c, count) {
    return h(
      'li',
      { class: 'msg msg-purged' },
      h(
        'article',
        { role: 'note', 'aria-label': t('conv.purged_label') },
        h('p', { class: 'hint' }, t('conv.purged', { date: fmtDate(c.purged_at) }), count ? ` (${t('conv.purged_count', { n: count })})` : ''),
      ),
    );
  }

  renderThread(c, highlightFrom = 0) {
    const emptied = (m) => c.purged_at && !m.author && !m.body && !m.subject && !m.attachments?.length;
    const items = [];
    let run = 0;
    const flush = () => {
      if (run) items.push(this.purgedNote(c, run));
      run = 0;
    };
    for (const m of c.messages || []) {
      if (emptied(m)) {
        run += 1;
        continue;
      }
      flush();
      items.push(this.messageItem(c, m, highlightFrom));
    }
    flush();
    if (c.purged_at && !items.some((li) => li.classList.contains('msg-purged'))) items.unshift(this.purgedNote(c, 0));
    replace(this.thread, items.length ? items : h('li', { class: 'empty' }, t('conv.no_messages')));
    const last = this.thread.lastElementChild;
    if (last) last.scrollIntoView({ block: 'nearest' });
  }

  messageItem(c, m, highlightFrom) {
    const who = m.direction === 'inbound' ? c.contact?.name || m.author : m.author.replace(/^user:/, '');
    const label = t(`dir.${m.direction}`);
    return h(
      'li',
      { class: `msg msg-${m.direction}${highlightFrom && m.id >= highlightFrom ? ' is-new' : ''}`, dataset: { id: m.id } },
      h(
        'article',
        { 'aria-label': `${label}: ${who}` },
        h('header', {}, h('span', { class: 'author' }, who), h('span', { class: 'dir' }, label), h('time', { datetime: m.sent_at }, fmtDate(m.sent_at)), m.delivery ? h('span', { class: `badge delivery-${m.delivery}` }, t(`delivery.${m.delivery}`)) : null, c.public && m.direction === 'outbound' && m.public === false ? h('span', { class: 'badge private' }, t('msg.private')) : null),
        m.subject ? h('p', { class: 'subject' }, m.subject) : null,
        h('p', { class: 'body' }, m.body),
        m.attachments?.length ? h('ul', { class: 'attachments' }, m.attachments.map((a) => h('li', {}, a.name))) : null,
      ),
    );
  }

  renderContact(c) {
    const p = c.contact;
    replace(
      this.contact,
      h('h3', { id: 'contact-title' }, t('contact.title')),
      p
        ? h(
            'dl',
            {},
            h('dt', {}, t('contact.name')),
            h('dd', {}, p.name || '–'),
            h('dt', {}, t('contact.language')),
            h('dd', {}, p.language || c.language || '–'),
            (p.handles || []).map((x) => [h('dt', {}, this.desk.channels.get(x.channel_id)?.name || t('contact.handle')), h('dd', {}, x.handle)]),
          )
        : h('p', {}, t('contact.none')),
    );
  }

  async loadCanned(c) {
    let list = [];
    try {
      list = (await get(`/api/v1/desk/canned-replies?team=${c.team_id}`)).canned_replies || [];
    } catch {
      list = [];
    }
    if (this.conv?.id !== c.id) return;
    const sel = h('select', { id: 'canned-select', 'aria-label': t('canned.pick') }, h('option', { value: '' }, t('canned.pick')), list.map((r) => h('option', { value: r.id }, `${r.name} (${r.language})`)));
    replace(
      this.canned,
      h('h3', { id: 'canned-title' }, t('canned.title')),
      list.length
        ? h('div', { class: 'row' }, sel, h('button', { type: 'button', class: 'secondary', onclick: () => this.insertCanned(sel.value) }, t('canned.insert')))
        : h('p', { class: 'hint' }, t('canned.none')),
    );
  }

  async insertCanned(replyId) {
    if (!replyId) return;
    try {
      const r = await post(`/api/v1/desk/conversations/${this.id}/canned-replies/${replyId}`);
      this.composer.insert(r.text);
    } catch (e) {
      announce(e.message, 'error');
    }
  }

  async addNote(ev) {
    ev.preventDefault();
    const text = this.noteText.value.trim();
    if (!text) return;
    try {
      await post(`/api/v1/desk/conversations/${this.id}/notes`, { text });
      this.noteText.value = '';
      announce(t('note.added'));
      await this.refresh();
    } catch (e) {
      announce(e.message, 'error');
    }
  }

  async change(body) {
    try {
      await patch(`/api/v1/desk/conversations/${this.id}`, body);
      await this.refresh();
      this.desk.scheduleReload();
    } catch (e) {
      announce(e.message, 'error');
      await this.refresh();
    }
  }

  scheduleRefresh() {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.refresh(), 200);
  }

  async refresh(highlightFrom = 0) {
    const id = this.id;
    if (!id) return;
    try {
      const c = await get(`/api/v1/desk/conversations/${id}`);
      if (this.id !== id) return;
      if (highlightFrom) this.highlightFrom = highlightFrom;
      this.render(c);
    } catch (e) {
      announce(e.message, 'error');
    }
  }

  async heartbeat() {
    const id = this.id;
    if (!id) return;
    try {
      const r = await post(`/api/v1/desk/conversations/${id}/presence`, { typing: this.composer?.isTyping() || false });
      if (this.id === id) this.showViewers(r.viewers || []);
    } catch {
      // presence is best effort
    }
  }

  showViewers(viewers) {
    const others = viewers.filter((v) => v.user_id !== this.me.id);
    this.pane.classList.toggle('has-collision', others.some((v) => v.typing));
    if (!others.length) {
      this.viewers.textContent = '';
      this.viewers.hidden = true;
      return;
    }
    this.viewers.hidden = false;
    replace(
      this.viewers,
      h('span', { class: 'dot', 'aria-hidden': 'true' }),
      others.map((v) => (v.typing ? t('presence.typing', { name: v.username }) : t('presence.viewing', { name: v.username }))).join(' · '),
    );
  }

  focusComposer() {
    this.composer?.focus();
  }

  focusNote() {
    this.noteText?.focus();
  }
}
