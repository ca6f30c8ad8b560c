// The own API tokens (permission account, every role): name, prefix,
// scopes, expiry, last use; create one with scopes (at most the own
// permissions) and an expiry — its secret is shown once — and revoke.
import { post, api } from './api.js';
import { h, announce } from './dom.js';
import { t, fmtDate } from './i18n.js';
import { AdminSection, pageFrame, formCard, errorBox, onSubmit, field, checkboxes, checkedValues } from './admin_common.js';

const EXPIRY_DAYS = [7, 30, 90, 365, 0];

export class TokensPage extends AdminSection {
  constructor(root, me) {
    super(me, 'tokens-error');
    this.list = h('div', { id: 'tokens-list' });
    this.secretSlot = h('div', { id: 'token-secret-slot', 'aria-live': 'polite' });
    pageFrame(root, { name: 'tokens', title: t('admin.tokens'), help: t('tokens.help'), onReload: () => this.load() }, this.err, this.secretSlot, this.list, this.createForm());
    this.load();
  }

  load() {
    return this.loadTable('/api/v1/auth/tokens', 'tokens', {
      empty: t('tokens.empty'),
      caption: t('admin.tokens'),
      heads: [t('tokens.name'), t('tokens.prefix'), t('tokens.scopes'), t('tokens.expires'), t('tokens.last_used'), t('users.state'), t('users.actions')],
      row: (tk) => this.row(tk),
      id: 'tokens-table',
    });
  }

  row(tk) {
    const nameId = `token-${tk.id}-name`;
    const expired = tk.expires_at && new Date(tk.expires_at).getTime() < Date.now();
    const state = tk.revoked ? 'revoked' : expired ? 'expired' : 'active';
    return h(
      'tr',
      { id: `token-${tk.id}`, dataset: { name: tk.name, state } },
      h('th', { scope: 'row', id: nameId }, tk.name),
      h('td', {}, h('code', {}, `${tk.prefix}…`)),
      h('td', { class: 'scopes' }, (tk.scopes || []).map((s) => h('span', { class: 'badge' }, s))),
      h('td', {}, tk.expires_at ? fmtDate(tk.expires_at) : t('tokens.never')),
      h('td', {}, tk.last_used_at ? fmtDate(tk.last_used_at) : t('tokens.unused')),
      h('td', {}, h('span', { class: `badge token-${state}` }, t(`tokens.state_${state}`))),
      h(
        'td',
        {},
        tk.revoked
          ? null
          : h('button', { type: 'button', class: 'secondary small danger revoke', 'aria-describedby': nameId, onclick: () => this.revoke(tk) }, t('tokens.revoke')),
      ),
    );
  }

  revoke(tk) {
    return this.confirmRun(t('tokens.confirm_revoke', { name: tk.name }), t('tokens.revoke'), () => api('DELETE', `/api/v1/auth/tokens/${tk.id}`), t('tokens.revoked', { name: tk.name }));
  }

  createForm() {
    const box = errorBox('token-create-error');
    const scopes = (this.me.permissions || []).slice().sort();
    const form = formCard(
      'token-create',
      t('tokens.create'),
      h(
        'div',
        { class: 'form-grid' },
        field('token-name', t('tokens.name'), h('input', { id: 'token-name', required: true, maxlength: 100, autocomplete: 'off' })),
        field(
          'token-expiry',
          t('tokens.expiry'),
          h('select', { id: 'token-expiry' }, EXPIRY_DAYS.map((d) => h('option', { value: d, selected: d === 90 }, d ? t('tokens.days', { n: d }) : t('tokens.never')))),
        ),
      ),
      checkboxes('token-scope', t('tokens.scopes'), scopes, (s) => s, (s) => s === 'check'),
      h('p', { class: 'hint' }, t('tokens.scopes_help')),
      box,
      h('button', { type: 'submit', class: 'primary' }, t('tokens.create_submit')),
    );
    onSubmit(form, box, async () => {
      const name = form.querySelector('#token-name').value.trim();
      const chosen = checkedValues(form, 'token-scope');
      if (!name) throw new Error(t('tokens.name_missing'));
      if (!chosen.length) throw new Error(t('tokens.scopes_missing'));
      const body = { name, scopes: chosen };
      const days = Number(form.querySelector('#token-expiry').value);
      if (days) body.expires_in_days = days;
      const r = await post('/api/v1/auth/tokens', body);
      form.reset();
      this.showSecret('token-secret', t('tokens.secret_title', { name }), r.token, t('tokens.secret_once'));
      announce(t('tokens.created', { name }));
      await this.load();
    });
    return form;
  }
}
