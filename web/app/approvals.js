// Approvals (four-eyes): held replies that wait for a second person. The list
// on the left (pending by default, a filter for the other states), the detail
// on the right with exactly the text that will leave, its findings, the steps
// and decisions so far, and Approve / Request changes / Reject. Follows the
// server's `desk.approval` events live. An approval of a post shows the
// media of each variant (thumbnails, alt text) beside the wire text.
import { get, post } from './api.js';
import { h, replace, announce, listLayout, inlineField } from './dom.js';
import { t, fmtDate, fmtRelative } from './i18n.js';
import { on } from './events.js';
import { loadAssets, variantMediaBlock } from './media_common.js';

const PAGE_SIZE = 50;

export const APPROVAL_STATES = ['pending', 'approved', 'rejected', 'changes_requested', 'expired', 'superseded', 'blocked', 'all'];

function preview(text) {
  const s = String(text || '').replace(/\s+/g, ' ').trim();
  return s.length > 140 ? `${s.slice(0, 139)}…` : s;
}

function when(iso) {
  if (!iso) return '';
  return `${fmtDate(iso)} (${fmtRelative(new Date(iso).getTime() - Date.now())})`;
}

export class ApprovalsPage {
  constructor(main, me) {
    this.me = me;
    this.state = sessionStorage.getItem('lp.approvals.state') || 'pending';
    if (!APPROVAL_STATES.includes(this.state)) this.state = 'pending';
    this.rows = [];
    this.openId = 0;
    this.reloadTimer = 0;
    this.loadSeq = 0;
    this.detailSeq = 0;

    this.list = h('ul', { id: 'approvals-list', class: 'approvals-list', 'aria-label': t('approvals.list') });
    this.count = h('p', { class: 'count', id: 'approvals-count', 'aria-live': 'polite' });
    this.next = null;
    this.more = h('button', { type: 'button', id: 'approvals-more', class: 'secondary more', hidden: true, onclick: () => this.load(true) }, t('approvals.more'));
    const filter = h(
      'select',
      { id: 'approvals-state', onchange: (e) => this.setState(e.target.value) },
      APPROVAL_STATES.map((s) => h('option', { value: s, selected: s === this.state }, t(`approval_state.${s}`))),
    );
    this.pane = h('section', { id: 'approval', class: 'conversation-pane', 'aria-label': t('approvals.detail') });
    listLayout(main, { name: 'approvals', title: t('nav.approvals'), filters: inlineField('approvals-state', t('filter.state'), filter) }, [this.count, this.list, this.more], this.pane);
    this.main = main;
    this.onHash = () => this.route();
    window.addEventListener('hashchange', this.onHash);
    this.unsubscribe = on('desk.approval', (data) => {
      clearTimeout(this.reloadTimer);
      this.reloadTimer = setTimeout(() => {
        this.load();
        if (data.approval_id === this.openId) this.openDetail(this.openId, false);
      }, 200);
    });
    this.load().then(() => this.route());
  }

  destroy() {
    window.removeEventListener('hashchange', this.onHash);
    this.unsubscribe();
    clearTimeout(this.reloadTimer);
  }

  setState(s) {
    this.state = s;
    sessionStorage.setItem('lp.approvals.state', s);
    this.rows = [];
    this.load();
  }

  // A page of PAGE_SIZE, newest first; `append` loads the next page after
  // the last one shown (the server's `next` cursor). A reload (filter, live
  // event) shows at least as many rows as before.
  async load(append = false) {
    const seq = ++this.loadSeq;
    const limit = append ? PAGE_SIZE : Math.max(PAGE_SIZE, Math.min(200, this.rows.length));
    let path = `/api/v1/approvals?state=${encodeURIComponent(this.state)}&limit=${limit}`;
    if (append && this.next) path += `&before=${encodeURIComponent(this.next)}`;
    let r;
    try {
      r = await get(path);
    } catch (e) {
      announce(e.message, 'error');
      return;
    }
    if (seq !== this.loadSeq) return;
    this.rows = append ? this.rows.concat(r.approvals || []) : r.approvals || [];
    this.next = r.next || null;
    this.more.hidden = !this.next;
    this.renderList();
  }

