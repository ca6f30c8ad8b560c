// Channels (administration, `desk:admin`): every channel with its kind, team,
// paused flag and health (last success, last error, when the credentials
// expire, the connector's warning); pause/resume, "poll now", and for the
// networks that push (Meta, X, LinkedIn) the webhook address to register.
// Creating a channel takes its settings and its credentials; the credentials
// go to the vault and are never shown again (the API never returns them):
// a card only names the stored ones, and "Replace credentials" overwrites them.
// "Settings" changes the team and the connector's settings. "Delete" (after
// a confirmation) removes a channel without conversations and retires one
// with them: it stays with its conversations, paused, its credentials deleted.
import { get, post, patch, api } from './api.js';
import { h, replace, announce } from './dom.js';
import { t, fmtDate, fmtRelative } from './i18n.js';
import { AdminSection, pageFrame, formCard, errorBox, showError, onSubmit, field, confirmDialog } from './admin_common.js';

// The kinds this server ships with the settings and credentials each
// connector reads, from `GET /api/v1/desk/channel-kinds`: by kind,
// { settings: [{key, required, description}], secrets: [...], webhook }.
let kinds = new Map();

function kindOf(kind) {
  return kinds.get(kind) || { settings: [], secrets: [], webhook: false };
}

const keysOf = (fields) => fields.map((f) => f.key);

// The values of the inputs named `prefix-<key>` under `root` that are not empty.
function collect(root, prefix, keys) {
  const out = {};
  for (const k of keys) {
    const el = root.querySelector(`#${CSS.escape(`${prefix}-${k}`)}`);
    if (el && el.value.trim() !== '') out[k] = el.value.trim();
  }
  return out;
}

// One labelled input per field; the server's description is its hint and
// required fields are marked (the connector names what is missing anyway).
function fieldInputs(prefix, fields, attrs = {}, values = {}) {
  return fields.map((f) => {
    const id = `${prefix}-${f.key}`;
    const hint = f.description ? h('span', { class: 'hint field-hint', id: `${id}-hint` }, f.description) : null;
    return h(
      'div',
      { class: 'field' },
      h('label', { for: id }, f.key, f.required ? h('span', { class: 'required-mark', title: t('channels.required') }, ' *') : null),
      h('input', { id, autocomplete: 'off', spellcheck: 'false', dataset: { key: f.key }, required: !!f.required && attrs.type !== 'password', 'aria-describedby': hint ? `${id}-hint` : null, value: values[f.key] ?? '', ...attrs }),
      hint,
    );
  });
}

function secretInputs(prefix, fields) {
  return fieldInputs(prefix, fields, { type: 'password', autocomplete: 'new-password' });
}

function when(iso) {
  if (!iso) return t('channels.never');
  return `${fmtDate(iso)} (${fmtRelative(new Date(iso).getTime() - Date.now())})`;
}

export class ChannelsPage extends AdminSection {
  constructor(main, me) {
    super(me);
    this.teams = new Map();
    this.body = h('div', { id: 'channels-list', class: 'channel-cards' });
    pageFrame(
      main,
      { name: 'channels', title: t('nav.channels'), help: t('channels.help'), onReload: () => this.load(), reloadId: 'channels-reload', focusable: true },
      this.err,
      this.body,
      this.createForm(),
    );
    this.init();
  }

