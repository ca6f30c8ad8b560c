// Channels (administration, `desk:admin`): every channel with its kind, team,
// paused flag and health (last success, last error, when the credentials
// expire, the connector's warning); pause/resume, "poll now", and for the
// networks that push (Meta, X, LinkedIn) the webhook address to register.
import { get, post, patch } from './api.js';
import { h, replace, announce } from './dom.js';
import { t, fmtDate, fmtRelative } from './i18n.js';

const WEBHOOK_KINDS = ['meta', 'x', 'linkedin'];

function when(iso) {
  if (!iso) return t('channels.never');
  return `${fmtDate(iso)} (${fmtRelative(new Date(iso).getTime() - Date.now())})`;
}

export class ChannelsPage {
  constructor(main, me) {
    this.me = me;
    this.teams = new Map();
    this.body = h('div', { id: 'channels-list', class: 'channel-cards' });
    this.err = h('p', { class: 'error', role: 'alert', hidden: true });
    replace(
      main,
      h(
        'section',
        { class: 'admin-page', 'aria-labelledby': 'channels-title' },
        h('div', { class: 'row' }, h('h1', { id: 'channels-title', tabindex: '-1' }, t('nav.channels')), h('button', { type: 'button', class: 'secondary small', id: 'channels-reload', onclick: () => this.load() }, t('channels.reload'))),
        h('p', { class: 'hint' }, t('channels.help')),
        this.err,
        this.body,
      ),
    );
    this.init();
  }

  destroy() {
    this.closed = true;
  }

  async init() {
    if (this.me.permissions.includes('teams:read')) {
      try {
        for (const tm of (await get('/api/v1/teams')).teams || []) this.teams.set(tm.id, tm.name);
      } catch {
        // team ids are shown instead
      }
    }
    await this.load();
  }

  async load() {
    let r;
    try {
      r = await get('/api/v1/desk/channels');
    } catch (e) {
      this.err.textContent = e.message;
      this.err.hidden = false;
      return;
    }
    if (this.closed) return;
    this.err.hidden = true;
    const list = r.channels || [];
    replace(this.body, list.length ? list.map((c) => this.card(c)) : h('p', { class: 'placeholder' }, t('channels.empty')));
  }

  async act(c, fn, done) {
    try {
      const r = await fn();
      announce(typeof done === 'function' ? done(r || {}) : done);
    } catch (e) {
      announce(`${c.name}: ${e.message}`, 'error');
    }
    await this.load();
  }

  card(c) {
    const hl = c.health || {};
    const ok = hl.ok !== false;
    const team = c.team_id ? this.teams.get(c.team_id) || `#${c.team_id}` : t('channels.no_team');
    const titleId = `channel-${c.id}-name`;
    const hook = WEBHOOK_KINDS.includes(c.kind) ? `${location.origin}/api/v1/webhooks/${encodeURIComponent(c.name)}` : '';
    return h(
      'article',
      { class: `card channel-card${c.paused ? ' is-paused' : ''}`, id: `channel-${c.id}`, dataset: { name: c.name, kind: c.kind, paused: c.paused ? '1' : '0' }, 'aria-labelledby': titleId },
      h(
        'header',
        { class: 'row' },
        h('h2', { id: titleId }, c.name),
        h('span', { class: 'badge kind' }, c.kind),
        h('span', { class: `badge health ${ok ? 'health-ok' : 'health-bad'}`, dataset: { ok: ok ? '1' : '0' } }, t(ok ? 'channels.ok' : 'channels.failing')),
        c.paused ? h('span', { class: 'badge paused' }, t('channels.paused')) : null,
      ),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, t('channels.kind')),
        h('dd', {}, c.kind),
        h('dt', {}, t('channels.team')),
        h('dd', {}, team),
        h('dt', {}, t('channels.state')),
        h('dd', { class: 'paused-state' }, t(c.paused ? 'channels.paused' : 'channels.active')),
        h('dt', {}, t('channels.last_ok')),
        h('dd', { class: 'last-ok' }, when(hl.last_ok_at)),
        h('dt', {}, t('channels.last_poll')),
        h('dd', {}, when(hl.last_poll_at)),
        hl.last_error ? [h('dt', {}, t('channels.last_error')), h('dd', { class: 'last-error' }, `${hl.last_error}${hl.last_error_at ? ` – ${fmtDate(hl.last_error_at)}` : ''}`)] : null,
        h('dt', {}, t('channels.credentials')),
        h('dd', { class: 'credentials' }, hl.credentials_expire_at ? when(hl.credentials_expire_at) : t('channels.no_expiry')),
        hook ? [h('dt', {}, t('channels.webhook')), h('dd', {}, h('code', { class: 'webhook' }, hook))] : null,
      ),
      hl.warning ? h('p', { class: 'channel-warning', role: 'note' }, hl.warning) : null,
      h(
        'div',
        { class: 'row' },
        h(
          'button',
          {
            type: 'button',
            class: 'secondary pause',
            'aria-describedby': titleId,
            onclick: () => this.act(c, () => patch(`/api/v1/desk/channels/${c.id}`, { paused: !c.paused }), t(c.paused ? 'channels.resumed' : 'channels.paused_done', { name: c.name })),
          },
          t(c.paused ? 'channels.resume' : 'channels.pause'),
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'secondary poll',
            'aria-describedby': titleId,
            onclick: () =>
              this.act(
                c,
                () => post(`/api/v1/desk/channels/${c.id}/poll`),
                (r) => t('channels.polled', { name: c.name, stored: r.stored ?? 0, duplicates: r.duplicates ?? 0 }),
              ),
          },
          t('channels.poll'),
        ),
      ),
    );
  }

  onKey() {}
}
