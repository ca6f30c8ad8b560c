// Entry point: restores the session, routes between the sign-in steps and the
// desk, draws the header (language, user, sign out) and the shortcut list.
import { get, post, patch, setCsrf, ApiError } from './api.js';
import { h, replace, inTextField, announce } from './dom.js';
import { t, setLocale, locale, browserLocale, LOCALES } from './i18n.js';
import { renderLogin, renderMfa, renderPasswordChange, renderTotpEnrolment } from './login.js';
import { Desk } from './desk.js';

const root = document.getElementById('app');
export const session = { me: null, desk: null };

function userLocaleKey(me) {
  return `lp.locale.user.${me.username}`;
}

async function start() {
  await setLocale(localStorage.getItem('lp.locale') || browserLocale());
  let me = null;
  try {
    me = await get('/api/v1/auth/me');
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) {
      showFatal(e);
      return;
    }
  }
  if (!me) {
    showLogin();
    return;
  }
  await enter(me);
}

function showFatal(e) {
  replace(root, h('main', { class: 'center-page' }, h('p', { class: 'error', role: 'alert' }, String(e.message || e))));
}

function showLogin() {
  session.me = null;
  setCsrf('');
  document.title = `${t('login.title')} – Leitplanke`;
  renderLogin(root, {
    onSignedIn: async (login) => {
      setCsrf(login.csrf_token);
      const me = await get('/api/v1/auth/me');
      await enter(me, login.password);
    },
  });
}

// The steps a session may still owe: second factor, new password, 2FA enrolment.
async function enter(me, oneTimePassword) {
  session.me = me;
  if (me.csrf_token) setCsrf(me.csrf_token);
  const chosen = localStorage.getItem(userLocaleKey(me)) || me.locale || browserLocale();
  if (chosen !== locale()) await setLocale(chosen);
  const again = async () => enter(await get('/api/v1/auth/me'));
  if (!me.mfa_passed && !me.mfa_enrolment_required) {
    document.title = `${t('mfa.title')} – Leitplanke`;
    renderMfa(root, { onDone: again, onCancel: logout });
    return;
  }
  if (me.must_change_password) {
    document.title = `${t('password.title')} – Leitplanke`;
    renderPasswordChange(root, { forced: true, oldPassword: oneTimePassword, onDone: again, onCancel: logout });
    return;
  }
  if (me.mfa_enrolment_required) {
    document.title = `${t('totp.title')} – Leitplanke`;
    renderTotpEnrolment(root, { onDone: again, onCancel: logout });
    return;
  }
  showDesk();
}

export async function logout() {
  try {
    await post('/api/v1/auth/logout');
  } catch {
    // the session may already be gone
  }
  if (session.desk) session.desk.destroy();
  session.desk = null;
  showLogin();
}

async function switchLanguage(l) {
  const me = session.me;
  localStorage.setItem(userLocaleKey(me), l);
  if (me.permissions.includes('users:write')) {
    try {
      await patch(`/api/v1/users/${me.id}`, { locale: l });
      me.locale = l;
    } catch {
      // kept on this browser only
    }
  }
  await setLocale(l);
  showDesk();
  announce(t('lang.changed'));
}

function header() {
  const me = session.me;
  const select = h(
    'select',
    { id: 'lang', 'aria-label': t('lang.label'), onchange: (e) => switchLanguage(e.target.value) },
    LOCALES.map((l) => h('option', { value: l, selected: l === locale() }, t(`lang.${l}`))),
  );
  return h(
    'header',
    { class: 'topbar', role: 'banner' },
    h('a', { class: 'brand', href: '#/inbox' }, 'Leitplanke'),
    h('nav', { 'aria-label': t('nav.label') }, h('a', { href: '#/inbox', 'aria-current': 'page' }, t('nav.inbox'))),
    h('span', { class: 'spacer' }),
    h('button', { type: 'button', class: 'link', onclick: showShortcuts, 'aria-keyshortcuts': '?' }, t('shortcuts.button')),
    h('label', { class: 'lang', for: 'lang' }, t('lang.label')),
    select,
    h('span', { class: 'who', title: me.username }, me.display_name || me.username),
    h('button', { type: 'button', class: 'secondary', id: 'logout', onclick: logout }, t('logout')),
  );
}

function showDesk() {
  if (session.desk) session.desk.destroy();
  document.title = `${t('nav.inbox')} – Leitplanke`;
  const main = h('main', { id: 'main', class: 'desk' });
  replace(root, h('a', { class: 'skip', href: '#inbox-list' }, t('skip')), header(), main, statusLine(), shortcutsDialog());
  session.desk = new Desk(main, session.me);
}

function statusLine() {
  return h('div', { id: 'status', class: 'status', role: 'status', 'aria-live': 'polite' });
}

const SHORTCUTS = [
  ['j', 'shortcuts.next'],
  ['k', 'shortcuts.prev'],
  ['Enter', 'shortcuts.open'],
  ['r', 'shortcuts.reply'],
  ['n', 'shortcuts.note'],
  ['Esc', 'shortcuts.back'],
  ['Ctrl+Enter', 'shortcuts.send'],
  ['?', 'shortcuts.help'],
];

function shortcutsDialog() {
  return h(
    'dialog',
    { id: 'shortcuts', 'aria-labelledby': 'shortcuts-title' },
    h('h2', { id: 'shortcuts-title' }, t('shortcuts.title')),
    h(
      'dl',
      { class: 'shortcut-list' },
      SHORTCUTS.map(([key, label]) => [h('dt', {}, h('kbd', {}, key)), h('dd', {}, t(label))]),
    ),
    h('form', { method: 'dialog' }, h('button', { type: 'submit', class: 'primary' }, t('close'))),
  );
}

function showShortcuts() {
  const d = document.getElementById('shortcuts');
  if (d && !d.open) d.showModal();
}

document.addEventListener('keydown', (ev) => {
  if (!session.desk || ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  if (inTextField(ev)) return;
  if (document.querySelector('dialog[open]')) return;
  if (ev.key === '?') {
    ev.preventDefault();
    showShortcuts();
    return;
  }
  session.desk.onKey(ev);
});

start().catch(showFatal);
