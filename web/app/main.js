// Entry point: restores the session, routes between the sign-in steps and the
// pages (inbox, approvals, channels, self-check), draws the header (navigation with the
// pending-approvals badge, language, user, sign out) and the shortcut list.
import { get, post, patch, setCsrf, ApiError } from './api.js';
import { h, replace, inTextField, announce } from './dom.js';
import { t, setLocale, locale, browserLocale, LOCALES } from './i18n.js';
import { renderLogin, renderMfa, renderPasswordChange, renderTotpEnrolment } from './login.js';
import { Desk } from './desk.js';
import { ApprovalsPage } from './approvals.js';
import { ChannelsPage } from './channels.js';
import { SelfCheckPage } from './selfcheck.js';
import { BenchPage } from './bench.js';
import { DashboardPage } from './dashboard.js';
import { AdminPage, canAdmin, isAdminRoute } from './admin.js';
import { PostsPage } from './posts.js';
import { CalendarPage } from './calendar.js';
import { MediaPage } from './media.js';
import { AdvocacyPage } from './advocacy.js';
import { notificationButton, watchNotifications, stopNotifications } from './notifications.js';
import { connectEvents, closeEvents, on, isLive } from './events.js';

const root = document.getElementById('app');
export const session = { me: null, page: null, route: '' };
let pendingTimer = 0;
let offApproval = null;

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
  connectEvents();
  if (!offApproval) offApproval = on('desk.approval', () => schedulePendingCount());
  watchNotifications();
  showPage(true);
}

const can = (p) => Boolean(session.me && (session.me.permissions || []).includes(p));
// The test bench: for those who judge texts (compliance, approvers, administrators).
const canBench = () => can('check') && can('policy:read') && can('approvals');