  async init() {
    try {
      kinds = new Map(((await get('/api/v1/desk/channel-kinds')).kinds || []).map((k) => [k.kind, k]));
    } catch (e) {
      showError(this.err, e);
    }
    this.fillKinds();
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

  fillKinds() {
    const sel = this.form && this.form.querySelector('#channel-kind');
    if (!sel) return;
    replace(sel, [...kinds.keys()].map((k) => h('option', { value: k }, k)));
    this.kindFields(sel.value);
  }

  kindFields(kind) {
    const k = kindOf(kind);
    replace(
      this.kindBox,
      k.settings.length ? h('fieldset', { class: 'checks' }, h('legend', {}, t('channels.settings')), fieldInputs('new-setting', k.settings)) : null,
      k.secrets.length
        ? h('fieldset', { class: 'checks' }, h('legend', {}, t('channels.secrets')), h('p', { class: 'hint' }, t('channels.secrets_help')), secretInputs('new-secret', k.secrets))
        : null,
    );
  }

  createForm() {
    const err = errorBox('channel-create-error');
    const kind = h('select', { id: 'channel-kind', required: true });
    this.kindBox = h('div', { class: 'kind-fields' });
    const form = formCard(
      'channel-create',
      t('channels.create'),
      h(
        'div',
        { class: 'form-grid' },
        field('channel-name', t('channels.name'), h('input', { id: 'channel-name', required: true, maxlength: 64, autocomplete: 'off', spellcheck: 'false', pattern: '[^\\/]+' })),
        field('channel-kind', t('channels.kind'), kind),
        field('channel-team', t('channels.team'), h('select', { id: 'channel-team' })),
      ),
      this.kindBox,
      err,
      h('button', { type: 'submit', class: 'primary' }, t('channels.create_submit')),
    );
    this.form = form;
    kind.addEventListener('change', () => this.kindFields(kind.value));
    onSubmit(form, err, async () => {
      const k = kindOf(kind.value);
      const name = form.querySelector('#channel-name').value.trim();
      const body = { name, kind: kind.value, settings: collect(form, 'new-setting', keysOf(k.settings)), secrets: collect(form, 'new-secret', keysOf(k.secrets)) };
      const team = form.querySelector('#channel-team').value;
      if (team) body.team_id = Number(team);
      const r = await post('/api/v1/desk/channels', body);
      // the credentials leave the page now: the form forgets them
      form.reset();
      this.kindFields(kind.value);
      announce(r.connector_error ? t('channels.created_with_error', { name, error: r.connector_error }) : t('channels.created', { name }), r.connector_error ? 'warn' : 'info');
      await this.load();
    });
    return form;
  }

  // "Settings" on a card: the team and the connector's settings, prefilled;
  // saving replaces the settings (an emptied field is removed) and rebuilds
  // the connector.
  settingsForm(c) {
    const current = c.settings || {};
    const known = kindOf(c.kind).settings;
    const fields = [...known, ...Object.keys(current).filter((k) => !known.some((f) => f.key === k)).map((key) => ({ key }))];
    const keys = keysOf(fields);
    const prefix = `ch${c.id}-setting`;
    const err = errorBox();
    const team = h(
      'select',
      { id: `ch${c.id}-team` },
      h('option', { value: '' }, t('channels.no_team')),
      [...this.teams].map(([id, name]) => h('option', { value: id, selected: id === c.team_id }, name)),
    );
    const form = h(
      'form',
      { class: 'settings-form' },
      field(`ch${c.id}-team`, t('channels.team'), team),
      fieldInputs(prefix, fields, {}, current),
      err,
      h('button', { type: 'submit', class: 'secondary small' }, t('channels.settings_save')),
    );
    onSubmit(form, err, async () => {
      await patch(`/api/v1/desk/channels/${c.id}`, { team_id: Number(team.value || 0), settings: collect(form, prefix, keys) });
      announce(t('channels.settings_saved', { name: c.name }));
      await this.load();
    });
    return h('details', { class: 'edit-settings' }, h('summary', {}, t('channels.settings_edit')), form);
  }

  // "Replace credentials" on a card: new values overwrite the stored ones.
  secretsForm(c, stored) {
    const known = kindOf(c.kind).secrets;
    const fields = [...known, ...stored.filter((k) => !known.some((f) => f.key === k)).map((key) => ({ key }))];
    if (!fields.length) return null;
    const keys = keysOf(fields);
    const prefix = `ch${c.id}-secret`;
    const err = errorBox();
    const form = h(
      'form',
      { class: 'secrets-form' },
      h('p', { class: 'hint' }, t('channels.secrets_help')),
      secretInputs(prefix, fields),
      err,
      h('button', { type: 'submit', class: 'secondary small' }, t('channels.secrets_save')),
    );
    onSubmit(form, err, async () => {
      const secrets = collect(form, prefix, keys);
      if (!Object.keys(secrets).length) return;
      await patch(`/api/v1/desk/channels/${c.id}`, { secrets });
      form.reset();
      announce(t('channels.secrets_saved', { name: c.name }));
      await this.load();
    });
    return h('details', { class: 'replace-secrets' }, h('summary', {}, t('channels.secrets_replace')), form);
  }

  async load() {
    const r = await this.fetchList('/api/v1/desk/channels');
    if (!r) return;
    const secrets = await this.storedSecrets();
    if (this.closed) return;
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
    if (c.retired) return this.retiredCard(c, titleId);
    const hook = kindOf(c.kind).webhook ? `${location.origin}/api/v1/webhooks/${encodeURIComponent(c.name)}` : '';
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
        h('button', { type: 'button', class: 'secondary danger delete-channel', 'aria-describedby': titleId, onclick: () => this.remove(c) }, t('channels.delete')),
      ),
      this.settingsForm(c),
      this.me.permissions.includes('vault:write') ? this.secretsForm(c, stored) : null,
    );
  }

  // "Delete" after the confirmation dialog: the server deletes a channel
  // without conversations and retires one with them; its credentials go.
  async remove(c) {
    if (!(await confirmDialog(t('channels.confirm_delete', { name: c.name }), t('channels.delete')))) return;
    try {
      const r = await api('DELETE', `/api/v1/desk/channels/${c.id}`);
      announce(t(r && r.retired ? 'channels.retired_done' : 'channels.deleted', { name: c.name }));
    } catch (e) {
      announce(`${c.name}: ${e.message}`, 'error');
    }
    await this.load();
    const h1 = document.getElementById('channels-title');
    if (h1) h1.focus();
  }

  // A retired channel: kept for its conversations, nothing to operate.
  retiredCard(c, titleId) {
    return h(
      'article',
      { class: 'card channel-card is-retired', id: `channel-${c.id}`, dataset: { name: c.name, kind: c.kind, retired: '1' }, 'aria-labelledby': titleId },
      h('header', { class: 'row' }, h('h2', { id: titleId }, c.name), h('span', { class: 'badge kind' }, c.kind), h('span', { class: 'badge retired' }, t('channels.retired'))),
      h('p', { class: 'hint' }, t('channels.retired_help', { when: c.retired_at ? fmtDate(c.retired_at) : '' })),
    );
  }
}