  renderList() {
    this.count.textContent = t(this.next ? 'approvals.shown' : 'approvals.count', { n: this.rows.length });
    const items = this.rows.map((a) =>
      h(
        'li',
        { id: `approval-${a.id}`, class: `inbox-item${a.id === this.openId ? ' is-open' : ''}`, dataset: { id: a.id, state: a.state } },
        h(
          'a',
          { href: `#/approvals/${a.id}`, class: 'item-link', 'aria-current': a.id === this.openId ? 'true' : null },
          h('div', { class: 'line1' }, h('span', { class: 'name' }, a.requested_by || '?'), h('time', { datetime: a.created_at }, fmtDate(a.created_at))),
          h(
            'div',
            { class: 'line2' },
            h('span', { class: 'channel' }, t('approvals.step', { done: a.approvals, steps: a.steps })),
            h('span', { class: 'badges' }, h('span', { class: `badge approval-${a.state}` }, t(`approval_state.${a.state}`))),
          ),
          h('p', { class: 'preview' }, preview(a.wire_text)),
        ),
      ),
    );
    replace(this.list, items.length ? items : h('li', { class: 'empty' }, t('approvals.empty')));
  }

  route() {
    const m = /^#\/approvals\/(\d+)$/.exec(location.hash);
    const id = m ? Number(m[1]) : 0;
    this.main.classList.toggle('has-open', id !== 0);
    if (id === this.openId) return;
    this.openId = id;
    this.renderList();
    if (id) this.openDetail(id, true);
    else replace(this.pane, h('p', { class: 'placeholder' }, t('approvals.choose')));
  }

  async openDetail(id, focus) {
    const seq = ++this.detailSeq;
    let a;
    try {
      a = await get(`/api/v1/approvals/${id}`);
    } catch (e) {
      if (seq === this.detailSeq) replace(this.pane, h('p', { class: 'error', role: 'alert' }, e.message));
      return;
    }
    if (seq !== this.detailSeq || id !== this.openId) return;
    // The approval keeps every finding that held the reply. Older records
    // carry only rule ids; their explanations come from checking the same
    // text again (best effort).
    let explained = [];
    if (!(a.verdict && Array.isArray(a.verdict.findings))) {
      try {
        const body = { text: a.wire_text };
        if (a.language === 'de' || a.language === 'en') body.lang = a.language;
        explained = (await post('/api/v1/check', body)).findings || [];
      } catch {
        explained = [];
      }
    }
    // a post's media per variant (best effort: without posts:read none)
    let media = null;
    if (a.kind === 'post' && a.post_id) {
      try {
        const [p, assets] = await Promise.all([get(`/api/v1/posts/${a.post_id}`), loadAssets()]);
        media = variantMediaBlock(p, assets, 'approval-media');
      } catch {
        media = null;
      }
    }
    if (seq !== this.detailSeq || id !== this.openId) return;
    this.renderDetail(a, explained, media);
    if (focus) this.pane.querySelector('h2')?.focus();
  }