// The page for the address: #/approvals[/id], #/channels, #/self-check, else
// the inbox (the self-check for users without the desk).
function routeOf(hash) {
  if (/^#\/approvals(\/|$)/.test(hash) && can('approvals')) return 'approvals';
  if (/^#\/channels$/.test(hash) && can('desk:admin')) return 'channels';
  if (/^#\/self-check$/.test(hash) && can('check')) return 'selfcheck';
  if (/^#\/bench$/.test(hash) && canBench()) return 'bench';
  if (/^#\/dashboard$/.test(hash) && can('desk:reports')) return 'dashboard';
  if (/^#\/posts(\/(\d+|new))?$/.test(hash) && can('posts:read')) return 'posts';
  if (/^#\/calendar$/.test(hash) && can('posts:read')) return 'calendar';
  if (/^#\/media$/.test(hash) && can('posts:read')) return 'media';
  if (/^#\/advocacy$/.test(hash) && can('advocacy')) return 'advocacy';
  if (isAdminRoute(hash, session.me)) return 'admin';
  // Without the desk (e.g. the role advocate) the self-check is the start page.
  return can('desk:read') || !can('check') ? 'inbox' : 'selfcheck';
}

window.addEventListener('hashchange', () => {
  if (session.me && session.page && routeOf(location.hash) !== session.route) showPage(true);
});

export async function logout() {
  try {
    await post('/api/v1/auth/logout');
  } catch {
    // the session may already be gone
  }
  if (session.page) session.page.destroy();
  session.page = null;
  session.route = '';
  closeEvents();
  if (offApproval) offApproval();
  offApproval = null;
  stopNotifications();
  clearTimeout(pendingTimer);
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
  showPage(false);
  announce(t('lang.changed'));
}

function header() {
  const me = session.me;
  const select = h(
    'select',
    { id: 'lang', 'aria-label': t('lang.label'), onchange: (e) => switchLanguage(e.target.value) },
    LOCALES.map((l) => h('option', { value: l, selected: l === locale() }, t(`lang.${l}`))),
  );
  const bar = h(
    'header',
    { class: 'topbar', role: 'banner' },
    h('a', { class: 'brand', href: '#/inbox' }, 'Leitplanke'),
    nav(),
    moreMenu(),
    h('span', { class: 'spacer' }),
    h('span', { id: 'live', class: 'live' }, t(isLive() ? 'live.on' : 'live.off')),
    notificationButton(),
    h('button', { type: 'button', class: 'link shortcuts-button', onclick: showShortcuts, 'aria-keyshortcuts': '?', 'aria-label': t('shortcuts.button'), title: t('shortcuts.button') }, '?'),
    h('button', { type: 'button', class: 'link', id: 'account-button', onclick: showAccount }, t('account.button')),
    h('label', { class: 'lang', for: 'lang' }, t('lang.label')),
    select,
    h('span', { class: 'who', title: me.username }, me.display_name || me.username),
    h('button', { type: 'button', class: 'secondary', id: 'logout', onclick: logout }, t('logout')),
  );
  watchNav(bar);
  return bar;
}

// The header stays on one line: the navigation keeps its order and scrolls
// sideways inside its room (focus and clicks bring a link into view), and the
// entries that do not fit are offered again in the "More" menu (ARIA menu
// button: Enter, Space or ↓ opens it on the first entry, ↑ on the last; ↑/↓,
// Home/End move; Esc closes it back onto the button; Tab closes it).
let navObserver = null;
let closeMore = () => {};
document.addEventListener('pointerdown', (ev) => closeMore(ev));

function moreMenu() {
  const button = h(
    'button',
    { type: 'button', class: 'link nav-more-button', id: 'nav-more', 'aria-haspopup': 'menu', 'aria-expanded': 'false', 'aria-controls': 'nav-more-menu', hidden: true },
    t('nav.more'),
    h('span', { 'aria-hidden': 'true' }, ' ▾'),
  );
  const menu = h('ul', { id: 'nav-more-menu', class: 'nav-menu', role: 'menu', 'aria-labelledby': 'nav-more', hidden: true });
  const items = () => [...menu.querySelectorAll('[role=menuitem]')];
  const open = (which) => {
    menu.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    const list = items();
    const el = which === 'last' ? list[list.length - 1] : list[0];
    if (el) el.focus();
  };
  const close = (refocus) => {
    if (menu.hidden) return;
    menu.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    if (refocus) button.focus();
  };
  button.addEventListener('click', () => (menu.hidden ? open('first') : close(false)));
  button.addEventListener('keydown', (ev) => {
    if (ev.key === 'ArrowDown' || ev.key === 'Enter' || ev.key === ' ') {
      ev.preventDefault();
      open('first');
    } else if (ev.key === 'ArrowUp') {
      ev.preventDefault();
      open('last');
    }
  });
  menu.addEventListener('keydown', (ev) => {
    const list = items();
    const i = list.indexOf(document.activeElement);
    let next = -1;
    if (ev.key === 'ArrowDown') next = (i + 1) % list.length;
    else if (ev.key === 'ArrowUp') next = (i - 1 + list.length) % list.length;
    else if (ev.key === 'Home') next = 0;
    else if (ev.key === 'End') next = list.length - 1;
    else if (ev.key === 'Escape') {
      ev.preventDefault();
      ev.stopPropagation();
      close(true);
      return;
    } else if (ev.key === 'Tab') {
      close(false);
      return;
    }
    if (next >= 0) {
      ev.preventDefault();
      list[next].focus();
    }
  });
  menu.addEventListener('click', () => close(false));
  closeMore = (ev) => {
    if (!button.contains(ev.target) && !menu.contains(ev.target)) close(false);
  };
  return h('div', { class: 'nav-more' }, button, menu);
}

// Lists the navigation entries that are (partly) outside the navigation's
// visible room in the "More" menu, and shows its button only then.
function fitNav(bar) {
  const navEl = bar.querySelector('nav');
  const button = bar.querySelector('#nav-more');
  const menu = bar.querySelector('#nav-more-menu');
  if (!navEl || !button || !menu) return;
  const box = navEl.getBoundingClientRect();
  const hidden = [...navEl.querySelectorAll(':scope > a')].filter((a) => {
    const r = a.getBoundingClientRect();
    return r.right > box.right + 1 || r.left < box.left - 1;
  });
  const key = hidden.map((a) => `${a.id}:${a.textContent}`).join(' ');
  if (menu.dataset.entries === key) return;
  menu.dataset.entries = key;
  replace(
    menu,
    hidden.map((a) =>
      h(
        'li',
        { role: 'none' },
        h('a', { role: 'menuitem', tabindex: '-1', href: a.getAttribute('href'), id: `${a.id}-more`, 'aria-current': a.getAttribute('aria-current') }, a.firstChild ? a.firstChild.textContent : a.textContent),
      ),
    ),
  );
  button.hidden = hidden.length === 0;
  navEl.classList.toggle('clipped', hidden.length > 0);
  button.classList.toggle('has-current', hidden.some((a) => a.getAttribute('aria-current') === 'page'));
  if (!hidden.length) menu.hidden = true;
}

function watchNav(bar) {
  if (navObserver) navObserver.disconnect();
  const run = () => fitNav(bar);
  navObserver = new ResizeObserver(run);
  // the navigation's room changes with the window and with the other
  // header items (live mark, notification count, language)
  navObserver.observe(bar);
  requestAnimationFrame(() => {
    const navEl = bar.querySelector('nav');
    if (!navEl) return;
    navObserver.observe(navEl);
    navEl.addEventListener('scroll', run, { passive: true });
    run();
  });
}

function nav() {
  const link = (route, href, label, extra) =>
    h('a', { href, id: `nav-${route}`, 'aria-current': session.route === route ? 'page' : null }, label, extra);
  return h(
    'nav',
    { 'aria-label': t('nav.label') },
    can('desk:read') ? link('inbox', '#/inbox', t('nav.inbox')) : null,
    can('approvals')
      ? link('approvals', '#/approvals', t('nav.approvals'), [' ', h('span', { id: 'pending-badge', class: 'badge count-badge', hidden: true, 'aria-live': 'polite' })])
      : null,
    can('desk:admin') ? link('channels', '#/channels', t('nav.channels')) : null,
    can('posts:read') ? link('posts', '#/posts', t('nav.posts')) : null,
    can('posts:read') ? link('calendar', '#/calendar', t('nav.calendar')) : null,
    can('posts:read') ? link('media', '#/media', t('nav.media')) : null,
    can('advocacy') ? link('advocacy', '#/advocacy', t('nav.advocacy')) : null,
    can('check') ? link('selfcheck', '#/self-check', t('nav.selfcheck')) : null,
    canBench() ? link('bench', '#/bench', t('nav.bench')) : null,
    can('desk:reports') ? link('dashboard', '#/dashboard', t('nav.dashboard')) : null,
    canAdmin(session.me) ? link('admin', '#/admin', t('nav.admin')) : null,
  );
}

// The number of pending approvals in the navigation; refreshed on every
// desk.approval event (bursts coalesce).
function schedulePendingCount() {
  clearTimeout(pendingTimer);
  pendingTimer = setTimeout(updatePendingCount, 200);
}

async function updatePendingCount() {
  if (!can('approvals')) return;
  let n = 0;
  try {
    n = ((await get('/api/v1/approvals?state=pending')).approvals || []).length;
  } catch {
    return;
  }
  const el = document.getElementById('pending-badge');
  if (!el) return;
  el.hidden = n === 0;
  el.textContent = String(n);
  el.setAttribute('aria-label', t('approvals.pending_count', { n }));
  el.title = t('approvals.pending_count', { n });
}

const PAGES = {
  inbox: { title: 'nav.inbox', cls: 'desk', skip: '#inbox-list', make: (main) => new Desk(main, session.me) },
  approvals: { title: 'nav.approvals', cls: 'desk approvals', skip: '#approvals-list', make: (main) => new ApprovalsPage(main, session.me) },
  channels: { title: 'nav.channels', cls: 'admin', skip: '#channels-title', make: (main) => new ChannelsPage(main, session.me) },
  selfcheck: { title: 'nav.selfcheck', cls: 'admin', skip: '#selfcheck-text', make: (main) => new SelfCheckPage(main, session.me) },
  bench: { title: 'nav.bench', cls: 'admin', skip: '#bench-text', make: (main) => new BenchPage(main, session.me) },
  dashboard: { title: 'nav.dashboard', cls: 'admin', skip: '#dash-title', make: (main) => new DashboardPage(main, session.me) },
  admin: { title: 'nav.admin', cls: 'admin', skip: '#main', make: (main) => new AdminPage(main, session.me) },
  posts: { title: 'nav.posts', cls: 'desk posts', skip: '#posts-list', make: (main) => new PostsPage(main, session.me) },
  calendar: { title: 'nav.calendar', cls: 'admin', skip: '#cal-title', make: (main) => new CalendarPage(main, session.me) },
  media: { title: 'nav.media', cls: 'admin', skip: '#media-title', make: (main) => new MediaPage(main, session.me) },
  advocacy: { title: 'nav.advocacy', cls: 'desk advocacy-page', skip: '#adv-title', make: (main) => new AdvocacyPage(main, session.me) },
};

// Draws the header and the page for the current address; `focus` moves the
// focus to the page's heading (navigation by keyboard).
function showPage(focus) {
  if (session.page) session.page.destroy();
  session.route = routeOf(location.hash);
  const p = PAGES[session.route];
  document.title = `${t(p.title)} – Leitplanke`;
  const main = h('main', { id: 'main', class: p.cls });
  replace(root, h('a', { class: 'skip', href: p.skip }, t(session.route === 'inbox' ? 'skip' : 'skip.main')), header(), main, statusLine(), shortcutsDialog(), h('dialog', { id: 'account', 'aria-labelledby': 'account-title' }));
  session.page = p.make(main);
  updatePendingCount();
  const heading = main.querySelector('h1');
  if (focus && heading && session.route !== 'inbox') {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: true });
  }
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
  ['g i', 'shortcuts.inbox'],
  ['g a', 'shortcuts.approvals'],
  ['g c', 'shortcuts.channels'],
  ['g s', 'shortcuts.selfcheck'],
  ['g b', 'shortcuts.bench'],
  ['g d', 'shortcuts.dashboard'],
  ['g p', 'shortcuts.posts'],
  ['g k', 'shortcuts.calendar'],
  ['g m', 'shortcuts.media'],
  ['g v', 'shortcuts.advocacy'],
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

// The own account: 2FA state, password change, new recovery codes.
function showAccount() {
  const d = document.getElementById('account');
  const me = session.me;
  const err = h('p', { class: 'error', role: 'alert', hidden: true });
  const fail = (e) => {
    err.hidden = false;
    err.textContent = e.message;
  };
  const pw = h(
    'form',
    { id: 'account-password' },
    h('div', { class: 'field' }, h('label', { for: 'acc-old' }, t('password.old')), h('input', { id: 'acc-old', type: 'password', autocomplete: 'current-password', required: true })),
    h('div', { class: 'field' }, h('label', { for: 'acc-new' }, t('password.new')), h('input', { id: 'acc-new', type: 'password', autocomplete: 'new-password', required: true })),
    h('div', { class: 'field' }, h('label', { for: 'acc-new2' }, t('password.repeat')), h('input', { id: 'acc-new2', type: 'password', autocomplete: 'new-password', required: true })),
    h('button', { type: 'submit', class: 'secondary' }, t('password.submit')),
  );
  pw.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.hidden = true;
    const next = pw.querySelector('#acc-new').value;
    if (next !== pw.querySelector('#acc-new2').value) return fail(new Error(t('password.mismatch')));
    try {
      await post('/api/v1/auth/password', { old_password: pw.querySelector('#acc-old').value, new_password: next });
      pw.reset();
      announce(t('password.changed'));
    } catch (e) {
      fail(e);
    }
  });
  const codes = h('ul', { class: 'codes', id: 'account-codes' });
  const recovery = h('section', {}, h('h3', {}, t('account.recovery')), h('p', { class: 'hint' }, t('account.recovery_help')));
  if (me.totp_enabled) {
    recovery.append(
      h('button', {
        type: 'button',
        class: 'secondary',
        onclick: async () => {
          err.hidden = true;
          try {
            const r = await post('/api/v1/auth/recovery-codes');
            replace(codes, (r.recovery_codes || []).map((c) => h('li', {}, h('code', {}, c))));
          } catch (e) {
            fail(e);
          }
        },
      }, t('account.recovery')),
      codes,
    );
  }
  replace(
    d,
    h('h2', { id: 'account-title' }, t('account.title')),
    h('p', {}, `${me.display_name || me.username} (${me.username}) · ${(me.roles || []).join(', ')}`),
    h('p', {}, me.totp_enabled ? t('account.twofa_on') : t('account.twofa_off')),
    h('section', {}, h('h3', {}, t('account.password')), pw),
    me.totp_enabled ? recovery : null,
    h('p', {}, h('a', { href: '#/admin/tokens', id: 'account-tokens', onclick: () => d.close() }, t('account.tokens'))),
    err,
    h('form', { method: 'dialog' }, h('button', { type: 'submit', class: 'primary' }, t('close'))),
  );
  if (!d.open) d.showModal();
}

// "g" then a letter goes to a page (within 1.5 s).
let goPending = 0;
const GO = { i: '#/inbox', a: '#/approvals', c: '#/channels', s: '#/self-check', b: '#/bench', d: '#/dashboard', p: '#/posts', k: '#/calendar', m: '#/media', v: '#/advocacy' };

document.addEventListener('keydown', (ev) => {
  if (!session.page || ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  if (inTextField(ev)) return;
  if (document.querySelector('dialog[open]')) return;
  if (ev.key === '?') {
    ev.preventDefault();
    showShortcuts();
    return;
  }
  if (goPending && Date.now() - goPending < 1500 && GO[ev.key]) {
    ev.preventDefault();
    goPending = 0;
    location.hash = GO[ev.key];
    return;
  }
  goPending = ev.key === 'g' ? Date.now() : 0;
  if (ev.key === 'g') return;
  session.page.onKey(ev);
});

start().catch(showFatal);
