// Administration (#/admin/...): a sub-navigation by permission and the page
// for the address — users, teams, the own API tokens, policy packs, the audit
// log. Switching between them happens here (main.js sees one route "admin").
import { h, replace } from './dom.js';
import { t } from './i18n.js';
import { UsersPage } from './admin_users.js';
import { TeamsPage } from './admin_teams.js';
import { TokensPage } from './admin_tokens.js';
import { PoliciesPage } from './admin_policies.js';
import { AuditPage } from './admin_audit.js';

// [sub-route, permission, page]; the first one allowed is the default.
const SECTIONS = [
  ['users', 'users:read', UsersPage],
  ['teams', 'teams:read', TeamsPage],
  ['policies', 'policy:read', PoliciesPage],
  ['audit', 'audit:read', AuditPage],
  ['tokens', 'account', TokensPage],
];

// Permissions that make the "Administration" entry appear in the header
// (the own tokens alone do not; they are linked from the account dialog).
export const ADMIN_PERMISSIONS = ['users:read', 'teams:read', 'policy:write', 'audit:read'];

export function canAdmin(me) {
  const perms = (me && me.permissions) || [];
  return ADMIN_PERMISSIONS.some((p) => perms.includes(p));
}

// True for an #/admin address this user may open.
export function isAdminRoute(hash, me) {
  const m = /^#\/admin(?:\/([a-z]+))?$/.exec(hash);
  if (!m) return false;
  const perms = (me && me.permissions) || [];
  if (!m[1]) return canAdmin(me);
  const s = SECTIONS.find(([name]) => name === m[1]);
  return Boolean(s && perms.includes(s[1]));
}

export class AdminPage {
  constructor(main, me) {
    this.me = me;
    this.main = main;
    this.sub = null;
    this.onHash = () => this.show(true);
    window.addEventListener('hashchange', this.onHash);
    this.show(false);
  }

  allowed() {
    return SECTIONS.filter(([, perm]) => this.me.permissions.includes(perm));
  }

  current() {
    const m = /^#\/admin\/([a-z]+)$/.exec(location.hash);
    const allowed = this.allowed();
    return (m && allowed.find(([name]) => name === m[1])) || allowed[0];
  }

  show(focus) {
    if (!/^#\/admin(\/|$)/.test(location.hash)) return; // main.js switches the page
    const [name, , Page] = this.current();
    if (this.sub && this.name === name) return;
    if (this.sub) this.sub.destroy();
    this.name = name;
    const body = h('div', { class: 'admin-body', id: `admin-${name}` });
    replace(
      this.main,
      h(
        'nav',
        { class: 'subnav', 'aria-label': t('admin.nav_label') },
        this.allowed().map(([n]) =>
          h('a', { href: `#/admin/${n}`, id: `admin-tab-${n}`, 'aria-current': n === name ? 'page' : null }, t(`admin.${n}`)),
        ),
      ),
      body,
    );
    document.title = `${t(`admin.${name}`)} – Leitplanke`;
    this.sub = new Page(body, this.me);
    if (focus) {
      const heading = body.querySelector('h1');
      if (heading) {
        heading.setAttribute('tabindex', '-1');
        heading.focus({ preventScroll: true });
      }
    }
  }

  destroy() {
    window.removeEventListener('hashchange', this.onHash);
    if (this.sub) this.sub.destroy();
    this.sub = null;
  }

  onKey(ev) {
    if (this.sub && this.sub.onKey) this.sub.onKey(ev);
  }
}
