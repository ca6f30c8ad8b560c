// Teams (permission teams:read; changes need teams:write): every team, its
// members with the lead flag; create, rename and delete a team, add and remove
// members, make a member lead.
import { get, post, api } from './api.js';
import { h, replace, announce } from './dom.js';
import { t, fmtDate } from './i18n.js';
import { AdminSection, pageFrame, formCard, errorBox, showError, onSubmit, field } from './admin_common.js';

export class TeamsPage extends AdminSection {
  constructor(root, me) {
    super(me, 'teams-error');
    this.canWrite = me.permissions.includes('teams:write');
    this.users = new Map();
    this.list = h('div', { id: 'teams-list' });
    this.members = h('div', { id: 'team-members', 'aria-live': 'polite' });
    pageFrame(
      root,
      { name: 'teams', title: t('admin.teams'), help: t('teams.help'), onReload: () => this.load() },
      this.err,
      h('div', { class: 'admin-split' }, h('div', {}, this.list, this.canWrite ? this.createForm() : null), this.members),
    );
    this.init();
  }

  async init() {
    if (this.me.permissions.includes('users:read')) {
      try {
        for (const u of (await get('/api/v1/users')).users || []) this.users.set(u.id, u);
      } catch {
        // members are shown by id
      }
    }
    await this.load();
  }

  userName(id) {
    const u = this.users.get(id);
    return u ? u.username : `#${id}`;
  }

  async load() {
    const teams = await this.loadTable('/api/v1/teams', 'teams', {
      empty: t('teams.empty'),
      caption: t('admin.teams'),
      heads: [t('teams.name'), t('admin.created_at'), t('users.actions')],
      row: (tm) => this.row(tm),
      id: 'teams-table',
    });
    if (!teams) return;
    if (this.team && !teams.some((tm) => tm.id === this.team.id)) {
      this.team = null;
      replace(this.members);
    }
  }

  row(tm) {
    const nameId = `team-${tm.id}-name`;
    return h(
      'tr',
      { id: `team-${tm.id}`, dataset: { name: tm.name } },
      h('th', { scope: 'row', id: nameId }, tm.name),
      h('td', {}, fmtDate(tm.created_at)),
      h(
        'td',
        { class: 'row' },
        h('button', { type: 'button', class: 'secondary small show-members', 'aria-describedby': nameId, onclick: () => this.showMembers(tm) }, t('teams.members')),
        this.canWrite
          ? h('button', { type: 'button', class: 'secondary small danger delete-team', 'aria-describedby': nameId, onclick: () => this.deleteTeam(tm) }, t('teams.delete'))
          : null,
      ),
    );
  }

  deleteTeam(tm) {
    return this.confirmRun(t('teams.confirm_delete', { name: tm.name }), t('teams.delete'), () => api('DELETE', `/api/v1/teams/${tm.id}`), t('teams.deleted', { name: tm.name }));
  }

