// Channels (administration, `desk:admin`): every channel with its kind, team,
// paused flag and health (last success, last error, when the credentials
// expire, the connector's warning); pause/resume, "poll now", and for the
// networks that push (Meta, X, LinkedIn) the webhook address to register.
// Creating a channel takes its settings and its credentials; the credentials
// go to the vault and are never shown again (the API never returns them):
// a card only names the stored ones, and "Replace credentials" overwrites them.
// "Settings" changes the team and the connector's settings.
import { get, post, patch } from './api.js';
import { h, replace, announce } from './dom.js';
import { t, fmtDate, fmtRelative } from './i18n.js';

const WEBHOOK_KINDS = ['meta', 'x', 'linkedin'];

// The settings and credentials each connector reads (src/channels/<kind>).
// Empty fields are left out; a connector names what it misses.
const KINDS = {
  email: { settings: ['imap_url', 'smtp_url', 'username', 'from', 'from_name', 'smtp_username'], secrets: ['password', 'smtp_password'] },
  mastodon: { settings: ['base_url', 'max_characters', 'public_reply_visibility'], secrets: ['access_token'] },
  meta: { settings: ['page_id', 'instagram_id', 'graph_version'], secrets: ['page_access_token', 'app_secret', 'verify_token'] },
  x: { settings: ['account_id', 'client_id', 'mode'], secrets: ['oauth2_access_token', 'oauth2_refresh_token', 'client_secret', 'consumer_key', 'consumer_secret', 'access_token', 'access_token_secret'] },
  linkedin: { settings: ['organization_id', 'api_version'], secrets: ['access_token', 'client_secret'] },
  bluesky: { settings: ['handle', 'post_language'], secrets: ['app_password'] },
  webchat: { settings: ['allowed_origins', 'title'], secrets: [] },
  demo: { settings: ['start_offset_s'], secrets: [] },
};

// The values of the inputs named `prefix-<key>` under `root` that are not empty.
function collect(root, prefix, keys) {
  const out = {};
  for (const k of keys) {
    const el = root.querySelector(`#${CSS.escape(`${prefix}-${k}`)}`);
    if (el && el.value.trim() !== '') out[k] = el.value.trim();
  }
  return out;
}

