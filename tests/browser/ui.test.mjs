// Browser test of the web app (web/app): starts the real server on a free
// port with a fresh data folder and the demo inbox, drives Debian's Chromium
// through playwright-core, and checks sign-in with the first-run password
// change and 2FA enrolment, the inbox, keyboard navigation, the live guard in
// the composer, sending a reply, output escaping of customer text, the CSP,
// the language switch, the approval of a held reply by a second person (with
// the role approver, in a second browser), the channels page and the
// self-check of a private post (role advocate; the audit log does not grow).
//
//   node tests/browser/ui.test.mjs path/to/leitplanke
//
// Needs /usr/bin/chromium and node_modules/playwright-core (both installed
// by scripts/install-deps); fails, never skips, when either is missing.
import { runBrowserTest, changeFirstPassword, enrolTotp, acknowledgeRecoveryCodes, signInUser, totp, pageApi } from './harness.mjs';

const XSS = '<img src=x onerror=alert(1)><script>alert(2)</script>';
let secret = '';
let enrolStep = 0;
let recovery = [];
let webchatSession = '';
let heldText = '';

await runBrowserTest({ name: 'UI', screenshot: 'failure.png', locale: 'de-DE' }, async ({ server, oneTime, page, errors: pageErrors, step, assert, newPage }) => {
  const { base } = server;
  const dialogs = () => pageErrors.filter((e) => /dialog: /.test(e));

  await step('CSP and redirects', async () => {
    const root = await fetch(`${base}/`, { redirect: 'manual' });
    assert(root.status === 302 && root.headers.get('location') === '/app', `/ → ${root.status} ${root.headers.get('location')}`);
    for (const path of ['/app', '/app/index.html', '/app/main.js', '/app/app.css', '/app/i18n/de.json']) {
      const r = await fetch(`${base}${path}`);
      const csp = r.headers.get('content-security-policy') || '';
      assert(r.status === 200, `${path}: HTTP ${r.status}`);
      assert(csp.includes("script-src 'self'") && csp.includes("default-src 'none'") && csp.includes("frame-ancestors 'none'") && !csp.includes('unsafe'), `${path} CSP: ${csp}`);
    }
    const html = await (await fetch(`${base}/app`)).text();
    assert(!/<script>|<style|\sstyle=|\son\w+=/i.test(html), 'index.html has no inline script or style');
  });

  await step('sign in, change the one-time password, enrol 2FA', async () => {
    const resp = await changeFirstPassword(page, base, oneTime);
    assert((resp.headers()['content-security-policy'] || '').includes("script-src 'self'"), 'page has the CSP');
    ({ secret, step: enrolStep } = await enrolTotp(page));
    assert(secret && secret.length >= 16, 'TOTP secret shown');
    recovery = await acknowledgeRecoveryCodes(page);
    assert(recovery.length === 10, 'ten recovery codes');
  });

  let publicIndex = -1;
  await step('demo inbox in German', async () => {
    await page.waitForSelector('#inbox-list [role=option]');
    await page.waitForFunction(() => document.querySelectorAll('#inbox-list [role=option]').length >= 5);
    assert((await page.textContent('#inbox-title')) === 'Posteingang', 'German title');
    assert((await page.getAttribute('html', 'lang')) === 'de', 'html lang=de');
    publicIndex = await page.evaluate(() => [...document.querySelectorAll('#inbox-list [role=option]')].findIndex((el) => el.dataset.public === '1'));
    assert(publicIndex >= 0, 'the demo has a public conversation');
    assert((await page.locator('#inbox-list .badge.unread').count()) > 0, 'unread badges');
  });

  await step('shortcut list on ?', async () => {
    await page.keyboard.press('?');
    await page.waitForSelector('#shortcuts[open]');
    assert((await page.locator('#shortcuts dt').count()) >= 6, 'shortcuts listed');
    await page.keyboard.press('Escape');
    await page.waitForSelector('#shortcuts:not([open])', { state: 'attached' });
  });

  let convId = 0;
  await step('open a public conversation with j and Enter', async () => {
    // j until a public conversation is selected (the demo keeps adding
    // conversations, so the list may move while we go down it)
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('j');
      if ((await page.getAttribute('#inbox-list [aria-selected=true]', 'data-public')) === '1') break;
    }
    assert((await page.getAttribute('#inbox-list [aria-selected=true]', 'data-public')) === '1', 'a public conversation selected');
    const selected = await page.getAttribute('#inbox-list [aria-selected=true]', 'data-id');
    await page.keyboard.press('Enter');
    await page.waitForFunction((id) => location.hash === `#/c/${id}`, selected);
    convId = Number(selected);
    await page.waitForSelector('#thread .msg-inbound');
    await page.waitForSelector('#reply-text');
    assert((await page.locator('.contact dd').count()) >= 2, 'contact card');
  });

  await step('composer: IBAN and internal project name underlined, explained, send blocked', async () => {
    await page.keyboard.press('r');
    assert(await page.evaluate(() => document.activeElement.id === 'reply-text'), 'r focuses the composer');
    await page.keyboard.type('Ihre IBAN DE89 3704 0044 0532 0130 00 ist hinterlegt, Projekt Falke startet bald.');
    await page.waitForSelector('#send[data-decision=blocked]');
    assert(await page.isDisabled('#send'), 'send button disabled');
    assert((await page.textContent('#send')).includes('Gesperrt'), 'button says blocked');
    const block = await page.textContent('.mirror mark.act-block');
    assert(block.includes('DE89'), `IBAN underlined as block: ${block}`);
    const hold = await page.textContent('.mirror mark.act-hold');
    assert(hold === 'Projekt Falke', `project name underlined as hold: ${hold}`);
    const pii = await page.textContent('#findings li[data-rule="R01.pii"] .finding-message');
    const term = await page.textContent('#findings li[data-rule="R03.terms"] .finding-message');
    assert(pii.length > 10 && term.length > 10, 'findings explained');
    assert((await page.textContent('#findings li[data-rule="R03.terms"]')).includes('R03'), 'clause shown');
    assert((await page.textContent('#estimate')).length > 0, 'length shown');
  });

  await step('one-click redaction leaves the term: submitted for approval', async () => {
    await page.click('#apply-redaction');
    await page.waitForSelector('#send[data-decision=held]');
    assert(!(await page.inputValue('#reply-text')).includes('DE89'), 'IBAN redacted');
    assert((await page.textContent('#send')).includes('Freigabe'), 'button says approval');
    assert((await page.locator('.mirror mark.act-block').count()) === 0, 'no block mark left');
    heldText = await page.inputValue('#reply-text');
    await page.click('#send');
    await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Eingereicht'));
    assert((await page.inputValue('#reply-text')) === '', 'composer cleared after submitting');
  });

  await step('a warning asks for a reason', async () => {
    await page.fill('#reply-text', 'Wir garantieren Ihnen 100% Erstattung.');
    await page.waitForSelector('#send[data-decision=needs_confirmation]');
    assert((await page.textContent('#send')).includes('Begründung'), 'button says confirm with reason');
    assert(await page.isVisible('#confirm-reason'), 'reason field shown');
    await page.waitForSelector('.mirror mark.act-warn');
  });

  const clean = 'Guten Tag, danke für Ihre Nachricht. Wir sehen uns das gleich an.';
  await step('send a clean reply', async () => {
    await page.fill('#reply-text', clean);
    await page.waitForSelector('#send[data-decision=queued]:not([disabled])');
    assert((await page.locator('#findings li.finding').count()) === 0, 'no findings');
    await page.click('#send');
    await page.waitForFunction((text) => [...document.querySelectorAll('#thread .msg-outbound .body')].some((el) => el.textContent === text), clean);
    assert((await page.inputValue('#reply-text')) === '', 'composer cleared');
  });

  await step('a conversation purged by retention shows one note instead of empty messages', async () => {
    // The answer as the server gives it after a purge (api_test checks the
    // server side): purged_at set, the older messages without author and text.
    const path = `**/api/v1/desk/conversations/${convId}`;
    let kept = '';
    await page.route(path, async (route) => {
      const c = await (await route.fetch()).json();
      kept = c.messages[c.messages.length - 1].body;
      c.purged_at = '2026-01-02T09:30:00.000Z';
      c.messages = c.messages.map((m, i) => (i === c.messages.length - 1 ? m : { ...m, author: '', subject: '', body: '', attachments: [] }));
      await route.fulfill({ json: c });
    });
    const reopen = async () => {
      await page.evaluate(() => { location.hash = '#/inbox'; });
      await page.waitForFunction(() => !document.getElementById('thread'));
      await page.evaluate((id) => { location.hash = `#/c/${id}`; }, convId);
    };
    await reopen();
    await page.waitForSelector('#thread .msg-purged');
    const note = await page.textContent('#thread .msg-purged');
    assert(/^Inhalt nach Aufbewahrungsfrist gelöscht am \S+/.test(note) && /\(\d+ Nachrichten\)/.test(note), `retention note: ${note}`);
    assert((await page.locator('#thread .msg-purged').count()) === 1, 'one note for the emptied messages');
    const bodies = await page.$$eval('#thread .msg .body', (els) => els.map((el) => el.textContent));
    assert(bodies.length === 1 && bodies[0] === kept, `only the kept message as a bubble: ${JSON.stringify(bodies)}`);
    await page.unroute(path);
    await reopen();
    await page.waitForFunction((text) => [...document.querySelectorAll('#thread .msg-outbound .body')].some((el) => el.textContent === text), clean);
    assert((await page.locator('#thread .msg-purged').count()) === 0, 'no note without purged_at');
  });

  await step('customer HTML and script render as text, live in the inbox', async () => {
    const origin = { Origin: base, 'Content-Type': 'application/json' };
    const s = await fetch(`${base}/api/v1/webchat/website/sessions`, { method: 'POST', headers: origin, body: '{}' });
    assert(s.ok, `webchat session: HTTP ${s.status} ${await s.clone().text()}`);
    ({ session: webchatSession } = await s.json());
    const session = webchatSession;
    const m = await fetch(`${base}/api/v1/webchat/website/messages`, { method: 'POST', headers: origin, body: JSON.stringify({ session, text: XSS, name: '<b>Eve</b>' }) });
    assert(m.ok, `webchat message: HTTP ${m.status} ${await m.text()}`);
    // no reload: the list follows the event stream
    await page.waitForFunction((x) => [...document.querySelectorAll('#inbox-list .preview')].some((el) => el.textContent === x), XSS);
    await page.locator('#inbox-list .preview', { hasText: 'onerror' }).first().click();
    await page.waitForFunction((x) => [...document.querySelectorAll('#thread .msg-inbound .body')].some((el) => el.textContent === x), XSS);
    const counts = await page.evaluate(() => ({
      img: document.querySelectorAll('#app img').length,
      script: document.querySelectorAll('body script').length,
      bold: document.querySelectorAll('#app b').length,
    }));
    assert(counts.img === 0 && counts.script === 0 && counts.bold === 0, `no element created: ${JSON.stringify(counts)}`);
    assert(dialogs().length === 0, `no dialog: ${dialogs().join(', ')}`);
    assert(convId !== 0, 'previous conversation known');
  });

  await step('canned reply filled in, internal note in the thread', async () => {
    const made = await pageApi(page, 'POST', '/api/v1/desk/canned-replies', { name: 'Dank', language: 'de', body: 'Hallo {{contact.name}}, vielen Dank für Ihre Geduld.' });
    assert(made.status === 201, `canned reply: ${made.status} ${JSON.stringify(made.body)}`);
    const hash = await page.evaluate(() => location.hash);
    await page.evaluate(() => (location.hash = '#/inbox'));
    await page.evaluate((h) => (location.hash = h), hash);
    await page.waitForSelector('#canned-select option:nth-child(2)', { state: 'attached' });
    await page.selectOption('#canned-select', { index: 1 });
    await page.click('.canned button');
    await page.waitForFunction(() => document.getElementById('reply-text').value.includes('vielen Dank für Ihre Geduld'));
    assert((await page.inputValue('#reply-text')).includes('Hallo <b>Eve</b>'), 'template filled with the contact name, as text');
    await page.waitForSelector('#send[data-decision]:not([data-decision=""])');
    await page.fill('#reply-text', '');
    await page.click('#note-text');
    await page.keyboard.type('Bitte Rückruf prüfen @admin');
    await page.click('.note-form button[type=submit]');
    await page.waitForFunction(() => [...document.querySelectorAll('#thread .msg-note .body')].some((el) => el.textContent === 'Bitte Rückruf prüfen @admin'));
  });

  await step('a colleague in a second browser: viewing and typing shown live', async () => {
    const made = await pageApi(page, 'POST', '/api/v1/users', { username: 'eva', password: 'colleague-one-time-pw-1', roles: ['agent'], display_name: 'Eva' });
    assert(made.status === 201, `user: ${made.status} ${JSON.stringify(made.body)}`);
    const hash = await page.evaluate(() => location.hash);
    const p2 = await newPage({ locale: 'en-US', who: 'eva' });
    await p2.goto(`${base}/app${hash}`);
    await p2.waitForSelector('#login-form');
    assert((await p2.textContent('#page-title')) === 'Sign in', 'signed out: the browser language (English)');
    await signInUser(p2, null, { username: 'eva', password: 'colleague-one-time-pw-1', newPassword: 'colleague-own-pw-2026' });
    await p2.waitForSelector('#reply-text');
    assert((await p2.textContent('#inbox-title')) === 'Posteingang', 'signed in: her account language (German)');
    await page.waitForFunction(() => /eva/.test(document.getElementById('viewers')?.textContent || ''));
    await p2.click('#reply-text');
    await p2.keyboard.type('Hallo');
    await page.waitForFunction(() => document.getElementById('viewers').textContent.includes('eva schreibt'));
    await p2.context().close();
  });

  await step('a customer message arriving while typing is marked, then the reply goes out', async () => {
    await page.fill('#reply-text', 'Danke, ich prüfe das.');
    await page.waitForSelector('#send[data-decision=queued]');
    const origin = { Origin: base, 'Content-Type': 'application/json' };
    const m = await fetch(`${base}/api/v1/webchat/website/messages`, { method: 'POST', headers: origin, body: JSON.stringify({ session: webchatSession, text: 'Noch eine Frage: geht das auch schneller?' }) });
    assert(m.ok, `webchat message: HTTP ${m.status}`);
    await page.waitForFunction(() => [...document.querySelectorAll('#thread .msg.is-new .body')].some((el) => el.textContent.startsWith('Noch eine Frage')));
    await page.click('#send');
    await page.waitForFunction(() => [...document.querySelectorAll('#thread .msg-outbound .body')].some((el) => el.textContent === 'Danke, ich prüfe das.'));
    assert((await page.locator('#thread .msg.is-new').count()) === 0, 'marks cleared after sending');
  });

  await step('an approver approves the held reply in a second browser', async () => {
    const made = await pageApi(page, 'POST', '/api/v1/users', { username: 'vera', password: 'approver-one-time-pw-1', roles: ['approver'], display_name: 'Vera' });
    assert(made.status === 201, `approver: ${made.status} ${JSON.stringify(made.body)}`);
    // the admin (who asked) sees the pending badge too
    await page.waitForFunction(() => document.getElementById('pending-badge')?.textContent === '1' && !document.getElementById('pending-badge').hidden);
    const p2 = await newPage({ locale: 'en-US', who: 'approver' });
    await signInUser(p2, `${base}/app`, { username: 'vera', password: 'approver-one-time-pw-1', newPassword: 'approver-own-pw-2026' });
    await p2.waitForSelector('#inbox-list');
    assert((await p2.textContent('#nav-approvals')).startsWith('Freigaben'), 'her account language (German)');
    await p2.waitForFunction(() => document.getElementById('pending-badge')?.textContent === '1' && !document.getElementById('pending-badge').hidden);
    assert((await p2.locator('#nav-channels').count()) === 0, 'no channels link for an approver');
    // by keyboard: g then a
    await p2.locator('#inbox-list').focus();
    await p2.keyboard.press('g');
    await p2.keyboard.press('a');
    await p2.waitForFunction(() => location.hash === '#/approvals');
    await p2.waitForSelector('#approvals-list li a');
    assert((await p2.locator('#approvals-list li a').count()) === 1, 'one pending approval');
    await p2.click('#approvals-list li a');
    await p2.waitForSelector('#approval-wire');
    const id = Number(await p2.getAttribute('#approvals-list li', 'data-id'));
    const api = (await pageApi(p2, 'GET', `/api/v1/approvals/${id}`)).body;
    const shown = await p2.textContent('#approval-wire');
    assert(shown === api.wire_text, `exact wire text shown: ${JSON.stringify(shown)} vs ${JSON.stringify(api.wire_text)}`);
    assert(shown.includes('Projekt Falke') && !shown.includes('DE89') && api.text === heldText, `the submitted, redacted reply: ${JSON.stringify(shown)}`);
    assert((await p2.locator('#approval-findings li[data-rule="R03.terms"]').count()) === 1, 'the finding that held it');
    assert((await p2.textContent('#approval-requester')) === 'admin', 'who asked');
    const steps = await p2.textContent('#approval-steps');
    assert(steps === `0 von ${api.steps} Freigaben` && api.steps >= 1, `steps: ${steps}`);
    assert((await p2.textContent('#approval-expires')).length > 0, 'expiry');
    await p2.click('#reject');
    await p2.waitForSelector('#decision-error:not([hidden])');
    assert((await p2.textContent('#decision-error')).length > 3, 'the server says a reason is needed');
    // the browser logs that refusal (400) as a failed request: expected once
    const refused = pageErrors.findIndex((e) => /^approver: console: .*status of 400/.test(e));
    if (refused >= 0) pageErrors.splice(refused, 1);
    assert((await p2.textContent('#approval-state')) === 'Offen', 'still pending');
    await p2.click('#approve');
    await p2.waitForFunction(() => document.getElementById('approval-state')?.textContent === 'Freigegeben');
    await p2.waitForSelector('#approvals-list li.empty');
    assert((await p2.textContent('#approval-decisions')).includes('vera'), 'the decision listed');
    await p2.waitForFunction(() => document.getElementById('pending-badge')?.hidden);
    // the admin's badge follows live (desk.approval event)
    await page.waitForFunction(() => document.getElementById('pending-badge')?.hidden);
    const after = (await pageApi(page, 'GET', `/api/v1/approvals/${id}`)).body;
    assert(after.state === 'approved' && after.queued === true, `approved and queued: ${after.state} ${after.queued}`);
    await p2.context().close();
  });

  await step('admin: channels with health, pause and resume', async () => {
    const meta = await pageApi(page, 'POST', '/api/v1/desk/channels', { name: 'social-meta', kind: 'meta' });
    await page.click('#nav-channels');
    await page.waitForFunction(() => location.hash === '#/channels');
    await page.waitForSelector('#channels-list .channel-card[data-name="demo"]');
    for (const name of ['demo', 'website']) {
      const card = page.locator(`#channels-list .channel-card[data-name="${name}"]`);
      assert((await card.locator('.badge.health').count()) === 1, `${name}: health shown`);
      assert((await card.locator('.last-ok').textContent()).length > 0, `${name}: last success shown`);
      assert((await card.locator('.credentials').textContent()).length > 0, `${name}: credentials expiry shown`);
      assert((await card.locator('.webhook').count()) === 0, `${name}: no webhook address`);
    }
    if (meta.status === 201) {
      const hook = await page.textContent('#channels-list .channel-card[data-name="social-meta"] .webhook');
      assert(hook === `${base}/api/v1/webhooks/social-meta`, `webhook address: ${hook}`);
    }
    const demo = '#channels-list .channel-card[data-name="demo"]';
    await page.click(`${demo} button.pause`);
    await page.waitForSelector(`${demo}[data-paused="1"]`);
    assert((await page.textContent(`${demo} button.pause`)) === 'Fortsetzen', 'resume offered');
    await page.click(`${demo} button.pause`);
    await page.waitForSelector(`${demo}[data-paused="0"]`);
    const list = (await pageApi(page, 'GET', '/api/v1/desk/channels')).body.channels;
    assert(list.find((c) => c.name === 'demo').paused === false, 'demo active again');
    await page.click('#nav-inbox');
    await page.waitForSelector('#inbox-list [role=option]');
  });

  await step('self-check of a private post: underlined, explained, neither stored nor logged', async () => {
    // the admin reaches it with g then s
    await page.locator('#inbox-list').focus();
    await page.keyboard.press('g');
    await page.keyboard.press('s');
    await page.waitForFunction(() => location.hash === '#/self-check');
    await page.waitForSelector('#selfcheck-text');
    assert((await page.getAttribute('#nav-selfcheck', 'aria-current')) === 'page', 'navigation marks the page');
    const made = await pageApi(page, 'POST', '/api/v1/users', { username: 'mara', password: 'advocate-one-time-pw-1', roles: ['advocate'], display_name: 'Mara' });
    assert(made.status === 201, `advocate: ${made.status} ${JSON.stringify(made.body)}`);
    const p2 = await newPage({ locale: 'en-US', who: 'advocate' });
    await signInUser(p2, `${base}/app`, { username: 'mara', password: 'advocate-one-time-pw-1', newPassword: 'advocate-own-pw-2026' });
    // without the desk the self-check is the start page
    await p2.waitForSelector('#selfcheck-text');
    assert((await p2.locator('#nav-inbox').count()) === 0, 'no inbox link for an advocate');
    assert((await p2.locator('#nav-selfcheck').count()) === 1, 'self-check linked');
    const notice = await p2.textContent('#selfcheck-notice');
    assert(notice.includes('weder gespeichert noch protokolliert') && notice.includes('neither stored nor logged'), `notice in both languages: ${notice}`);
    // the audit log once sign-in and the password change are written
    const audit = async () => JSON.stringify((await pageApi(page, 'GET', '/api/v1/audit?from=1&limit=1000')).body);
    let before = await audit();
    for (let i = 0; i < 20; i++) {
      await page.waitForTimeout(300);
      const now = await audit();
      if (now === before) break;
      before = now;
    }
    const count = JSON.parse(before).entries.length;
    await p2.selectOption('#selfcheck-channel', 'linkedin');
    await p2.locator('#selfcheck-text').focus();
    await p2.keyboard.type('Privat: meine IBAN DE89 3704 0044 0532 0130 00, und Projekt Falke startet bald.');
    await p2.waitForSelector('#selfcheck-verdict[data-action=block]:not([hidden])');
    const block = await p2.textContent('.mirror mark.act-block');
    assert(block.includes('DE89'), `IBAN underlined as block: ${block}`);
    const hold = await p2.textContent('.mirror mark.act-hold');
    assert(hold === 'Projekt Falke', `project name underlined as hold: ${hold}`);
    for (const rule of ['R01.pii', 'R03.terms']) {
      const li = p2.locator(`#findings li[data-rule="${rule}"]`);
      assert((await li.count()) === 1, `${rule} listed`);
      assert((await li.locator('.finding-message').textContent()).length > 10, `${rule} explained`);
      assert((await li.locator('.rule').textContent()) === rule, `${rule}: rule shown`);
    }
    assert((await p2.locator('#findings .clause').count()) >= 1, 'clause shown');
    assert((await p2.locator('#findings .fix').count()) >= 1, 'fix shown');
    assert((await p2.textContent('#selfcheck-verdict')) === 'block', 'verdict badge');
    assert((await p2.textContent('#selfcheck-sentence')).length > 10, 'verdict explained in a sentence');
    assert((await p2.getAttribute('#selfcheck-stored', 'data-stored')) === 'false', 'the server says not stored');
    assert(!(await p2.isHidden('#selfcheck-stored')), 'not-stored confirmation shown');
    await p2.fill('#selfcheck-text', 'Schönes Wochenende allerseits, wir sehen uns am Montag!');
    await p2.waitForSelector('#selfcheck-verdict[data-action=allow]');
    assert((await p2.textContent('#selfcheck-verdict')) === 'allow', 'clean text: allow');
    assert((await p2.locator('.mirror mark').count()) === 0, 'nothing underlined');
    assert((await p2.locator('#findings li.empty.ok').count()) === 1, 'no findings');
    await p2.waitForTimeout(800);
    const after = await audit();
    assert(JSON.parse(after).entries.length === count && after === before, `audit log unchanged: ${count} → ${JSON.parse(after).entries.length}`);
    assert(!after.includes('DE89') && !after.includes('Falke'), 'no text in the audit log');
    await p2.context().close();
    await page.click('#nav-inbox');
    await page.waitForSelector('#inbox-list [role=option]');
  });

  await step('account: new recovery codes', async () => {
    await page.click('#account-button');
    await page.waitForSelector('#account[open]');
    await page.click('#account button:has-text("Neue Wiederherstellungscodes")');
    await page.waitForFunction(() => document.querySelectorAll('#account-codes li').length === 10);
    recovery = await page.locator('#account-codes li').allTextContents();
    await page.keyboard.press('Escape');
    await page.waitForSelector('#account:not([open])', { state: 'attached' });
  });

  await step('language: English and back to German', async () => {
    await page.selectOption('#lang', 'en');
    await page.waitForFunction(() => document.getElementById('inbox-title')?.textContent === 'Inbox');
    assert((await page.getAttribute('html', 'lang')) === 'en', 'html lang=en');
    assert((await page.textContent('#logout')) === 'Sign out', 'English button');
    await page.reload();
    await page.waitForFunction(() => document.getElementById('inbox-title')?.textContent === 'Inbox');
    await page.selectOption('#lang', 'de');
    await page.waitForFunction(() => document.getElementById('inbox-title')?.textContent === 'Posteingang');
    assert((await page.textContent('#logout')) === 'Abmelden', 'German button');
  });

  await step('tablet width shows list or conversation', async () => {
    await page.setViewportSize({ width: 800, height: 1100 });
    await page.keyboard.press('Escape');
    await page.evaluate(() => (location.hash = '#/inbox'));
    await page.waitForSelector('#inbox-list', { state: 'visible' });
    await page.locator('#inbox-list [role=option]').first().click();
    await page.waitForSelector('#reply-text', { state: 'visible' });
    assert(!(await page.isVisible('#inbox-list')), 'list hidden while a conversation is open');
    await page.click('.conv-header .back');
    await page.waitForSelector('#inbox-list', { state: 'visible' });
    assert(!(await page.isVisible('#reply-text')), 'back to the list');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.waitForSelector('#inbox-list', { state: 'visible' });
  });

  await step('sign out', async () => {
    await page.click('#logout');
    await page.waitForSelector('#login-form');
    const me = await page.evaluate(async () => (await fetch('/api/v1/auth/me')).status);
    assert(me === 401, `session ended (${me})`);
    assert(pageErrors.length === 0, `no script errors: ${pageErrors.join(' | ')}`);
  });

  const signIn = async (code) => {
    await page.fill('#username', 'admin');
    await page.fill('#password', 'correct horse battery staple 42');
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('#mfa-form');
    await page.fill('#code', code);
    await page.click('#mfa-form button[type=submit]');
    await page.waitForSelector('#inbox-list [role=option]');
  };

  await step('sign in again with a TOTP code', async () => {
    // a code is good once: take the step after the enrolment's (the server accepts one step ahead)
    const at = Math.max(enrolStep + 1, Math.floor(Date.now() / 30000)) * 30000;
    await page.fill('#username', 'admin');
    await page.fill('#password', 'wrong password');
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('#login-form .error:not([hidden])');
    await signIn(totp(secret, at));
    await page.click('#logout');
    await page.waitForSelector('#login-form');
  });

  await step('sign in with a recovery code', async () => {
    await signIn(recovery[0]);
    await page.click('#logout');
    await page.waitForSelector('#login-form');
    assert(pageErrors.length === 0, `no script errors: ${pageErrors.join(' | ')}`);
  });
});