  async showMembers(tm, focus = true) {
    this.team = tm;
    let r;
    try {
      r = await get(`/api/v1/teams/${tm.id}/members`);
    } catch (e) {
      showError(this.err, e);
      return;
    }
    if (this.closed) return;
    const members = r.members || [];
    const box = errorBox('member-error');
    const heading = h('h2', { id: 'members-title', tabindex: '-1' }, t('teams.members_of', { name: tm.name }));
    const rows = members.map((m) => {
      const nameId = `member-${m.user_id}-name`;
      return h(
        'li',
        { class: 'member', dataset: { user: this.userName(m.user_id) } },
        h('span', { id: nameId }, this.userName(m.user_id)),
        m.lead ? h('span', { class: 'badge lead' }, t('teams.lead')) : null,
        this.canWrite
          ? h(
              'span',
              { class: 'row' },
              h('button', { type: 'button', class: 'secondary small', 'aria-describedby': nameId, onclick: () => this.setMember(tm, m.user_id, !m.lead, box) }, t(m.lead ? 'teams.unlead' : 'teams.make_lead')),
              h('button', { type: 'button', class: 'secondary small danger', 'aria-describedby': nameId, onclick: () => this.removeMember(tm, m.user_id, box) }, t('teams.remove')),
            )
          : null,
      );
    });
    let add = null;
    if (this.canWrite) {
      const candidates = [...this.users.values()].filter((u) => !members.some((m) => m.user_id === u.id));
      add = h(
        'form',
        { id: 'member-add', class: 'row' },
        h('label', { for: 'member-user' }, t('teams.add_member')),
        h('select', { id: 'member-user', required: true }, candidates.map((u) => h('option', { value: u.id }, u.username))),
        h('label', { class: 'check' }, h('input', { type: 'checkbox', id: 'member-lead' }), ' ', t('teams.lead')),
        h('button', { type: 'submit', class: 'secondary', disabled: candidates.length === 0 }, t('teams.add')),
      );
      onSubmit(add, box, async () => {
        const id = Number(add.querySelector('#member-user').value);
        await this.setMember(tm, id, add.querySelector('#member-lead').checked, box);
      });
    }
    replace(
      this.members,
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'members-title' },
        heading,
        this.canWrite ? this.renameForm(tm, box) : null,
        rows.length ? h('ul', { class: 'member-list', id: 'member-list' }, rows) : h('p', { class: 'placeholder' }, t('teams.no_members')),
        add,
        box,
      ),
    );
    if (focus) heading.focus();
  }

  // Renames the team (names stay unique; the server says so on a clash).
  renameForm(tm, box) {
    const form = h(
      'form',
      { id: 'team-rename', class: 'row' },
      h('label', { for: 'team-new-name' }, t('teams.rename_label')),
      h('input', { id: 'team-new-name', required: true, maxlength: 100, autocomplete: 'off', value: tm.name }),
      h('button', { type: 'submit', class: 'secondary' }, t('teams.rename')),
    );
    onSubmit(form, box, async () => {
      const name = form.querySelector('#team-new-name').value.trim();
      if (!name) throw new Error(t('teams.name_missing'));
      const renamed = await api('PATCH', `/api/v1/teams/${tm.id}`, { name });
      announce(t('teams.renamed', { old: tm.name, name: renamed.name }));
      await this.load();
      await this.showMembers(renamed);
    });
    return form;
  }

  setMember(tm, userId, lead, box) {
    return this.changeMember(tm, userId, box, () => api('PUT', `/api/v1/teams/${tm.id}/members/${userId}`, { lead }), 'teams.member_saved');
  }

  removeMember(tm, userId, box) {
    return this.changeMember(tm, userId, box, () => api('DELETE', `/api/v1/teams/${tm.id}/members/${userId}`), 'teams.member_removed');
  }

  // Runs a change of a membership, announces it (the text `doneKey`) and
  // shows the members again; errors go to `box`.
  async changeMember(tm, userId, box, request, doneKey) {
    try {
      await request();
      announce(t(doneKey, { name: this.userName(userId), team: tm.name }));
      await this.showMembers(tm, false);
    } catch (e) {
      showError(box, e);
    }
  }

  createForm() {
    const box = errorBox('team-create-error');
    const form = formCard(
      'team-create',
      t('teams.create'),
      field('new-team', t('teams.name'), h('input', { id: 'new-team', required: true, maxlength: 100, autocomplete: 'off' })),
      box,
      h('button', { type: 'submit', class: 'primary' }, t('teams.create_submit')),
    );
    onSubmit(form, box, async () => {
      const name = form.querySelector('#new-team').value.trim();
      if (!name) throw new Error(t('teams.name_missing'));
      const tm = await post('/api/v1/teams', { name });
      form.reset();
      announce(t('teams.created', { name }));
      await this.load();
      await this.showMembers(tm);
    });
    return form;
  }
}
