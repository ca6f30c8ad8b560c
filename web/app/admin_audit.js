// The audit log (permission audit:read): entries newest or oldest first,
// filtered by actor, action (parts of the text) and a time range, 50 per
// page with next/previous; "Verify chain" checks the hash chain of the whole
// log and shows the result.
import { get } from './api.js';
import { h, replace, announce } from './dom.js';
import { t, fmtDate, fmtNumber } from './i18n.js';
import { AdminSection, pageFrame, showError, field, tableOr } from './admin_common.js';

const PAGE = 50;

// "2026-11-29T10:15" (datetime-local, the browser's time zone) → epoch ms.
function localMillis(value) {
  if (!value) return 0;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? 0 : ms;
}

export class AuditPage extends AdminSection {
  constructor(root, me) {
    super(me, 'audit-error');
    this.cursors = []; // the cursors of the pages before the shown one
    this.cursor = 0; // this page's cursor (0: the start)
    this.list = h('div', { id: 'audit-list', 'aria-live': 'polite' });
    this.pager = h('div', { class: 'row pager' });
    this.verifyOut = h('div', { id: 'audit-verify-result', 'aria-live': 'polite' });
    const verify = h('button', { type: 'button', class: 'secondary', id: 'audit-verify', onclick: (ev) => this.verify(ev.target) }, t('audit.verify'));
    pageFrame(root, { name: 'audit', title: t('admin.audit'), help: t('audit.help'), buttons: verify }, this.verifyOut, this.filterForm(), this.err, this.list, this.pager);
    this.load();
  }

  filterForm() {
    const form = h(
      'form',
      { id: 'audit-filters', class: 'filters-bar', 'aria-label': t('audit.filters') },
      field('audit-actor', t('audit.actor'), h('input', { id: 'audit-actor', autocomplete: 'off', spellcheck: 'false', placeholder: 'user:admin' })),
      field('audit-action', t('audit.action'), h('input', { id: 'audit-action', autocomplete: 'off', spellcheck: 'false', placeholder: 'login' })),
      field('audit-since', t('audit.since'), h('input', { id: 'audit-since', type: 'datetime-local' })),
      field('audit-until', t('audit.until'), h('input', { id: 'audit-until', type: 'datetime-local' })),
      field(
        'audit-order',
        t('audit.order'),
        h('select', { id: 'audit-order' }, h('option', { value: 'desc' }, t('audit.newest')), h('option', { value: 'asc' }, t('audit.oldest'))),
      ),
      h(
        'div',
        { class: 'row filter-buttons' },
        h('button', { type: 'submit', class: 'primary' }, t('audit.apply')),
        h('button', { type: 'reset', class: 'secondary' }, t('audit.clear')),
      ),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.readFilters(form);
      this.cursors = [];
      this.cursor = 0;
      this.load();
    });
    form.addEventListener('reset', () =>
      setTimeout(() => {
        this.readFilters(form);
        this.cursors = [];
        this.cursor = 0;
        this.load();
      }),
    );
    this.readFilters(form);
    return form;
  }

  readFilters(form) {
    const since = localMillis(form.querySelector('#audit-since').value);
    let until = localMillis(form.querySelector('#audit-until').value);
    // the end of the chosen minute belongs to the range
    if (until) until += 59999;
    this.filters = {
      actor: form.querySelector('#audit-actor').value.trim(),
      action: form.querySelector('#audit-action').value.trim(),
      since,
      until,
      order: form.querySelector('#audit-order').value,
    };
  }

  query() {
    const f = this.filters;
    const q = new URLSearchParams({ limit: String(PAGE), order: f.order });
    if (f.actor) q.set('actor', f.actor);
    if (f.action) q.set('action', f.action);
    if (f.since) q.set('since', String(f.since));
    if (f.until) q.set('until', String(f.until));
    if (this.cursor) q.set(f.order === 'desc' ? 'before' : 'from', String(this.cursor));
    return q.toString();
  }

  async load() {
    if (this.filters.until && this.filters.since > this.filters.until) {
      showError(this.err, new Error(t('audit.range_bad')));
      return;
    }
    const r = await this.fetchList(`/api/v1/audit?${this.query()}`);
    if (!r) return;
    const entries = r.entries || [];
    this.next = (this.filters.order === 'desc' ? r.next_before : r.next_from) || 0;
    replace(
      this.list,
      h('p', { class: 'hint', id: 'audit-count' }, t('audit.count', { n: entries.length, page: this.cursors.length + 1 })),
      tableOr(
        t('audit.empty'),
        t('admin.audit'),
        ['#', t('audit.at'), t('audit.actor'), t('audit.action'), t('audit.target'), t('audit.detail'), t('audit.address')],
        entries.map((e) =>
          h(
            'tr',
            { class: 'audit-row', dataset: { seq: e.seq, action: e.action, actor: e.actor } },
            h('td', {}, String(e.seq)),
            h('td', {}, h('time', { datetime: e.at }, fmtDate(e.at))),
            h('td', { class: 'actor' }, e.actor),
            h('td', { class: 'action' }, h('code', {}, e.action)),
            h('td', { class: 'target' }, e.target),
            h('td', { class: 'detail' }, typeof e.detail === 'string' ? e.detail : JSON.stringify(e.detail)),
            h('td', {}, e.address),
          ),
        ),
        'audit-table',
      ),
    );
    replace(
      this.pager,
      h('button', { type: 'button', class: 'secondary', id: 'audit-first', disabled: !this.cursors.length, onclick: () => this.page('first') }, t('audit.first')),
      h('button', { type: 'button', class: 'secondary', id: 'audit-prev', disabled: !this.cursors.length, onclick: () => this.page('prev') }, t('audit.prev')),
      h('button', { type: 'button', class: 'secondary', id: 'audit-next', disabled: !this.next, onclick: () => this.page('next') }, t('audit.next')),
    );
  }

  page(where) {
    if (where === 'next' && this.next) {
      this.cursors.push(this.cursor);
      this.cursor = this.next;
    } else if (where === 'prev' && this.cursors.length) {
      this.cursor = this.cursors.pop();
    } else if (where === 'first') {
      this.cursors = [];
      this.cursor = 0;
    }
    this.load();
  }

  async verify(button) {
    button.disabled = true;
    replace(this.verifyOut, h('p', { class: 'hint' }, t('audit.verifying')));
    try {
      const r = await get('/api/v1/audit/verify');
      replace(
        this.verifyOut,
        h(
          'div',
          { class: `verify-result ${r.ok ? 'verify-ok' : 'verify-bad'}`, id: 'audit-verify-box', role: r.ok ? 'status' : 'alert', dataset: { ok: r.ok ? '1' : '0' } },
          h('p', { class: 'verify-head' }, t(r.ok ? 'audit.verify_ok' : 'audit.verify_bad', { n: r.entries_checked })),
          r.ok
            ? h('p', { class: 'hint' }, t('audit.verify_last', { seq: String(r.last_seq), hash: (r.last_hash || '').slice(0, 16) }))
            : h('p', {}, t('audit.verify_where', { seq: String(r.first_bad_seq), kind: r.kind, message: r.message })),
        ),
      );
      announce(t(r.ok ? 'audit.verify_ok' : 'audit.verify_bad', { n: fmtNumber(r.entries_checked) }), r.ok ? 'info' : 'error');
    } catch (e) {
      replace(this.verifyOut);
      showError(this.err, e);
    } finally {
      button.disabled = false;
    }
  }
}
