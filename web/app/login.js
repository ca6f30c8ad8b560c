// Sign-in steps: username and password, the second factor (TOTP or recovery
// code), the forced password change of the first run, and 2FA enrolment
// (the key as a QR code drawn by the server, and as text).
import { post } from './api.js';
import { h, replace } from './dom.js';
import { t } from './i18n.js';

function page(root, title, ...body) {
  const heading = h('h1', { id: 'page-title', tabindex: '-1' }, title);
  replace(
    root,
    h('main', { class: 'center-page' }, h('section', { class: 'card auth', 'aria-labelledby': 'page-title' }, h('p', { class: 'brand-line' }, 'Leitplanke'), heading, ...body)),
  );
  const first = root.querySelector('input, button');
  (first || heading).focus();
}

function field(id, label, attrs = {}) {
  return h('div', { class: 'field' }, h('label', { for: id }, label), h('input', { id, name: id, ...attrs }));
}

function errorBox() {
  return h('p', { class: 'error', role: 'alert', hidden: true });
}

function showError(box, e) {
  box.hidden = false;
  box.textContent = e.message || String(e);
}

// Disables the form while `fn` runs; errors go to `box`.
function submitting(form, box, fn) {
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    box.hidden = true;
    const buttons = form.querySelectorAll('button');
    buttons.forEach((b) => (b.disabled = true));
    try {
      await fn();
    } catch (e) {
      showError(box, e);
      buttons.forEach((b) => (b.disabled = false));
    }
  });
}

export function renderLogin(root, { onSignedIn }) {
  const box = errorBox();
  const form = h(
    'form',
    { id: 'login-form', novalidate: true },
    field('username', t('login.username'), { autocomplete: 'username', required: true, autocapitalize: 'none' }),
    field('password', t('login.password'), { type: 'password', autocomplete: 'current-password', required: true }),
    box,
    h('button', { type: 'submit', class: 'primary' }, t('login.submit')),
  );
  submitting(form, box, async () => {
    const username = form.querySelector('#username').value.trim();
    const password = form.querySelector('#password').value;
    if (!username || !password) throw new Error(t('login.missing'));
    const r = await post('/api/v1/auth/login', { username, password });
    await onSignedIn({ ...r, password });
  });
  page(root, t('login.title'), form);
}

export function renderMfa(root, { onDone, onCancel }) {
  const box = errorBox();
  const form = h(
    'form',
    { id: 'mfa-form', novalidate: true },
    h('p', {}, t('mfa.help')),
    field('code', t('mfa.code'), { autocomplete: 'one-time-code', required: true, autocapitalize: 'none', spellcheck: 'false' }),
    box,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, t('mfa.submit')), h('button', { type: 'button', class: 'secondary', onclick: onCancel }, t('cancel'))),
  );
  submitting(form, box, async () => {
    const code = form.querySelector('#code').value.replace(/\s+/g, '');
    if (!code) throw new Error(t('mfa.missing'));
    await post('/api/v1/auth/mfa', { code });
    await onDone();
  });
  page(root, t('mfa.title'), form);
}

export function renderPasswordChange(root, { forced, oldPassword, onDone, onCancel }) {
  const box = errorBox();
  const form = h(
    'form',
    { id: 'password-form', novalidate: true },
    forced ? h('p', {}, t('password.forced')) : null,
    oldPassword ? null : field('old-password', t('password.old'), { type: 'password', autocomplete: 'current-password', required: true }),
    field('new-password', t('password.new'), { type: 'password', autocomplete: 'new-password', required: true, 'aria-describedby': 'pw-hint' }),
    h('p', { id: 'pw-hint', class: 'hint' }, t('password.hint')),
    field('new-password2', t('password.repeat'), { type: 'password', autocomplete: 'new-password', required: true }),
    box,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, t('password.submit')), h('button', { type: 'button', class: 'secondary', onclick: onCancel }, t('logout'))),
  );
  submitting(form, box, async () => {
    const old = oldPassword || form.querySelector('#old-password').value;
    const next = form.querySelector('#new-password').value;
    if (next !== form.querySelector('#new-password2').value) throw new Error(t('password.mismatch'));
    await post('/api/v1/auth/password', { old_password: old, new_password: next });
    await onDone();
  });
  page(root, t('password.title'), form);
}

export async function renderTotpEnrolment(root, { onDone, onCancel }) {
  const box = errorBox();
  let enrolment;
  try {
    enrolment = await post('/api/v1/auth/totp/start');
  } catch (e) {
    page(root, t('totp.title'), box);
    showError(box, e);
    return;
  }
  const grouped = enrolment.secret.replace(/(.{4})/g, '$1 ').trim();
  const form = h(
    'form',
    { id: 'totp-form', novalidate: true },
    h('p', {}, t('totp.help')),
    enrolment.qr_svg
      ? h(
          'figure',
          { class: 'totp-qr' },
          h('img', { id: 'totp-qr', src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(enrolment.qr_svg)}`, alt: t('totp.qr_alt'), width: 220, height: 220 }),
          h('figcaption', { class: 'hint' }, t('totp.qr_help')),
        )
      : null,
    h('p', {}, t('totp.secret')),
    h('p', { class: 'secret', id: 'totp-secret', dataset: { secret: enrolment.secret } }, grouped),
    h('details', {}, h('summary', {}, t('totp.uri')), h('p', { class: 'uri' }, enrolment.otpauth_uri)),
    field('totp-code', t('totp.code'), { autocomplete: 'one-time-code', inputmode: 'numeric', required: true }),
    box,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, t('totp.submit')), h('button', { type: 'button', class: 'secondary', onclick: onCancel }, t('logout'))),
  );
  submitting(form, box, async () => {
    const code = form.querySelector('#totp-code').value.replace(/\s+/g, '');
    const r = await post('/api/v1/auth/totp/confirm', { code });
    showRecoveryCodes(root, r.recovery_codes || [], onDone);
  });
  page(root, t('totp.title'), form);
}

function showRecoveryCodes(root, codes, onDone) {
  page(
    root,
    t('recovery.title'),
    h('p', {}, t('recovery.help')),
    h('ul', { class: 'codes', id: 'recovery-codes' }, codes.map((c) => h('li', {}, h('code', {}, c)))),
    h('button', { type: 'button', class: 'primary', id: 'recovery-done', onclick: onDone }, t('recovery.done')),
  );
}
