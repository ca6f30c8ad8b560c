// Users (permission users:read; changes need users:write): every account with
// its roles, 2FA and state; create one (its one-time password is shown
// once), change roles, disable/enable, set a new one-time password, reset
// 2FA, end all sessions.
import { post, patch, api } from './api.js';
import { h, announce } from './dom.js';
import { t, fmtDate } from './i18n.js';
import { ROLES, AdminSection, pageFrame, formCard, modal, errorBox, onSubmit, field, checkboxes, checkedValues, oneTimePassword } from './admin_common.js';

export class UsersPage extends AdminSection {
  constructor(root, me) {
    super(me, 'users-error');
    this.canWrite = me.permissions.includes('users:write');
    this.list = h('div', { id: 'users-list' });
    this.secretSlot = h('div', { id: 'users-secret', 'aria-live': 'polite' });
    pageFrame(root, { name: 'users', title: t('admin.users'), help: t('users.help'), onReload: () => this.load() }, this.err, this.secretSlot, this.list, this.canWrite ? this.createForm() : null);
    this.load();
  }

  load() {
    return this.loadTable('/api/v1/users', 'users', {
      caption: t('admin.users'),
      heads: [t('users.username'), t('users.roles'), t('users.twofa'), t('users.state'), t('admin.created_at'), this.canWrite ? t('users.actions') : null].filter(Boolean),
      row: (u) => this.row(u),
      id: 'users-table',
    });
  }

  row(u) {
    const state = u.disabled ? 'disabled' : u.must_change_password ? 'must_change' : 'active';
    const nameId = `user-${u.id}-name`;
    return h(
      'tr',
      { id: `user-${u.id}`, dataset: { username: u.username } },
      h('th', { scope: 'row', id: nameId }, h('span', { class: 'username' }, u.username), u.display_name && u.display_name !== u.username ? h('span', { class: 'hint' }, ` ${u.display_name}`) : null),
      h('td', { class: 'roles' }, (u.roles || []).map((r) => h('span', { class: 'badge role' }, t(`role.${r}`)))),
      h('td', { class: 'twofa' }, h('span', { class: `badge ${u.totp_enabled ? 'health-ok' : ''}` }, t(u.totp_enabled ? 'users.twofa_on' : 'users.twofa_off'))),
      h('td', { class: 'state' }, h('span', { class: `badge state-${state}` }, t(`users.state_${state}`))),
      h('td', {}, fmtDate(u.created_at)),
      this.canWrite ? h('td', { class: 'actions' }, this.actions(u, nameId)) : null,
    );
  }

  actions(u, nameId) {
    const self = u.id === this.me.id;
    const btn = (cls, label, fn, disabled) =>
      h('button', { type: 'button', class: `secondary small ${cls}`, 'aria-describedby': nameId, disabled, onclick: fn }, label);
    return h(
      'div',
      { class: 'row' },
      btn('edit-roles', t('users.edit_roles'), () => this.editRoles(u)),
      btn('toggle-disabled', t(u.disabled ? 'users.enable' : 'users.disable'), () => this.toggleDisabled(u), self),
      btn('new-password', t('users.new_password'), () => this.newPassword(u), self),
      btn('reset-2fa', t('users.reset_2fa'), () => this.reset2fa(u), !u.totp_enabled),
      btn('end-sessions', t('users.end_sessions'), () => this.endSessions(u)),
    );
  }

  async toggleDisabled(u) {
    const fn = () => patch(`/api/v1/users/${u.id}`, { disabled: !u.disabled });
    const done = t(u.disabled ? 'users.enabled_done' : 'users.disabled_done', { name: u.username });
    // enabling needs no question
    if (u.disabled) await this.run(fn, done);
    else await this.confirmRun(t('users.confirm_disable', { name: u.username }), t('users.disable'), fn, done);
  }

  reset2fa(u) {
    return this.confirmRun(t('users.confirm_reset_2fa', { name: u.username }), t('users.reset_2fa'), () => post(`/api/v1/users/${u.id}/reset-2fa`), t('users.reset_2fa_done', { name: u.username }));
  }

  endSessions(u) {
    return this.confirmRun(t('users.confirm_end_sessions', { name: u.username }), t('users.end_sessions'), () => api('DELETE', `/api/v1/users/${u.id}/sessions`), t('users.end_sessions_done', { name: u.username }));
  }

  newPassword(u) {
    const pw = oneTimePassword();
    return this.confirmRun(
      t('users.confirm_new_password', { name: u.username }),
      t('users.new_password'),
      async () => {
        await post(`/api/v1/users/${u.id}/password`, { password: pw });
        this.showPassword(u.username, pw);
      },
      t('users.new_password_done', { name: u.username }),
    );
  }

  showPassword(name, value) {
    this.showSecret('user-password', t('users.password_for', { name }), value, t('users.password_once', { name }));
  }

  editRoles(u) {
    const box = errorBox();
    const form = h(
      'form',
      { id: 'roles-form' },
      h('h2', { id: 'roles-title' }, t('users.roles_of', { name: u.username })),
      checkboxes('edit-role', t('users.roles'), ROLES, (r) => t(`role.${r}`), (r) => (u.roles || []).includes(r)),
      box,
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, t('users.save_roles')), h('button', { type: 'button', class: 'secondary', onclick: () => d.close() }, t('cancel'))),
    );
    const d = modal({ 'aria-labelledby': 'roles-title', id: 'roles-dialog' }, form);
    onSubmit(form, box, async () => {
      const roles = checkedValues(form, 'edit-role');
      await patch(`/api/v1/users/${u.id}`, { roles });
      d.close();
      announce(t('users.roles_saved', { name: u.username }));
      await this.load();
    });
  }

  createForm() {
    const box = errorBox('user-create-error');
    const form = formCard(
      'user-create',
      t('users.create'),
      h(
        'div',
        { class: 'form-grid' },
        field('new-username', t('users.username'), h('input', { id: 'new-username', required: true, autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', maxlength: 64 })),
        field('new-display', t('users.display_name'), h('input', { id: 'new-display', autocomplete: 'off', maxlength: 100 })),
        field('new-email', t('users.email'), h('input', { id: 'new-email', type: 'email', autocomplete: 'off' })),
      ),
      checkboxes('new-role', t('users.roles'), ROLES, (r) => t(`role.${r}`), (r) => r === 'agent'),
      h('p', { class: 'hint' }, t('users.create_help')),
      box,
      h('button', { type: 'submit', class: 'primary' }, t('users.create_submit')),
    );
    onSubmit(form, box, async () => {
      const username = form.querySelector('#new-username').value.trim();
      const roles = checkedValues(form, 'new-role');
      if (!username) throw new Error(t('users.username_missing'));
      if (!roles.length) throw new Error(t('users.roles_missing'));
      const pw = oneTimePassword();
      const body = { username, password: pw, roles, must_change_password: true };
      const display = form.querySelector('#new-display').value.trim();
      const email = form.querySelector('#new-email').value.trim();
      if (display) body.display_name = display;
      if (email) body.email = email;
      await post('/api/v1/users', body);
      form.reset();
      this.showPassword(username, pw);
      announce(t('users.created', { name: username }));
      await this.load();
    });
    return form;
  }
}