function secretInputs(prefix, keys) {
  return keys.map((k) =>
    h(
      'div',
      { class: 'field' },
      h('label', { for: `${prefix}-${k}` }, k),
      h('input', { id: `${prefix}-${k}`, type: 'password', autocomplete: 'new-password', spellcheck: 'false', dataset: { key: k } }),
    ),
  );
}

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
        this.createForm(),
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
    this.fillTeams();
    await this.load();
  }

  // Names of the stored credentials by channel (never their values).
  async storedSecrets() {
    const by = new Map();
    if (!this.me.permissions.includes('vault:write')) return by;
    try {
      for (const s of (await get('/api/v1/vault/secrets')).secrets || []) {
        const m = /^channel\/([^/]+)\/(.+)$/.exec(s.name);
        if (!m) continue;
        if (!by.has(m[1])) by.set(m[1], []);
        by.get(m[1]).push(m[2]);
      }
    } catch {
      // the card then says nothing about stored credentials
    }
    return by;
  }

  fillTeams() {
    const sel = this.form && this.form.querySelector('#channel-team');
    if (!sel) return;
    replace(sel, h('option', { value: '' }, t('channels.no_team')), [...this.teams].map(([id, name]) => h('option', { value: id }, name)));
  }

  kindFields(kind) {
    const k = KINDS[kind] || { settings: [], secrets: [] };
    replace(
      this.kindBox,
      k.settings.length
        ? h(
            'fieldset',
            { class: 'checks' },
            h('legend', {}, t('channels.settings')),
            k.settings.map((key) =>
              h('div', { class: 'field' }, h('label', { for: `new-setting-${key}` }, key), h('input', { id: `new-setting-${key}`, autocomplete: 'off', spellcheck: 'false' })),
            ),
          )
        : null,
      k.secrets.length
        ? h('fieldset', { class: 'checks' }, h('legend', {}, t('channels.secrets')), h('p', { class: 'hint' }, t('channels.secrets_help')), secretInputs('new-secret', k.secrets))
        : null,
    );
  }

  createForm() {
    const err = h('p', { class: 'error', role: 'alert', hidden: true, id: 'channel-create-error' });
    const kind = h('select', { id: 'channel-kind', required: true }, Object.keys(KINDS).map((k) => h('option', { value: k }, k)));
    this.kindBox = h('div', { class: 'kind-fields' });
    const form = h(
      'form',
      { id: 'channel-create', class: 'card admin-form', 'aria-labelledby': 'channel-create-title' },
      h('h2', { id: 'channel-create-title' }, t('channels.create')),
      h(
        'div',
        { class: 'form-grid' },
        h('div', { class: 'field' }, h('label', { for: 'channel-name' }, t('channels.name')), h('input', { id: 'channel-name', required: true, maxlength: 64, autocomplete: 'off', spellcheck: 'false', pattern: '[^\\/]+' })),
        h('div', { class: 'field' }, h('label', { for: 'channel-kind' }, t('channels.kind')), kind),
        h('div', { class: 'field' }, h('label', { for: 'channel-team' }, t('channels.team')), h('select', { id: 'channel-team' })),
      ),
      this.kindBox,
      err,
      h('button', { type: 'submit', class: 'primary' }, t('channels.create_submit')),
    );
    this.form = form;
    kind.addEventListener('change', () => this.kindFields(kind.value));
    this.kindFields(kind.value);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      err.hidden = true;
      const k = KINDS[kind.value];
      const name = form.querySelector('#channel-name').value.trim();
      const body = { name, kind: kind.value, settings: collect(form, 'new-setting', k.settings), secrets: collect(form, 'new-secret', k.secrets) };
      const team = form.querySelector('#channel-team').value;
      if (team) body.team_id = Number(team);
      const button = form.querySelector('button[type=submit]');
      button.disabled = true;
      try {
        const r = await post('/api/v1/desk/channels', body);
        // the credentials leave the page now: the form forgets them
        form.reset();
        this.kindFields(kind.value);
        announce(r.connector_error ? t('channels.created_with_error', { name, error: r.connector_error }) : t('channels.created', { name }), r.connector_error ? 'warn' : 'info');
        await this.load();
      } catch (e) {
        err.textContent = e.pointer ? `${e.message} (${e.pointer})` : e.message;
        err.hidden = false;
      } finally {
        button.disabled = false;
      }
    });
    return form;
  }

  // "Settings" on a card: the team and the connector's settings, prefilled;
  // saving replaces the settings (an emptied field is removed) and rebuilds
  // the connector.
  settingsForm(c) {
    const current = c.settings || {};
    const keys = [...new Set([...((KINDS[c.kind] || {}).settings || []), ...Object.keys(current)])];
    const prefix = `ch${c.id}-setting`;
    const err = h('p', { class: 'error', role: 'alert', hidden: true });
    const team = h(
      'select',
      { id: `ch${c.id}-team` },
      h('option', { value: '' }, t('channels.no_team')),
      [...this.teams].map(([id, name]) => h('option', { value: id, selected: id === c.team_id }, name)),
    );
    const form = h(
      'form',
      { class: 'settings-form' },
      h('div', { class: 'field' }, h('label', { for: `ch${c.id}-team` }, t('channels.team')), team),
      keys.map((k) =>
        h(
          'div',
          { class: 'field' },
          h('label', { for: `${prefix}-${k}` }, k),
          h('input', { id: `${prefix}-${k}`, value: current[k] ?? '', autocomplete: 'off', spellcheck: 'false' }),
        ),
      ),
      err,
      h('button', { type: 'submit', class: 'secondary small' }, t('channels.settings_save')),
    );
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      err.hidden = true;
      try {
        await patch(`/api/v1/desk/channels/${c.id}`, { team_id: Number(team.value || 0), settings: collect(form, prefix, keys) });
        announce(t('channels.settings_saved', { name: c.name }));
        await this.load();
      } catch (e) {
        err.textContent = e.pointer ? `${e.message} (${e.pointer})` : e.message;
        err.hidden = false;
      }
    });
    return h('details', { class: 'edit-settings' }, h('summary', {}, t('channels.settings_edit')), form);
  }

  // "Replace credentials" on a card: new values overwrite the stored ones.
  secretsForm(c, stored) {
    const keys = [...new Set([...((KINDS[c.kind] || {}).secrets || []), ...stored])];
    if (!keys.length) return null;
    const prefix = `ch${c.id}-secret`;
    const err = h('p', { class: 'error', role: 'alert', hidden: true });
    const form = h(
      'form',
      { class: 'secrets-form' },
      h('p', { class: 'hint' }, t('channels.secrets_help')),
      secretInputs(prefix, keys),
      err,
      h('button', { type: 'submit', class: 'secondary small' }, t('channels.secrets_save')),
    );
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      err.hidden = true;
      const secrets = collect(form, prefix, keys);
      if (!Object.keys(secrets).length) return;
      try {
        await patch(`/api/v1/desk/channels/${c.id}`, { secrets });
        form.reset();
        announce(t('channels.secrets_saved', { name: c.name }));
        await this.load();
      } catch (e) {
        err.textContent = e.message;
        err.hidden = false;
      }
    });
    return h('details', { class: 'replace-secrets' }, h('summary', {}, t('channels.secrets_replace')), form);
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
    const secrets = await this.storedSecrets();
    if (this.closed) return;
    this.err.hidden = true;
    const list = r.channels || [];
    replace(this.body, list.length ? list.map((c) => this.card(c, secrets.get(c.name) || [])) : h('p', { class: 'placeholder' }, t('channels.empty')));
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

  card(c, stored = []) {
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
        this.me.permissions.includes('vault:write')
          ? [h('dt', {}, t('channels.stored_secrets')), h('dd', { class: 'stored-secrets' }, stored.length ? stored.sort().join(', ') : t('channels.no_secrets'))]
          : null,
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
      this.settingsForm(c),
      this.me.permissions.includes('vault:write') ? this.secretsForm(c, stored) : null,
    );
  }

  onKey() {}
}
