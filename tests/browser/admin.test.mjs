// Browser test of the administration pages (web/app/admin*.js and the
// channel form of channels.js): starts the real server on a free port with a
// fresh data folder, drives Debian's Chromium through playwright-core and
// checks, as the first administrator: the QR code during 2FA enrolment; a
// new user (one-time password shown once and working), roles, disabling; a
// team with a lead; an API token whose secret is shown once, works and is
// revoked; a broken policy pack refused with the line of the error, two
// valid versions uploaded, one activated and rolled back; a channel created
// with a credential that is never shown again and its settings changed; the
// audit log filtered and its chain verified; an agent without the
// Administration entry who reaches the own tokens from the account dialog and
// reads the pack versions only; keyboard use, tablet width and German texts.
//
//   node tests/browser/admin.test.mjs path/to/leitplanke
//
// Needs /usr/bin/chromium and node_modules/playwright-core (both installed
// by scripts/install-deps); fails, never skips, when either is missing.
import { join } from 'node:path';
import { ROOT, runBrowserTest, changeFirstPassword, enrolTotp, acknowledgeRecoveryCodes, signInUser, pageApi } from './harness.mjs';

// Everything a person could read or copy out of the page: the text, the
// attributes and the values of the inputs.
function pageText(pg) {
  return pg.evaluate(() => {
    const values = [...document.querySelectorAll('input, textarea')].map((i) => i.value).join('\n');
    return `${document.documentElement.outerHTML}\n${values}`;
  });
}