  renderDetail(a, explained, media) {
    const v = a.verdict && typeof a.verdict === 'object' ? a.verdict : {};
    // findings of a full verdict, else the rule ids of the stored summary
    // The stored findings give code-point spans of the wire text.
    const chars = Array.from(a.wire_text || '');
    const withExcerpt = (f) => (f.excerpt || !(f.cp_end > f.cp_start) ? f : { ...f, excerpt: chars.slice(f.cp_start, f.cp_end).join('') });
    const findings = v.findings ? v.findings.map(withExcerpt) : (v.rules || []).map((rule) => explained.find((f) => f.rule === rule) || { rule, action: v.action || 'hold' });
    const own = a.requested_by === this.me.username;
    const pending = a.state === 'pending';
    const err = h('p', { id: 'decision-error', class: 'error', role: 'alert', hidden: true });
    const comment = h('textarea', { id: 'decision-comment', rows: 3, 'aria-describedby': 'decision-hint' });
    const decide = async (decision, button) => {
      err.hidden = true;
      const buttons = [...form.querySelectorAll('button')];
      buttons.forEach((b) => (b.disabled = true));
      try {
        const r = await post(`/api/v1/approvals/${a.id}/decision`, { decision, comment: comment.value.trim() });
        announce(t(`approvals.done_${r.state}`, { id: a.id }));
        await this.load();
        await this.openDetail(a.id, false);
      } catch (e) {
        err.textContent = e.message;
        err.hidden = false;
        buttons.forEach((b) => (b.disabled = false));
        (decision === 'approve' ? button : comment).focus();
      }
    };
    const form = h(
      'form',
      { id: 'decision-form', class: 'decision-form', onsubmit: (e) => e.preventDefault() },
      h('div', { class: 'field' }, h('label', { for: 'decision-comment' }, t('approvals.comment')), comment, h('p', { id: 'decision-hint', class: 'hint' }, t('approvals.comment_hint'))),
      err,
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'button', id: 'approve', class: 'primary', onclick: (e) => decide('approve', e.currentTarget) }, t('approvals.approve')),
        h('button', { type: 'button', id: 'request-changes', class: 'secondary', onclick: (e) => decide('request_changes', e.currentTarget) }, t('approvals.request_changes')),
        h('button', { type: 'button', id: 'reject', class: 'secondary danger', onclick: (e) => decide('reject', e.currentTarget) }, t('approvals.reject')),
      ),
    );
    const decisions = a.decisions || [];
    replace(
      this.pane,
      h(
        'div',
        { class: 'conv-header' },
        h('a', { class: 'back', href: '#/approvals' }, t('approvals.back')),
        h('h2', { id: 'approval-title', tabindex: '-1' }, t('approvals.title', { id: a.id }), ' ', h('span', { class: `badge approval-${a.state}`, id: 'approval-state' }, t(`approval_state.${a.state}`))),
      ),
      h(
        'dl',
        { class: 'facts', id: 'approval-facts' },
        h('dt', {}, t('approvals.requested_by')),
        h('dd', { id: 'approval-requester' }, a.requested_by || '?'),
        h('dt', {}, t('approvals.created')),
        h('dd', {}, when(a.created_at)),
        h('dt', {}, t('approvals.expires')),
        h('dd', { id: 'approval-expires' }, a.expires_at ? when(a.expires_at) : t('approvals.no_expiry')),
        h('dt', {}, t('approvals.steps')),
        h('dd', { id: 'approval-steps' }, t('approvals.step', { done: a.approvals, steps: a.steps })),
        ...(a.kind === 'post'
          ? [h('dt', {}, t('approvals.post')), h('dd', {}, h('a', { href: `#/posts/${a.post_id}`, id: 'approval-subject' }, t('approvals.open_post', { id: a.post_id })))]
          : [h('dt', {}, t('approvals.conversation')), h('dd', {}, h('a', { href: `#/c/${a.conversation_id}`, id: 'approval-subject' }, t('approvals.open_conversation', { id: a.conversation_id })))]),
      ),
      h('h3', {}, t('approvals.wire_text')),
      h('p', { class: 'hint' }, t('approvals.wire_text_hint')),
      h('pre', { id: 'approval-wire', class: 'wire-text' }, a.wire_text),
      media,
      h('h3', {}, t('findings.title')),
      v.policy ? h('p', { class: 'hint' }, t('approvals.policy', { policy: v.policy })) : null,
      v.reason ? h('p', { id: 'approval-reason' }, h('strong', {}, t('approvals.reason')), ' ', v.reason) : null,
      h(
        'ul',
        { id: 'approval-findings', class: 'findings' },
        findings.length
          ? findings.map((f) =>
            h(
              'li',
              { class: `finding act-${f.action}`, dataset: { rule: f.rule, action: f.action } },
              h('div', { class: 'finding-head' }, h('span', { class: `badge act-${f.action}` }, t(`action.${f.action}`)), h('span', { class: 'rule' }, f.rule), f.clause ? h('span', { class: 'clause' }, t('findings.clause', { clause: f.clause })) : null),
              f.message || f.category ? h('p', { class: 'finding-message' }, f.message || f.category) : null,
              f.excerpt ? h('p', { class: 'excerpt' }, h('span', { class: 'visually-hidden' }, t('findings.excerpt')), f.excerpt) : null,
            ))
          : h('li', { class: 'empty' }, t('findings.none')),
      ),
      h('h3', {}, t('approvals.decisions')),
      h(
        'ol',
        { id: 'approval-decisions', class: 'decisions' },
        decisions.length
          ? decisions.map((d) =>
            h(
              'li',
              { dataset: { decision: d.decision } },
              h('strong', {}, t(`decision.${d.decision}`)),
              ' · ',
              t('approvals.decision_by', { by: d.by, step: d.step }),
              ' · ',
              h('time', { datetime: d.at }, fmtDate(d.at)),
              d.comment ? h('p', { class: 'comment' }, d.comment) : null,
            ))
          : h('li', { class: 'empty' }, t('approvals.no_decisions')),
      ),
      pending && own ? h('p', { class: 'hint', id: 'approval-own' }, t('approvals.own')) : null,
      pending ? form : null,
    );
  }

  onKey(ev) {
    if (ev.key === 'Escape' && this.openId) {
      ev.preventDefault();
      location.hash = '#/approvals';
      this.list.querySelector('a')?.focus();
    }
  }
}
