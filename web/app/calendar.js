// Calendar (#/calendar, permission posts:read): a week or a month of
// scheduled and sent posts (GET /api/v1/calendar, days in the company's time
// zone, weeks from Monday), the send queue of each channel
// (GET /api/v1/calendar/queues) and the failed posts with their reason
// (GET /api/v1/posts?state=failed). Keys: ← / → (or p / n) the previous or
// next period, t today, w week, m month, q queues.
import { get } from './api.js';
import { h, replace } from './dom.js';
import { t, locale } from './i18n.js';
import { on } from './events.js';
import { companyZone, rememberZone, fmtZoned, zonedDay, postTime, stateBadge } from './publish_common.js';

const VIEWS = ['week', 'month', 'queues'];
const DAY = 86400000;

// Plain calendar days as UTC dates ("2026-12-01" <-> Date at its UTC midnight).
const dayOf = (s) => new Date(`${s}T00:00:00Z`);
const iso = (d) => d.toISOString().slice(0, 10);
const addDays = (s, n) => iso(new Date(dayOf(s).getTime() + n * DAY));
const monday = (s) => addDays(s, -((dayOf(s).getUTCDay() + 6) % 7));

export class CalendarPage {
  constructor(main) {
    this.view = VIEWS.includes(sessionStorage.getItem('lp.calendar.view')) ? sessionStorage.getItem('lp.calendar.view') : 'week';
    this.zone = 'UTC';
    this.anchor = '';
    this.seq = 0;
    this.reloadTimer = 0;
    this.tabs = VIEWS.map((v) =>
      h('button', { type: 'button', id: `cal-${v}`, class: 'secondary', 'aria-pressed': String(v === this.view), 'aria-keyshortcuts': v[0], onclick: () => this.setView(v) }, t(`cal.view.${v}`)),
    );
    this.period = h('h2', { id: 'cal-period', 'aria-live': 'polite' });
    this.nav = h(
      'div',
      { class: 'row cal-nav' },
      h('button', { type: 'button', id: 'cal-prev', class: 'secondary', 'aria-keyshortcuts': 'ArrowLeft', 'aria-label': t('cal.prev'), onclick: () => this.move(-1) }, '←'),
      h('button', { type: 'button', id: 'cal-today', class: 'secondary', 'aria-keyshortcuts': 't', onclick: () => this.today() }, t('cal.today')),
      h('button', { type: 'button', id: 'cal-next', class: 'secondary', 'aria-keyshortcuts': 'ArrowRight', 'aria-label': t('cal.next'), onclick: () => this.move(1) }, '→'),
    );
    this.body = h('div', { id: 'cal-body', class: 'cal-body' });
    this.err = h('p', { class: 'error', role: 'alert', hidden: true });
    this.zoneNote = h('p', { id: 'cal-zone', class: 'hint' });
    replace(
      main,
      h(
        'section',
        { class: 'admin-page calendar', 'aria-labelledby': 'cal-title' },
        h('div', { class: 'row cal-head' }, h('h1', { id: 'cal-title', tabindex: '-1' }, t('nav.calendar')), h('div', { class: 'row', role: 'group', 'aria-label': t('cal.views') }, this.tabs)),
        h('p', { class: 'hint' }, t('cal.keys')),
        this.nav,
        this.period,
        this.zoneNote,
        this.err,
        this.body,
      ),
    );
    const reload = () => {
      clearTimeout(this.reloadTimer);
      this.reloadTimer = setTimeout(() => this.load(), 300);
    };
    this.offs = ['publish.post', 'publish.sent', 'publish.send_failed', 'desk.approval'].map((type) => on(type, reload));
    companyZone().then((z) => {
      this.zone = z;
      this.anchor = zonedDay(new Date().toISOString(), z);
      this.load();
    });
  }

  destroy() {
    this.offs.forEach((off) => off());
    clearTimeout(this.reloadTimer);
  }

  setView(v) {
    this.view = v;
    sessionStorage.setItem('lp.calendar.view', v);
    this.tabs.forEach((b) => b.setAttribute('aria-pressed', String(b.id === `cal-${v}`)));
    this.load();
  }