await runBrowserTest({ name: 'admin', screenshot: 'admin-failure.png' }, async ({ server, oneTime, page, errors: pageErrors, step, assert, newPage }) => {
  const { base } = server;

  // Confirms the next confirmation dialog the page opens.
  async function confirm() {
    await page.waitForSelector('dialog.confirm[open]');
    await page.click('#confirm-ok');
    await page.waitForSelector('dialog.confirm', { state: 'detached' });
  }

  await step('2FA enrolment shows the key as a QR code image', async () => {
    await changeFirstPassword(page, base, oneTime);
    const img = await page.waitForSelector('#totp-qr');
    const info = await img.evaluate(async (el) => {
      if (!el.complete) await new Promise((r) => el.addEventListener('load', r, { once: true }));
      return { src: el.getAttribute('src'), alt: el.alt, w: el.naturalWidth, h: el.naturalHeight, visible: el.getBoundingClientRect().width > 100 };
    });
    assert(info.src.startsWith('data:image/svg+xml'), `QR code is an SVG data image (${info.src.slice(0, 40)})`);
    assert(info.w > 0 && info.w === info.h, `the image decodes as a square (${info.w}×${info.h})`);
    assert(info.visible && info.alt.length > 10, 'the QR code is shown with a text alternative');
    const svg = decodeURIComponent(info.src.slice(info.src.indexOf(',') + 1));
    assert(/^<svg [^>]*viewBox="0 0 (\d+) \1"/.test(svg), 'square viewBox');
    const { secret } = await enrolTotp(page);
    assert(secret && secret.length >= 16, 'the key is also shown as text');
    await acknowledgeRecoveryCodes(page);
    await page.waitForSelector('#nav-admin');
    // the texts checked below are the English ones (the account's language is German)
    await page.selectOption('#lang', 'en');
    await page.waitForFunction(() => document.getElementById('nav-admin')?.textContent === 'Administration' && document.documentElement.lang === 'en');
  });

  let miraPassword = '';
  await step('users: create a user, its one-time password is shown once and works', async () => {
    await page.click('#nav-admin');
    await page.waitForSelector('#users-table');
    assert((await page.getAttribute('#admin-tab-users', 'aria-current')) === 'page', 'users is the first admin page');
    assert(await page.evaluate(() => document.activeElement && document.activeElement.id === 'users-title'), 'focus on the heading');
    const admin = page.locator('#users-table tr[data-username="admin"]');
    assert((await admin.locator('.twofa').innerText()).trim() === 'On', 'the admin has 2FA on');
    await page.fill('#new-username', 'mira');
    await page.fill('#new-display', 'Mira <b>Muster</b>');
    await page.uncheck('#user-create input[name="new-role"][value="agent"]');
    await page.check('#user-create input[name="new-role"][value="approver"]');
    await page.click('#user-create button[type=submit]');
    await page.waitForSelector('#user-password .secret-value');
    miraPassword = await page.innerText('#user-password .secret-value');
    assert(/^[A-Za-z0-9]{4}(-[A-Za-z0-9]{4}){4}$/.test(miraPassword), `one-time password shape (${miraPassword})`);
    const row = page.locator('#users-table tr[data-username="mira"]');
    await row.waitFor();
    assert((await row.locator('.badge.role').allInnerTexts()).join() === 'Approver', 'role approver');
    assert((await row.locator('.state').innerText()).includes('Must change password'), 'must change the password');
    assert((await row.innerText()).includes('Mira <b>Muster</b>'), 'markup in a display name is shown as text');
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'mira', password: miraPassword }),
    });
    const lj = await login.json();
    assert(login.status === 200 && lj.must_change_password === true, `the one-time password signs in (${login.status})`);
    await page.click('#user-password .secret-close');
    await page.waitForSelector('#user-password', { state: 'detached' });
    await page.click('#admin-tab-teams');
    await page.click('#admin-tab-users');
    await page.waitForSelector('#users-table tr[data-username="mira"]');
    assert(!(await pageText(page)).includes(miraPassword), 'the one-time password is not shown again');
  });

  await step('users: change roles and disable', async () => {
    const row = () => page.locator('#users-table tr[data-username="mira"]');
    await row().locator('.edit-roles').click();
    await page.waitForSelector('#roles-dialog[open]');
    await page.check('#roles-form input[value="publisher"]');
    await page.click('#roles-form button[type=submit]');
    await page.waitForSelector('#roles-dialog', { state: 'detached' });
    await page.waitForFunction(() => document.querySelectorAll('#users-table tr[data-username="mira"] .badge.role').length === 2);
    await row().locator('.toggle-disabled').click();
    await confirm();
    await page.waitForSelector('#users-table tr[data-username="mira"] .badge.state-disabled');
    const r = await pageApi(page, 'GET', '/api/v1/users');
    const mira = r.body.users.find((u) => u.username === 'mira');
    assert(mira.disabled && mira.roles.sort().join() === 'approver,publisher', `stored: ${JSON.stringify(mira)}`);
  });

  await step('teams: create a team and add a lead, by keyboard', async () => {
    // the sub-navigation works with the keyboard
    await page.focus('#admin-tab-teams');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#team-create');
    await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'teams-title');
    await page.fill('#new-team', 'Social Media');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#teams-table tr[data-name="Social Media"]');
    await page.waitForSelector('#members-title');
    assert((await page.innerText('#members-title')).includes('Social Media'), 'the new team is open');
    await page.selectOption('#member-user', { label: 'mira' });
    await page.check('#member-lead');
    await page.click('#member-add button[type=submit]');
    await page.waitForSelector('#member-list li[data-user="mira"] .badge.lead');
    // rename: the list, the open team and its members follow; then back
    await page.fill('#team-new-name', 'Social Media & <b>Presse</b>');
    await page.click('#team-rename button[type=submit]');
    await page.waitForSelector('#teams-table tr[data-name="Social Media & <b>Presse</b>"]');
    assert((await page.innerText('#members-title')).includes('Social Media & <b>Presse</b>'), 'renamed team open, name as text');
    await page.waitForSelector('#member-list li[data-user="mira"] .badge.lead');
    assert((await page.locator('#teams-table b').count()) === 0, 'the name renders as text');
    await page.fill('#team-new-name', 'Social Media');
    await page.click('#team-rename button[type=submit]');
    await page.waitForSelector('#teams-table tr[data-name="Social Media"]');
  });

  let token = '';
  await step('API tokens: the secret is shown once, works, and is revoked', async () => {
    await page.click('#admin-tab-tokens');
    await page.fill('#token-name', 'ci check');
    assert(await page.isChecked('#token-create input[value="check"]'), 'scope check preselected');
    await page.selectOption('#token-expiry', '30');
    await page.click('#token-create button[type=submit]');
    await page.waitForSelector('#token-secret .secret-value');
    token = await page.innerText('#token-secret .secret-value');
    assert(token.length > 20, 'token shown');
    await page.waitForSelector('#tokens-table tr[data-name="ci check"][data-state="active"]');
    const use = await fetch(`${base}/api/v1/check`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify({ text: 'Hallo' }),
    });
    assert(use.status === 200, `the token works (${use.status})`);
    const list = await pageApi(page, 'GET', '/api/v1/auth/tokens');
    assert(!JSON.stringify(list.body).includes(token), 'the API never returns the secret again');
    await page.reload();
    await page.waitForSelector('#tokens-table tr[data-name="ci check"]');
    assert(!(await pageText(page)).includes(token), 'after a reload the secret is gone');
    await page.click('#tokens-table tr[data-name="ci check"] .revoke');
    await confirm();
    await page.waitForSelector('#tokens-table tr[data-name="ci check"][data-state="revoked"]');
    const again = await fetch(`${base}/api/v1/check`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify({ text: 'Hallo' }),
    });
    assert(again.status === 401, `a revoked token is refused (${again.status})`);
  });

  await step('policy packs: a broken pack shows the lint error with its line', async () => {
    await page.click('#admin-tab-policies');
    await page.waitForSelector('#policy-active-version');
    assert((await page.getAttribute('#policy-active-version', 'data-version')) === '0', 'the built-in pack is active');
    await page.setInputFiles('#policy-file', { name: 'pack.toml', mimeType: 'text/plain', buffer: Buffer.from('[policy]\nid = "broken"\n[[rule]\nid = "x"\n') });
    await page.waitForSelector('#policy-files li[data-path="pack.toml"]');
    await page.click('#policy-upload');
    const problem = page.locator('#policy-problems .problem').first();
    await problem.waitFor();
    assert((await problem.getAttribute('data-file')) === 'pack.toml', 'the problem names the file');
    assert((await problem.getAttribute('data-line')) === '3', `the problem names line 3 (${await problem.getAttribute('data-line')})`);
    assert(Number(await problem.getAttribute('data-column')) > 0, 'and a column');
    assert(/pack\.toml, line 3, column \d+/.test(await problem.innerText()), `shown: ${await problem.innerText()}`);
    const stored = (await pageApi(page, 'GET', '/api/v1/policies')).body;
    assert(stored.versions.length === 0, 'nothing was stored');
  });

  await step('policy packs: upload two valid versions, activate, roll back', async () => {
    const folder = join(ROOT, 'policies', 'default');
    for (const [n, comment] of [
      [1, 'as shipped'],
      [2, 'second upload'],
    ]) {
      await page.setInputFiles('#policy-folder', folder);
      await page.waitForSelector('#policy-files li[data-path="company/terms.txt"]');
      await page.fill('#policy-comment', comment);
      await page.click('#policy-upload');
      await page.waitForSelector('#policy-uploaded');
      await page.waitForSelector(`#policy-v${n}[data-active="0"]`);
      assert((await page.innerText(`#policy-v${n} .comment`)) === comment, 'comment stored');
    }
    await page.click('#policy-v2 .activate');
    await confirm();
    await page.waitForSelector('#policy-v2[data-active="1"]');
    await page.waitForSelector('#policy-active-version[data-version="2"]');
    await page.click('#policy-rollback');
    await confirm();
    await page.waitForSelector('#policy-v1[data-active="1"]');
    await page.waitForSelector('#policy-active-version[data-version="1"]');
    const check = (await pageApi(page, 'POST', '/api/v1/check', { text: 'Hallo' })).body;
    assert(check.policy_revision === 1, `checks use version 1 (${check.policy_revision})`);
  });

  const credential = 'tok-Very-Secret-7f3a91';
  await step('channels: create a channel; its credential is never shown again', async () => {
    await page.click('#nav-channels');
    await page.waitForSelector('#channel-create');
    await page.fill('#channel-name', 'social-masto');
    await page.selectOption('#channel-kind', 'mastodon');
    await page.fill('#new-setting-base_url', 'http://127.0.0.1:9');
    await page.fill('#new-secret-access_token', credential);
    assert((await page.getAttribute('#new-secret-access_token', 'type')) === 'password', 'typed into a password field');
    await page.click('#channel-create button[type=submit]');
    const card = page.locator('.channel-card[data-name="social-masto"]');
    await card.waitFor();
    assert((await card.locator('.stored-secrets').innerText()).includes('access_token'), 'the card names the stored credential');
    const left = await page.locator('#channel-create input').evaluateAll((els) => els.map((e) => e.value).join(''));
    assert(left === '', `the form forgot what was typed (${left})`);
    assert(!(await pageText(page)).includes(credential), 'the credential is not on the page');
    await page.reload();
    await card.waitFor();
    assert(!(await pageText(page)).includes(credential), 'nor after a reload');
    // the settings can be changed afterwards; the credential stays where it is
    await card.locator('.edit-settings summary').click();
    const input = card.locator('.settings-form input[id$="-setting-base_url"]');
    assert((await input.inputValue()) === 'http://127.0.0.1:9', 'the setting is prefilled');
    await input.fill('http://127.0.0.1:10');
    await card.locator('.settings-form button[type=submit]').click();
    await page.waitForFunction(async () => {
      const r = await fetch('/api/v1/desk/channels');
      const c = (await r.json()).channels.find((x) => x.name === 'social-masto');
      return c && c.settings.base_url === 'http://127.0.0.1:10';
    });
    const saved = (await pageApi(page, 'GET', '/api/v1/desk/channels')).body.channels.find((x) => x.name === 'social-masto');
    assert(saved.settings.base_url === 'http://127.0.0.1:10', `setting saved: ${JSON.stringify(saved.settings)}`);
    assert((await card.locator('.stored-secrets').innerText()).includes('access_token'), 'the credential is still stored');
    for (const path of ['/api/v1/desk/channels', '/api/v1/vault/secrets']) {
      const r = await pageApi(page, 'GET', path);
      assert(r.status === 200 && !JSON.stringify(r.body).includes(credential), `${path} does not return it`);
    }
  });

  await step('channels: the form follows the server\'s kinds; delete asks first and removes the credential', async () => {
    const kinds = (await pageApi(page, 'GET', '/api/v1/desk/channel-kinds')).body.kinds;
    const offered = await page.locator('#channel-kind option').evaluateAll((els) => els.map((e) => e.value));
    assert(JSON.stringify(offered) === JSON.stringify(kinds.map((k) => k.kind)), `kinds offered as the server lists them (${offered})`);
    await page.selectOption('#channel-kind', 'webchat');
    await page.waitForSelector('#new-setting-allowed_origins[required]');
    assert((await page.locator('#channel-create input[type=password]').count()) === 0, 'webchat has no credentials');
    await page.selectOption('#channel-kind', 'mastodon');
    await page.waitForSelector('#new-secret-access_token[type=password]');
    assert((await page.locator('#new-setting-access_token').count()) === 0, 'the token is no setting');
    assert((await page.innerText('#new-setting-base_url-hint')).length > 0, 'a setting explained');
    const card = page.locator('.channel-card[data-name="social-masto"]');
    // cancelled: nothing happens
    await card.locator('.delete-channel').click();
    await page.waitForSelector('dialog.confirm[open]');
    await page.click('#confirm-cancel');
    await page.waitForSelector('dialog.confirm', { state: 'detached' });
    assert((await card.count()) === 1, 'kept after cancel');
    // confirmed by keyboard: no conversations, so it is deleted with its credential
    await card.locator('.delete-channel').click();
    await page.waitForSelector('dialog.confirm[open]');
    await page.focus('#confirm-ok');
    await page.keyboard.press('Enter');
    await card.waitFor({ state: 'detached' });
    const names = JSON.stringify((await pageApi(page, 'GET', '/api/v1/vault/secrets')).body);
    assert(!names.includes('channel/social-masto/'), 'its credential is gone from the vault');
    // the demo channel has conversations: it would be retired, not deleted (API test)
  });

  await step('audit log: filter by actor, action and time; verify the chain', async () => {
    await page.click('#nav-admin');
    await page.click('#admin-tab-audit');
    await page.waitForSelector('#audit-table');
    const all = await page.locator('#audit-table .audit-row').count();
    assert(all > 5, `entries shown (${all})`);
    const seqs = await page.locator('#audit-table .audit-row').evaluateAll((rows) => rows.map((r) => Number(r.dataset.seq)));
    assert(seqs.every((s, i) => i === 0 || s < seqs[i - 1]), 'newest first');
    await page.fill('#audit-actor', 'user:admin');
    await page.fill('#audit-action', 'team_create');
    await page.click('#audit-filters button[type=submit]');
    await page.waitForFunction(() => document.querySelectorAll('#audit-table .audit-row').length === 1);
    const row = page.locator('#audit-table .audit-row');
    assert((await row.getAttribute('data-action')) === 'team_create' && (await row.locator('.target').innerText()) === 'Social Media', 'the team creation');
    // a time range in the future matches nothing
    const later = new Date(Date.now() + 2 * 86400000);
    const local = new Date(later.getTime() - later.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
    await page.fill('#audit-since', local);
    await page.click('#audit-filters button[type=submit]');
    await page.waitForSelector('#audit-list .placeholder');
    await page.click('#audit-filters button[type=reset]');
    await page.waitForFunction((n) => document.querySelectorAll('#audit-table .audit-row').length >= n, all);
    await page.fill('#audit-action', 'policy_');
    await page.selectOption('#audit-order', 'asc');
    await page.click('#audit-filters button[type=submit]');
    await page.waitForFunction(() => document.querySelectorAll('#audit-table .audit-row').length === 4);
    const actions = await page.locator('#audit-table .audit-row').evaluateAll((rows) => rows.map((r) => r.dataset.action));
    assert(actions.join() === 'policy_upload,policy_upload,policy_activate,policy_rollback', `oldest first: ${actions}`);
    await page.click('#audit-verify');
    await page.waitForSelector('#audit-verify-box');
    assert((await page.getAttribute('#audit-verify-box', 'data-ok')) === '1', 'the chain is intact');
    assert(/Chain intact: \d+ entries checked/.test(await page.innerText('#audit-verify-box')), await page.innerText('#audit-verify-box'));
  });

  await step('an agent has no administration entry but reaches the own tokens', async () => {
    const r = await pageApi(page, 'POST', '/api/v1/users', { username: 'kai', password: 'a long enough password 1', roles: ['agent'] });
    assert(r.status === 201, `agent created (${r.status} ${JSON.stringify(r.body)})`);
    const p2 = await newPage({ who: 'agent' });
    try {
      await signInUser(p2, `${base}/app#/admin/users`, { username: 'kai', password: 'a long enough password 1' });
      await p2.waitForSelector('#nav-inbox');
      assert((await p2.locator('#nav-admin').count()) === 0, 'no Administration entry');
      assert((await p2.locator('#users-table').count()) === 0, '#/admin/users is not opened for an agent');
      await p2.click('#account-button');
      await p2.click('#account-tokens');
      await p2.waitForSelector('#token-create');
      const tabs = await p2.locator('.subnav a').evaluateAll((els) => els.map((e) => e.id));
      // policy:read lets an agent read the pack versions; nothing else of the administration
      assert(tabs.join() === 'admin-tab-policies,admin-tab-tokens', `the agent's admin pages: ${tabs}`);
      const scopes = await p2.locator('#token-create input[name="token-scope"]').evaluateAll((els) => els.map((e) => e.value));
      assert(scopes.includes('desk:reply') && !scopes.includes('users:write'), `scopes within the agent's permissions: ${scopes}`);
      await p2.click('#admin-tab-policies');
      await p2.waitForSelector('#policy-v1');
      assert((await p2.locator('#policy-upload-form, #policy-rollback, .activate').count()) === 0, 'read only');
    } finally {
      await p2.context().close();
    }
  });

  await step('header: one line at 1280 px in German and English; the More menu by keyboard', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    for (const lang of ['de', 'en']) {
      await page.selectOption('#lang', lang);
      await page.waitForFunction((l) => document.documentElement.lang === l && document.getElementById('nav-inbox')?.textContent === (l === 'de' ? 'Posteingang' : 'Inbox'), lang);
      await page.waitForTimeout(100);
      const m = await page.evaluate(() => {
        const bar = document.querySelector('header.topbar');
        const items = [...bar.children].filter((e) => e.getClientRects().length && e.getBoundingClientRect().width > 2);
        const mids = items.map((e) => {
          const r = e.getBoundingClientRect();
          return r.top + r.height / 2;
        });
        return { height: bar.getBoundingClientRect().height, tallest: Math.max(...items.map((e) => e.getBoundingClientRect().height)), spread: Math.max(...mids) - Math.min(...mids) };
      });
      assert(m.spread < 4 && m.height < m.tallest + 24, `${lang}: the header is one line (${JSON.stringify(m)})`);
    }
    // the entries that do not fit are in the More menu (ARIA menu button)
    const more = page.locator('#nav-more');
    assert(await more.isVisible(), 'an admin has more entries than fit at 1280 px');
    assert((await more.getAttribute('aria-haspopup')) === 'menu' && (await more.getAttribute('aria-expanded')) === 'false', 'menu button');
    await more.focus();
    await page.keyboard.press('ArrowDown');
    await page.waitForSelector('#nav-more-menu:not([hidden])');
    assert((await more.getAttribute('aria-expanded')) === 'true', 'expanded');
    const items = page.locator('#nav-more-menu [role=menuitem]');
    const count = await items.count();
    assert(count >= 1, 'entries in the menu');
    assert(await page.evaluate(() => document.activeElement.getAttribute('role') === 'menuitem'), 'the first entry has the focus');
    await page.keyboard.press('End');
    assert(await page.evaluate(() => document.activeElement.id === 'nav-admin-more'), 'Administration is the last entry');
    await page.keyboard.press('Escape');
    await page.waitForSelector('#nav-more-menu[hidden]', { state: 'attached' });
    assert(await page.evaluate(() => document.activeElement.id === 'nav-more'), 'Esc returns to the button');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => location.hash.startsWith('#/admin'));
    // tablet width: still one line, no sideways scrolling of the page
    await page.setViewportSize({ width: 820, height: 1180 });
    await page.waitForTimeout(100);
    const tablet = await page.evaluate(() => ({ height: document.querySelector('header.topbar').getBoundingClientRect().height, overflow: document.documentElement.scrollWidth - window.innerWidth }));
    assert(tablet.height < 70 && tablet.overflow <= 1, `tablet header (${JSON.stringify(tablet)})`);
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.selectOption('#lang', 'en');
  });

  await step('tablet width and German', async () => {
    await page.setViewportSize({ width: 820, height: 1180 });
    await page.click('#admin-tab-users');
    await page.waitForSelector('#users-table');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow <= 1, `no sideways scrolling of the page at tablet width (${overflow} px)`);
    assert(await page.isVisible('#user-create button[type=submit]'), 'the form is there');
    await page.selectOption('#lang', 'de');
    await page.waitForFunction(() => document.getElementById('admin-tab-users')?.textContent === 'Benutzer');
    assert((await page.innerText('#admin-tab-audit')) === 'Audit-Log', 'German sub-navigation');
    await page.setViewportSize({ width: 1280, height: 800 });
    assert(pageErrors.length === 0, `no script errors: ${pageErrors.join(' | ')}`);
  });
});
