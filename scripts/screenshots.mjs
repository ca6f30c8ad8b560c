// Screenshots of the web app's main pages for the README: starts the server
// with a fresh data folder and the demo inbox (tests/browser/harness.mjs),
// signs in as the first administrator in English at 1280×800 and writes
// docs/screenshots/{inbox,conversation,bench,bench-compare,dashboard,approvals,
// admin-policies,media}.png.
//
//   node scripts/screenshots.mjs path/to/leitplanke [output folder]
//
// `make screenshots` builds the server and runs it.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROOT, prerequisites, startServer, launch, watchPage, signInFirstAdmin, pageApi, uploadLenientVersion } from '../tests/browser/harness.mjs';

const { binary, chromium } = await prerequisites(process.argv[2]);
const out = resolve(process.argv[3] || join(ROOT, 'docs', 'screenshots'));
mkdirSync(out, { recursive: true });

const server = await startServer(binary);
const errors = [];
let browser;
let code = 0;
try {
  const oneTime = await server.ready;
  browser = await launch(chromium);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', colorScheme: 'light' });
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  await watchPage(page, errors);
  await signInFirstAdmin(page, server.base, oneTime);
  await page.selectOption('#lang', 'en');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  const shot = async (name, keepScroll = false) => {
    // no caret, no focus ring of the last click, no status toast
    if (!keepScroll) await page.evaluate(() => window.scrollTo(0, 0));
    await page.evaluate(() => {
      document.activeElement?.blur();
      const s = document.getElementById('status');
      if (s) s.textContent = '';
    });
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(out, `${name}.png`) });
    console.log(`${join(out, `${name}.png`)}`);
  };

  // Some history for the dashboard and the approvals: replies sent (one
  // warning confirmed), one held for approval, one conversation urgent.
  const list = (await pageApi(page, 'GET', '/api/v1/desk/conversations?limit=20')).body.conversations;
  const publicConv = list.find((c) => c.public) || list[0];
  const others = list.filter((c) => c.id !== publicConv.id);
  const reply = (c, body) => pageApi(page, 'POST', `/api/v1/desk/conversations/${c.id}/replies`, body);
  for (const c of others.slice(4, 8)) {
    await reply(c, { text: 'Thank you, this is sorted now. Have a good day!' });
    await pageApi(page, 'PATCH', `/api/v1/desk/conversations/${c.id}`, { state: 'resolved' });
  }
  await reply(others[0], { text: 'Good afternoon, thank you for your message. Your parcel leaves our warehouse today.' });
  await reply(others[1], { text: 'We guarantee you a full refund.', confirm_reason: 'Approved by the refund policy' });
  await reply(others[2], { text: 'Project Falcon starts soon, Projekt Falke is on schedule.' });
  await pageApi(page, 'PATCH', `/api/v1/desk/conversations/${others[3].id}`, { priority: 2 });

  // inbox with the urgent conversation open
  await page.evaluate(() => (location.hash = '#/inbox'));
  await page.waitForSelector('#inbox-list [role=option]');
  await page.evaluate((id) => (location.hash = `#/c/${id}`), others[3].id);
  await page.waitForSelector('#thread .msg-inbound');
  await shot('inbox');

  // conversation with the composer's findings
  await page.evaluate((id) => (location.hash = `#/c/${id}`), publicConv.id);
  await page.waitForSelector('#reply-text');
  await page.fill('#reply-text', 'Your IBAN DE89 3704 0044 0532 0130 00 is on file; Projekt Falke starts soon.');
  await page.waitForSelector('#send[data-decision=blocked]');
  await page.waitForSelector('#move-to-dm');
  // the composer at the top of the conversation pane, the header in place
  await page.evaluate(() => {
    document.querySelector('.composer').scrollIntoView({ block: 'start' });
    window.scrollTo(0, 0);
  });
  await shot('conversation');

  // test bench: one text and two versions side by side
  const versions = await uploadLenientVersion(page);
  await page.evaluate(() => (location.hash = '#/bench'));
  await page.waitForSelector(`#bench-right option[value="${versions.lenient}"]`, { state: 'attached' });
  await page.selectOption('#bench-lang', 'en');
  await page.fill('#bench-text', 'Your IBAN DE89 3704 0044 0532 0130 00 is on file. We guarantee a full refund!');
  await page.waitForSelector('#bench-verdict[data-action=block]');
  await page.selectOption('#bench-right', versions.lenient);
  await page.fill('#bench-texts', 'Your IBAN DE89 3704 0044 0532 0130 00 is on file.\nThank you, we will look into it right away.\nProjekt Falke starts soon.');
  await page.click('#bench-compare');
  await page.waitForSelector('#bench-results tbody tr:nth-child(3)', { timeout: 30000 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot('bench');
  await page.evaluate(() => document.getElementById('bench-two-title').scrollIntoView({ block: 'start' }));
  await shot('bench-compare', true);

  // dashboard
  await page.evaluate(() => (location.hash = '#/dashboard'));
  await page.waitForSelector('#chart-verdicts canvas');
  await shot('dashboard');

  // approvals with the held reply open
  await page.evaluate(() => (location.hash = '#/approvals'));
  await page.waitForSelector('#approvals-list li a');
  await page.click('#approvals-list li a');
  await page.waitForSelector('#approval .wire-text');
  await shot('approvals');

  // administration: the policy packs (active version, versions, upload)
  await page.evaluate(() => (location.hash = '#/admin/policies'));
  await page.waitForSelector('#policy-active-version');
  await page.waitForSelector('#policy-versions tr, #policy-versions li');
  await shot('admin-policies');

  // the media library: a picture drawn in the page and uploaded, and a link
  // without a licence note (its R09 warning)
  const uploaded = await page.evaluate(async () => {
    const c = document.createElement('canvas');
    c.width = 640;
    c.height = 400;
    const g = c.getContext('2d');
    const sky = g.createLinearGradient(0, 0, 0, 400);
    sky.addColorStop(0, '#f7b267');
    sky.addColorStop(1, '#0b5cad');
    g.fillStyle = sky;
    g.fillRect(0, 0, 640, 400);
    g.fillStyle = '#1b1f24';
    g.fillRect(0, 300, 640, 100);
    g.fillRect(420, 120, 18, 180);
    g.fillRect(360, 120, 160, 14);
    const blob = await new Promise((res) => c.toBlob(res, 'image/png'));
    const q = new URLSearchParams({ name: 'harbour-dawn.png', alt_text: 'The harbour at dawn with a crane', licence: 'own photo', consent: 'not_needed' });
    const r = await fetch(`/api/v1/assets/files?${q}`, { method: 'POST', headers: { 'Content-Type': 'image/png', 'X-CSRF-Token': sessionStorage.getItem('lp.csrf') || '' }, body: blob });
    return r.status;
  });
  if (uploaded !== 201) throw new Error(`media upload: ${uploaded}`);
  await pageApi(page, 'POST', '/api/v1/assets', { name: 'Press kit video', url: 'https://example.org/press/kit.mp4', mime_type: 'video/mp4', licence: '', consent: 'missing' });
  await page.evaluate(() => (location.hash = '#/media'));
  await page.waitForSelector('#media-grid li.media-card img.media-thumb');
  await page.waitForFunction(() => document.querySelector('#media-grid img.media-thumb')?.complete);
  // the upload box's fields and the library's cards below them
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  await shot('media', true);

  // 503 is the answer while another guideline version compiles (the bench retries)
  const real = errors.filter((e) => !/status of 503/.test(e));
  if (real.length) throw new Error(`errors on the pages: ${real.join(' | ')}`);
} catch (e) {
  code = 1;
  console.error(String(e.stack || e));
  console.error(`server output (tail):\n${server.log().slice(-2000)}`);
} finally {
  if (browser) await browser.close().catch(() => {});
  await server.stop();
}
process.exit(code);
