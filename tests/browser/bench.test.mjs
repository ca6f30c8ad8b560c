// Browser test of the test bench, the dashboard, the inbox filters and
// "move to DM" as a private reply (web/app: bench.js, dashboard.js, desk.js,
// composer.js):
// starts the real server with a fresh data folder and the demo inbox and
// drives Debian's Chromium through playwright-core.
//
//   node tests/browser/bench.test.mjs path/to/leitplanke
//
// Needs /usr/bin/chromium and node_modules/playwright-core (both installed by
// scripts/install-deps); fails, never skips, when either is missing.
import { runBrowserTest, signInFirstAdmin, pageApi, uploadLenientVersion } from './harness.mjs';

const IBAN_TEXT = 'Ihre IBAN DE89 3704 0044 0532 0130 00 ist hinterlegt.';

await runBrowserTest({ name: 'bench', screenshot: 'bench-failure.png', timeout: 20000, locale: 'de-DE' }, async ({ server, oneTime, page, errors, step, assert }) => {
  await step('sign in as the first administrator', async () => {
    await signInFirstAdmin(page, server.base, oneTime);
    assert(await page.isVisible('#nav-bench'), 'test bench in the navigation');
    assert(await page.isVisible('#nav-dashboard'), 'dashboard in the navigation');
  });

  await step('vendor library served by the server itself', async () => {
    const js = await fetch(`${server.base}/vendor/uplot.js`);
    assert(js.status === 200 && (js.headers.get('content-type') || '').startsWith('text/javascript'), `uplot.js: ${js.status} ${js.headers.get('content-type')}`);
    assert((await js.text()).includes('export { uPlot as default }'), 'the ES module build');
    const css = await fetch(`${server.base}/vendor/uplot.css`);
    assert(css.status === 200 && (css.headers.get('content-type') || '').startsWith('text/css'), `uplot.css: ${css.status}`);
  });

  await step('test bench: a text with an IBAN is blocked with its finding and timing', async () => {
    await page.keyboard.press('g');
    await page.keyboard.press('b');
    await page.waitForSelector('#bench-text');
    assert((await page.textContent('#bench-title')) === 'Prüfstand', 'German title');
    await page.click('#bench-text');
    await page.keyboard.type(IBAN_TEXT);
    await page.waitForSelector('#bench-verdict[data-action=block]');
    await page.waitForSelector('#bench-findings li[data-rule="R01.pii"]');
    assert((await page.textContent('#bench-findings li[data-rule="R01.pii"] .finding-message')).length > 10, 'finding explained');
    assert((await page.textContent('.bench .mirror mark.act-block')).includes('DE89'), 'IBAN underlined');
    assert(/geprüft in [\d.,]+ µs/.test(await page.textContent('#bench-elapsed')), `timing shown: ${await page.textContent('#bench-elapsed')}`);
    // private audience: personal data is allowed there
    await page.selectOption('#bench-audience', 'private');
    await page.waitForSelector('#bench-verdict[data-action=allow]');
  });

  let versions;
  await step('two guideline versions side by side show the difference', async () => {
    versions = await uploadLenientVersion(page);
    // reload the page so that the new version is listed
    await page.evaluate(() => (location.hash = '#/inbox'));
    await page.waitForSelector('#inbox-list');
    await page.evaluate(() => (location.hash = '#/bench'));
    await page.waitForSelector(`#bench-right option[value="${versions.lenient}"]`, { state: 'attached' });
    await page.selectOption('#bench-left', versions.active);
    await page.selectOption('#bench-right', versions.lenient);
    await page.fill('#bench-texts', `${IBAN_TEXT}\nGuten Tag, danke für Ihre Nachricht.\nProjekt Falke startet bald.`);
    await page.click('#bench-compare');
    await page.waitForSelector('#bench-results tbody tr:nth-child(3)', { timeout: 30000 });
    const rows = await page.$$eval('#bench-results tbody tr', (trs) =>
      trs.map((tr) => ({
        differs: tr.dataset.differs,
        left: tr.querySelector('td[data-side=left]').dataset.action,
        right: tr.querySelector('td[data-side=right]').dataset.action,
      })),
    );
    assert(rows[0].left === 'block' && rows[0].right === 'warn' && rows[0].differs === '1', `IBAN row: ${JSON.stringify(rows[0])}`);
    assert(rows[1].left === rows[1].right && rows[1].differs === '0', `clean row: ${JSON.stringify(rows[1])}`);
    assert(rows[2].left === 'hold' && rows[2].right === 'hold' && rows[2].differs === '0', `term row: ${JSON.stringify(rows[2])}`);
    assert((await page.getAttribute('#bench-summary', 'data-differing')) === '1', 'one text differs');
    assert(await page.isVisible('#bench-results tr.differs td.differs .diff-mark'), 'difference marked');
  });

  await step('dashboard draws its charts without errors or CSP violations', async () => {
    // one reply with a confirmed warning, so a category shows up
    const list = await pageApi(page, 'GET', '/api/v1/desk/conversations?limit=1');
    const conv = list.body.conversations[0];
    const sent = await pageApi(page, 'POST', `/api/v1/desk/conversations/${conv.id}/replies`, { text: 'Wir garantieren Ihnen 100% Erstattung.', confirm_reason: 'Test' });
    assert(sent.status === 202, `reply: ${sent.status} ${JSON.stringify(sent.body)}`);
    // the comparison's first checks were answered 503 while the other
    // version compiled (the browser logs those); from here on nothing may fail
    errors.length = 0;
    await page.evaluate(() => document.activeElement.blur());
    await page.keyboard.press('g');
    await page.keyboard.press('d');
    await page.waitForSelector('#dash-title');
    await page.waitForSelector('#chart-verdicts canvas');
    const charts = await page.$$eval('.dash-grid figure.chart', (figs) => figs.map((f) => ({ id: f.id, canvas: f.querySelectorAll('canvas').length })));
    assert(charts.length === 5, `five charts: ${JSON.stringify(charts)}`);
    assert(charts.every((c) => c.canvas >= 1), `every chart has a canvas: ${JSON.stringify(charts)}`);
    assert((await page.textContent('#kpi-replies dd')) !== '0', 'replies counted');
    const table = await page.textContent('#chart-verdicts .data-table');
    assert(/Kategorie/.test(table), `verdict table has categories: ${table.slice(0, 200)}`);
    assert(errors.length === 0, `no script errors or CSP violations: ${errors.join(' | ')}`);
  });

  await step('inbox filter by priority narrows the list', async () => {
    await page.evaluate(() => (location.hash = '#/inbox'));
    await page.waitForSelector('#inbox-list [role=option]');
    await page.waitForFunction(() => document.querySelectorAll('#inbox-list [role=option]').length >= 3);
    const all = await page.locator('#inbox-list [role=option]').count();
    const first = await page.getAttribute('#inbox-list [role=option]:nth-child(2)', 'data-id');
    const r = await pageApi(page, 'PATCH', `/api/v1/desk/conversations/${first}`, { priority: 2 });
    assert(r.status === 200, `priority: ${r.status} ${JSON.stringify(r.body)}`);
    await page.selectOption('#filter-priority', 'urgent');
    await page.waitForFunction((n) => document.querySelectorAll('#inbox-list [role=option]').length < n, all);
    const ids = await page.$$eval('#inbox-list [role=option]', (lis) => lis.map((li) => li.dataset.id));
    assert(ids.includes(first), `the urgent conversation is listed: ${ids}`);
    assert((await page.locator('#inbox-list [role=option] .badge.prio-2').count()) === ids.length, 'only urgent ones');
    // the demo's conversations arrived seconds ago: none is overdue
    await page.selectOption('#filter-sla_due', 'overdue');
    await page.waitForSelector('#inbox-list li.empty');
    await page.selectOption('#filter-sla_due', '');
    await page.selectOption('#filter-priority', '');
    await page.waitForFunction((n) => document.querySelectorAll('#inbox-list [role=option]').length >= n, all);
  });

  await step('move to DM sends the reply privately', async () => {
    const publicId = await page.evaluate(() => document.querySelector('#inbox-list [role=option][data-public="1"]')?.dataset.id);
    assert(publicId, 'the demo has a public conversation');
    const conv = await pageApi(page, 'GET', `/api/v1/desk/conversations/${publicId}`);
    assert(conv.status === 200 && conv.body.public === true && conv.body.can_reply_privately === true, `the demo's public conversation can be answered privately: ${JSON.stringify({ status: conv.status, public: conv.body.public, can: conv.body.can_reply_privately })}`);
    await page.evaluate((id) => (location.hash = `#/c/${id}`), publicId);
    await page.waitForSelector('#reply-text');
    assert(await page.isVisible('#private-reply'), 'the private-reply toggle is offered');
    assert(!(await page.isChecked('#private-reply')), 'a public conversation is answered in public by default');
    await page.fill('#reply-text', IBAN_TEXT);
    // In public the IBAN is refused (R01) and the move to a direct message offered.
    await page.waitForSelector('#send[data-decision=blocked]');
    await page.waitForSelector('#move-to-dm');
    await page.click('#move-to-dm');
    assert(await page.isChecked('#private-reply'), 'the reply is now private');
    assert((await page.getAttribute('section.composer', 'data-audience')) === 'private', 'the composer shows the private audience');
    assert((await page.inputValue('#reply-text')) === IBAN_TEXT, 'the text stays as written');
    // Checked again as a private reply: the personal-data finding is gone.
    await page.waitForSelector('#send[data-decision=queued]:not([disabled])');
    assert((await page.locator('#move-to-dm').count()) === 0, 'no move to DM offered for a private reply');
    // The toggle goes both ways.
    await page.uncheck('#private-reply');
    await page.waitForSelector('#send[data-decision=blocked]');
    await page.check('#private-reply');
    await page.waitForSelector('#send[data-decision=queued]:not([disabled])');
    const before = conv.body.messages.length;
    await page.click('#send');
    await page.waitForFunction(() => document.querySelector('#reply-text')?.value === '');
    const after = await pageApi(page, 'GET', `/api/v1/desk/conversations/${publicId}`);
    const sent = after.body.messages.slice(before).filter((m) => m.direction === 'outbound');
    assert(sent.length === 1, `one reply stored: ${JSON.stringify(after.body.messages.slice(before))}`);
    assert(sent[0].public === false, `stored as private: ${JSON.stringify(sent[0])}`);
    assert(sent[0].body === IBAN_TEXT, `sent as written (no public mention): ${sent[0].body}`);
    assert(after.body.public === true, 'the conversation itself stays public');
    assert(!(await page.isChecked('#private-reply')), 'the next reply starts public again');
    assert(errors.length === 0, `no script errors: ${errors.join(' | ')}`);
  });
});