  move(n) {
    if (this.view === 'queues') return;
    if (this.view === 'week') this.anchor = addDays(this.anchor, 7 * n);
    else {
      const d = dayOf(this.anchor);
      this.anchor = iso(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1)));
    }
    this.load();
  }

  today() {
    this.anchor = zonedDay(new Date().toISOString(), this.zone);
    this.load();
  }

  // [from, to) and the first day of the month shown (month view).
  range() {
    if (this.view === 'week') {
      const from = monday(this.anchor);
      return { from, to: addDays(from, 7) };
    }
    const d = dayOf(this.anchor);
    const first = iso(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)));
    const last = iso(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)));
    const from = monday(first);
    return { from, to: addDays(monday(last), 7), first };
  }

  async load() {
    if (!this.anchor) return;
    const seq = ++this.seq;
    this.nav.hidden = this.view === 'queues';
    this.err.hidden = true;
    this.body.setAttribute('aria-busy', 'true');
    try {
      if (this.view === 'queues') await this.loadQueues(seq);
      else await this.loadPeriod(seq);
    } catch (e) {
      if (seq !== this.seq) return;
      this.err.textContent = e.message;
      this.err.hidden = false;
    } finally {
      if (seq === this.seq) this.body.removeAttribute('aria-busy');
    }
  }

  async loadPeriod(seq) {
    const { from, to, first } = this.range();
    const r = await get(`/api/v1/calendar?from=${from}&to=${to}`);
    if (seq !== this.seq) return;
    rememberZone(r.time_zone);
    this.zone = r.time_zone || this.zone;
    this.zoneNote.textContent = t('cal.zone', { zone: this.zone });
    const byDay = new Map();
    for (const p of r.posts || []) {
      const day = zonedDay(postTime(p), this.zone);
      if (!byDay.has(day)) byDay.set(day, []);
      byDay.get(day).push(p);
    }
    const dayFmt = new Intl.DateTimeFormat(locale(), { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'numeric' });
    const longFmt = new Intl.DateTimeFormat(locale(), { timeZone: 'UTC', dateStyle: 'full' });
    const today = zonedDay(new Date().toISOString(), this.zone);
    if (this.view === 'week') {
      this.period.textContent = t('cal.week_of', {
        from: new Intl.DateTimeFormat(locale(), { timeZone: 'UTC', dateStyle: 'medium' }).format(dayOf(from)),
        to: new Intl.DateTimeFormat(locale(), { timeZone: 'UTC', dateStyle: 'medium' }).format(dayOf(addDays(to, -1))),
      });
    } else {
      this.period.textContent = new Intl.DateTimeFormat(locale(), { timeZone: 'UTC', month: 'long', year: 'numeric' }).format(dayOf(first));
    }
    const weekdays = [];
    for (let i = 0; i < 7; i++) weekdays.push(new Intl.DateTimeFormat(locale(), { timeZone: 'UTC', weekday: 'long' }).format(dayOf(addDays(from, i))));
    const rows = [];
    for (let d = from; d < to; d = addDays(d, 7)) {
      const cells = [];
      for (let i = 0; i < 7; i++) {
        const day = addDays(d, i);
        const posts = byDay.get(day) || [];
        const outside = first && day.slice(0, 7) !== first.slice(0, 7);
        cells.push(
          h(
            'td',
            { class: `cal-day${outside ? ' outside' : ''}${day === today ? ' today' : ''}`, dataset: { day }, 'aria-label': `${longFmt.format(dayOf(day))}: ${t('cal.n_posts', { n: posts.length })}` },
            h('span', { class: 'cal-date', 'aria-hidden': 'true' }, this.view === 'week' ? dayFmt.format(dayOf(day)) : String(dayOf(day).getUTCDate())),
            posts.length ? h('ul', { class: 'cal-posts' }, posts.map((p) => this.entry(p))) : null,
          ),
        );
      }
      rows.push(h('tr', {}, cells));
    }
    replace(
      this.body,
      h(
        'table',
        { id: 'cal-grid', class: `cal-grid cal-${this.view}`, dataset: { from, to } },
        h('caption', { class: 'visually-hidden' }, this.period.textContent),
        h('thead', {}, h('tr', {}, weekdays.map((w) => h('th', { scope: 'col' }, w)))),
        h('tbody', {}, rows),
      ),
      (r.posts || []).length ? null : h('p', { class: 'hint', id: 'cal-empty' }, t('cal.empty')),
    );
  }

  entry(p) {
    const time = fmtZoned(postTime(p), this.zone, { timeStyle: 'short' });
    const channels = p.variants.map((v) => v.channel).join(', ');
    return h(
      'li',
      { class: `cal-post state-${p.state}`, dataset: { id: String(p.id), state: p.state } },
      h('a', { href: `#/posts/${p.id}`, title: `${p.title} · ${channels}` }, h('time', { datetime: postTime(p) }, time), ' ', p.title),
      ' ',
      stateBadge(p.state),
      p.reason && ['failed', 'held'].includes(p.state) ? h('span', { class: 'cal-reason' }, p.reason) : null,
    );
  }

  async loadQueues(seq) {
    const [q, failed] = await Promise.all([get('/api/v1/calendar/queues'), get('/api/v1/posts?state=failed&limit=50')]);
    if (seq !== this.seq) return;
    this.period.textContent = t('cal.view.queues');
    this.zoneNote.textContent = t('cal.zone', { zone: this.zone });
    const queues = (q.queues || []).map((c) =>
      h(
        'section',
        { class: 'card queue', id: `queue-${c.channel_id}`, dataset: { channelId: String(c.channel_id) }, 'aria-labelledby': `queue-title-${c.channel_id}` },
        h('h3', { id: `queue-title-${c.channel_id}` }, `${c.channel} (${c.kind})`, c.paused ? h('span', { class: 'badge' }, t('cal.paused')) : null),
        c.posts.length
          ? h(
              'ol',
              { class: 'queue-list' },
              c.posts.map((p) =>
                h(
                  'li',
                  { dataset: { id: String(p.id), state: p.state } },
                  h('a', { href: `#/posts/${p.id}` }, p.title),
                  ' ',
                  stateBadge(p.state),
                  ' ',
                  h('time', { datetime: p.scheduled_at }, fmtZoned(p.scheduled_at, this.zone)),
                  p.reason ? h('span', { class: 'cal-reason' }, p.reason) : null,
                ),
              ),
            )
          : h('p', { class: 'hint' }, t('cal.queue_empty')),
      ),
    );
    const failedPosts = failed.posts || [];
    replace(
      this.body,
      h('div', { class: 'queues' }, queues.length ? queues : h('p', { class: 'hint' }, t('cal.no_channels'))),
      h(
        'section',
        { id: 'cal-failed', class: 'card', 'aria-labelledby': 'cal-failed-title' },
        h('h3', { id: 'cal-failed-title' }, t('cal.failed')),
        failedPosts.length
          ? h(
              'ul',
              { class: 'failed-list' },
              failedPosts.map((p) =>
                h(
                  'li',
                  { dataset: { id: String(p.id) } },
                  h('a', { href: `#/posts/${p.id}` }, p.title),
                  ' ',
                  h('span', { class: 'cal-reason' }, p.reason || ''),
                  h(
                    'ul',
                    {},
                    p.variants.filter((v) => v.last_error).map((v) => h('li', { class: 'hint' }, `${v.channel}: ${v.last_error}`)),
                  ),
                ),
              ),
            )
          : h('p', { class: 'hint' }, t('cal.failed_none')),
      ),
    );
  }

  onKey(ev) {
    const k = ev.key;
    if (k === 'ArrowLeft' || k === 'p') this.move(-1);
    else if (k === 'ArrowRight' || k === 'n') this.move(1);
    else if (k === 't') this.today();
    else if (k === 'w') this.setView('week');
    else if (k === 'm') this.setView('month');
    else if (k === 'q') this.setView('queues');
    else return;
    ev.preventDefault();
  }
}
