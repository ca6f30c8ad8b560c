// Browser test of the Publish pages (web/app: posts.js, post_editor.js,
// calendar.js, advocacy.js, notifications.js): starts the real server with a
// fresh data folder and drives Debian's Chromium through playwright-core.
// A publisher drafts a post with variants on two channels, sees an IBAN
// underlined and explained in one variant, fixes it, sees the remaining
// length change and submits; an approver (told by a notification) approves
// it; the publisher schedules it and finds it in the week and month calendar
// and in the channel's queue; a second post needs no approval and is
// released for sharing; an advocate shares it with own words, sees the R06
// disclosure finding until the disclosure is there and gets the text to copy.
//
//   node tests/browser/publish.test.mjs path/to/leitplanke
//
// Needs /usr/bin/chromium and node_modules/playwright-core (both installed by
// scripts/install-deps); fails, never skips, when either is missing.
import { createServer } from 'node:http';
import { join } from 'node:path';
import { runBrowserTest, signInFirstAdmin, pageApi } from './harness.mjs';

const IBAN = 'DE89 3704 0044 0532 0130 00';

// The calendar day in the company's time zone, n days from now.
function zonedDay(tz, plusDays) {
  const d = new Date(Date.now() + plusDays * 86400000);
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(d);
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

// The X API of the test account: it refuses every call, so a post sent
// there fails for good with the network's reason.
const xApi = createServer((req, res) => {
  res.writeHead(403, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ title: 'Forbidden', detail: 'test account may not post', status: 403 }));
});
await new Promise((res) => xApi.listen(0, '127.0.0.1', res));
const xUrl = `http://127.0.0.1:${xApi.address().port}`;

const opts = { name: 'publish', screenshot: 'publish-failure.png', timeout: 20000, locale: 'de-DE', cleanup: () => xApi.close() };
await runBrowserTest(opts, async ({ server, oneTime, page, errors, step, assert, newPage, showOnFailure, signInColleague }) => {
  // LP_PUBLISH_SHOTS=dir: pictures of the pages along the way (for looking at them)
  const shot = async (p, name) => {
    if (process.env.LP_PUBLISH_SHOTS) await p.screenshot({ path: join(process.env.LP_PUBLISH_SHOTS, `${name}.png`), fullPage: true });
  };

  let xch;
  let demo;
  let paul;
  let vera;
  let mara;
  let zone;
  await step('admin creates two channel accounts and three colleagues', async () => {
    await signInFirstAdmin(page, server.base, oneTime);
    // an X account (280 weighted characters, a price per post) whose API is
    // the refusing stand-in above
    const m = await pageApi(page, 'POST', '/api/v1/desk/channels', {
      name: 'social-x',
      kind: 'x',
      settings: { account_id: '12345', mode: 'polling', api_url: xUrl, poll_interval_ms: '86400000' },
      secrets: { oauth2_access_token: 'tok-test-1' },
    });
    assert(m.status === 201, `X channel: ${m.status} ${JSON.stringify(m.body)}`);
    const list = (await pageApi(page, 'GET', '/api/v1/posts/channels')).body.channels;
    xch = list.find((c) => c.name === 'social-x');
    demo = list.find((c) => c.kind === 'demo') || list.find((c) => c.id !== xch.id);
    assert(xch && demo, `two channels: ${JSON.stringify(list)}`);
    zone = (await pageApi(page, 'GET', '/api/v1/calendar?from=2026-01-01&to=2026-01-02')).body.time_zone;
    assert(zone, 'the company time zone');
    paul = await signInColleague('paul', ['publisher'], 'en-US');
    vera = await signInColleague('vera', ['approver'], 'de-DE');
    mara = await signInColleague('mara', ['advocate'], 'de-DE');
    assert(await paul.isVisible('#nav-posts'), 'posts linked for a publisher');
    assert(await paul.isVisible('#nav-calendar'), 'calendar linked for a publisher');
    assert((await mara.locator('#nav-posts').count()) === 0, 'no posts link for an advocate');
    assert(await mara.isVisible('#nav-advocacy'), 'sharing linked for an advocate');
  });

  let postId;
  let limit;
  await step('publisher drafts a post: the IBAN in one variant is underlined and explained', async () => {
    showOnFailure(paul);
    await paul.click('#nav-posts');
    await paul.waitForSelector('#post-new');
    await paul.click('#post-new');
    await paul.waitForSelector('#post-title');
    assert((await paul.textContent('#editor-title')) === 'New post', 'English editor');
    await paul.fill('#post-title', 'Tariff launch');
    await paul.fill('#post-body', 'Our new tariff is here.');
    await paul.check(`#post-ch-${xch.id}`);
    await paul.check(`#post-ch-${demo.id}`);
    const est = `#variant-est-${xch.id}`;
    await paul.waitForFunction((sel) => document.querySelector(sel)?.textContent.length > 0, est);
    limit = Number(await paul.$eval(`#variant-est-${xch.id}`, (el) => el.dataset.remaining));
    assert(limit > 0, `remaining length shown: ${await paul.textContent(est)}`);
    // the base text is used where the variant's own text is empty
    assert((await paul.textContent(`#variant-wire-${xch.id}`)).startsWith('Our new tariff is here.'), 'wire text from the base text');
    await paul.locator(`#variant-text-${xch.id}`).focus();
    await paul.keyboard.type(`New: pay the tariff to ${IBAN} today.`);
    await paul.waitForSelector(`#variant-findings-${xch.id} li[data-rule="R01.pii"]`);
    assert((await paul.textContent(`#variant-findings-${xch.id} li[data-rule="R01.pii"] .finding-message`)).length > 10, 'finding explained');
    const marked = await paul.textContent(`#variant-${xch.id} .editor .mirror mark.act-block`);
    assert(marked.includes('DE89'), `IBAN underlined in the variant: ${marked}`);
    assert((await paul.getAttribute(`#variant-verdict-${xch.id}`, 'data-action')) === 'block', 'variant blocked');
    assert((await paul.locator(`#variant-findings-${demo.id} li[data-rule="R01.pii"]`).count()) === 0, 'the other variant is clean');
    const withIban = Number(await paul.$eval(est, (el) => el.dataset.remaining));
    assert(withIban < limit, `remaining length went down: ${withIban} < ${limit}`);
    // fixed: the IBAN goes, a code name that needs approval comes
    await paul.fill(`#variant-text-${xch.id}`, 'New: the tariff for everyone. Projekt Falke starts soon.');
    await paul.waitForFunction((id) => !document.querySelector(`#variant-findings-${id} li[data-rule="R01.pii"]`), xch.id);
    await paul.waitForFunction(([sel, n]) => Number(document.querySelector(sel)?.dataset.remaining) !== n, [est, withIban]);
    const after = Number(await paul.$eval(est, (el) => el.dataset.remaining));
    // the shown wire text ends with the overlay's newline and zero-width space
    const wire = (await paul.textContent(`#variant-wire-${xch.id}`)).replace(/\n\u200b$/, '');
    await shot(paul, 'editor');
    assert(after === 280 - Array.from(wire).length, `remaining ${after} = 280 - ${Array.from(wire).length}`);
    assert(/weighted characters left · cost \$\d/.test(await paul.textContent(est)), `remaining length and cost shown: ${await paul.textContent(est)}`);
    assert((await paul.locator(`#variant-${xch.id} .editor .mirror mark.act-block`).count()) === 0, 'no red underline left');
    await paul.click('#post-save');
    await paul.waitForFunction(() => /^#\/posts\/\d+$/.test(location.hash));
    postId = Number((await paul.evaluate(() => location.hash)).split('/')[2]);
    await paul.waitForSelector('#post-state [data-state="draft"]');
    await paul.waitForSelector(`#posts-list li[data-id="${postId}"]`);
  });

  let approvalId;
  await step('submitted, it waits for approval; the approver is notified', async () => {
    await paul.click('#post-submit');
    await paul.waitForSelector('#post-state [data-state="submitted"]');
    const link = await paul.getAttribute('#post-approval', 'href');
    assert(/^#\/approvals\/\d+$/.test(link), `approval linked: ${link}`);
    approvalId = Number(link.split('/')[2]);
    assert((await paul.textContent('#post-message')).includes('Waiting for approval'), await paul.textContent('#post-message'));
    showOnFailure(vera);
    await vera.waitForFunction(() => document.getElementById('notif-count')?.textContent === '1' && !document.getElementById('notif-count').hidden);
    await vera.click('#notif-button');
    await vera.waitForSelector('#notif-list li.unread a');
    assert((await vera.textContent('#notif-list li.unread a')).includes('Tariff launch'), 'the post named');
    await vera.click('#notif-list li.unread a');
    await vera.waitForFunction((id) => location.hash === `#/approvals/${id}`, approvalId);
    await vera.waitForFunction(() => document.getElementById('notif-count')?.hidden);
    await vera.waitForSelector('#approval-wire');
    assert((await vera.textContent('#approval-wire')).includes('Projekt Falke'), 'the approver sees the wire text');
    await vera.click('#approve');
    await vera.waitForFunction(() => document.getElementById('approval-state')?.textContent === 'Freigegeben');
    // the publisher's open editor follows (publish.post event)
    showOnFailure(paul);
    await paul.waitForSelector('#post-state [data-state="approved"]');
    // the approver reads the post, with its stored verdicts, but cannot edit it
    showOnFailure(vera);
    await vera.evaluate((id) => (location.hash = `#/posts/${id}`), postId);
    await vera.waitForSelector('#post-state [data-state="approved"]');
    await vera.waitForSelector(`#variant-verdict-${xch.id}[data-action="hold"]`);
    assert((await vera.locator('#post-save, #post-submit, #post-schedule').count()) === 0, 'no actions without posts:write');
    assert(await vera.isDisabled(`#variant-text-${xch.id}`), 'read only');
  });

  const day = () => zonedDay(zone, 9);
  await step('scheduled in the company time zone, it shows in the week and month calendar and the queue', async () => {
    const when = `${day()}T10:30`;
    await paul.fill('#post-when', when);
    assert((await paul.textContent('#post-when-zone')).includes(zone), 'the time zone named');
    await paul.click('#post-schedule');
    await paul.waitForSelector('#post-state [data-state="scheduled"]');
    const p = (await pageApi(paul, 'GET', `/api/v1/posts/${postId}`)).body;
    assert(p.scheduled_local.startsWith(when), `stored as local ${when}: ${p.scheduled_local}`);
    assert((await paul.textContent('#post-scheduled')).includes('10:30'), await paul.textContent('#post-scheduled'));
    // by keyboard: g then k, the week view, then forward to the post's week
    await paul.locator('#posts-title').focus();
    await paul.keyboard.press('g');
    await paul.keyboard.press('k');
    await paul.waitForSelector('#cal-grid');
    if ((await paul.getAttribute('#cal-week', 'aria-pressed')) !== 'true') await paul.keyboard.press('w');
    await paul.waitForSelector('#cal-grid.cal-week');
    const findPost = async (view) => {
      for (let i = 0; i < 4; i++) {
        if ((await paul.locator(`#cal-grid.cal-${view} td[data-day="${day()}"]`).count()) > 0) break;
        const from = await paul.getAttribute('#cal-grid', 'data-from');
        await paul.keyboard.press('ArrowRight');
        await paul.waitForFunction((f) => document.querySelector('#cal-grid')?.dataset.from !== f, from);
      }
      await paul.waitForSelector(`#cal-grid.cal-${view} td[data-day="${day()}"] li.cal-post[data-id="${postId}"]`);
      const text = await paul.textContent(`td[data-day="${day()}"] li.cal-post[data-id="${postId}"]`);
      assert(text.includes('10:30') && text.includes('Tariff launch'), `entry: ${text}`);
    };
    await findPost('week');
    // back and forth by keyboard
    const from = await paul.getAttribute('#cal-grid', 'data-from');
    await paul.keyboard.press('ArrowLeft');
    await paul.waitForFunction((f) => document.querySelector('#cal-grid')?.dataset.from !== f, from);
    assert((await paul.locator(`li.cal-post[data-id="${postId}"]`).count()) === 0, 'not in the week before');
    await paul.keyboard.press('t');
    await paul.keyboard.press('m');
    await paul.waitForSelector('#cal-grid.cal-month');
    await findPost('month');
    await shot(paul, 'month');
    const rows = await paul.locator('#cal-grid tbody tr').count();
    assert(rows >= 4 && rows <= 6, `a month has 4 to 6 weeks: ${rows}`);
    await paul.keyboard.press('q');
    await paul.waitForSelector(`#queue-${xch.id} li[data-id="${postId}"]`);
    await paul.waitForSelector('#cal-failed');
    await shot(paul, 'queues');
  });

  // In paul's open editor of a new post: a text on one channel with nothing
  // to find, submitted; it needs no approval. Returns the post's id.
  const submitCleanPost = async (title, body, channelId) => {
    await paul.waitForSelector('#post-title');
    await paul.fill('#post-title', title);
    await paul.fill('#post-body', body);
    await paul.check(`#post-ch-${channelId}`);
    await paul.waitForSelector(`#variant-verdict-${channelId}[data-action="allow"]`);
    await paul.click('#post-submit');
    await paul.waitForSelector('#post-state [data-state="approved"]');
    return Number((await paul.evaluate(() => location.hash)).split('/')[2]);
  };

  let second;
  await step('a post without approval reasons is approved at once and released for sharing', async () => {
    await paul.click('#nav-posts');
    await paul.click('#post-new');
    second = await submitCleanPost('Service hours', 'Our service is open longer from December.', demo.id);
    assert((await paul.locator('#post-approval').count()) === 0, 'no approval needed');
    await paul.check('#post-shareable');
    await paul.waitForFunction(() => document.getElementById('post-shareable')?.checked && document.getElementById('post-message').textContent === 'Released for sharing.');
    const p = (await pageApi(paul, 'GET', `/api/v1/posts/${second}`)).body;
    assert(p.shareable === true, `shareable stored: ${JSON.stringify(p).slice(0, 200)}`);
  });

  await step('the advocate shares it: R06 asks for the disclosure, then the text to copy', async () => {
    showOnFailure(mara);
    await mara.click('#nav-advocacy');
    await mara.waitForSelector(`#adv-posts li[data-id="${second}"] button`);
    assert((await mara.textContent('#adv-title')) === 'Teilen', 'German page');
    await mara.click(`#adv-posts li[data-id="${second}"] button`);
    await mara.waitForSelector('#adv-words');
    await mara.selectOption('#adv-network', 'linkedin');
    await mara.locator('#adv-words').focus();
    await mara.keyboard.type('Endlich länger offen!');
    await mara.waitForSelector('#adv-findings li[data-rule="R06.disclosure"]');
    assert((await mara.textContent('#adv-findings li[data-rule="R06.disclosure"] .finding-message')).length > 10, 'R06 explained');
    assert((await mara.getAttribute('#adv-verdict', 'data-action')) === 'block', 'blocked without disclosure');
    assert(await mara.isDisabled('#adv-share'), 'cannot share yet');
    // the company's disclosure sentence put in front also satisfies R06
    await mara.check('#adv-disclosure');
    await mara.waitForFunction(() => !document.querySelector('#adv-findings li[data-rule="R06.disclosure"]'));
    await mara.waitForSelector('#adv-verdict[data-action="allow"]');
    assert((await mara.textContent('#adv-preview')).startsWith('Ich arbeite bei Beispiel AG.'), `disclosure in front: ${await mara.textContent('#adv-preview')}`);
    await mara.uncheck('#adv-disclosure');
    await mara.waitForSelector('#adv-findings li[data-rule="R06.disclosure"]');
    // or in her own words
    await mara.locator('#adv-words').focus();
    await mara.keyboard.press('End');
    await mara.keyboard.type(' Ich arbeite bei Beispiel AG.');
    await mara.waitForFunction(() => !document.querySelector('#adv-findings li[data-rule="R06.disclosure"]'));
    await mara.waitForSelector('#adv-share:not([disabled])');
    await mara.click('#adv-share');
    await mara.waitForSelector('#adv-result:not([hidden]) #adv-copy-text');
    await shot(mara, 'share');
    const text = await mara.inputValue('#adv-copy-text');
    assert(text.startsWith('Endlich länger offen! Ich arbeite bei Beispiel AG.') && text.includes('Our service is open longer from December.'), `text to copy: ${text}`);
    await mara.waitForSelector(`#adv-shares li[data-post-id="${second}"]`);
    const shares = (await pageApi(mara, 'GET', '/api/v1/advocacy/shares')).body.shares;
    assert(shares.length === 1 && shares[0].text === text, `one share recorded: ${JSON.stringify(shares)}`);
  });

  await step('an emotional post due outside working hours asks "still want to send?"; unschedule and cancel', async () => {
    showOnFailure(paul);
    await paul.evaluate(() => (location.hash = '#/posts/new'));
    await paul.waitForSelector('#post-title');
    await paul.fill('#post-title', 'Late thoughts');
    await paul.fill('#post-body', 'A personal note from our team tonight.');
    await paul.check('#post-emotional');
    await paul.check(`#post-ch-${demo.id}`);
    await paul.waitForSelector(`#variant-verdict-${demo.id}[data-action="allow"]`);
    await paul.click('#post-submit');
    await paul.waitForSelector('#post-state [data-state="approved"]');
    // a Sunday night in the company's time zone
    let sunday = 8;
    while (new Date(`${zonedDay(zone, sunday)}T12:00:00Z`).getUTCDay() !== 0) sunday++;
    await paul.fill('#post-when', `${zonedDay(zone, sunday)}T23:00`);
    await paul.click('#post-schedule');
    await paul.waitForSelector('#post-state [data-state="scheduled"]');
    await paul.waitForSelector('#post-cooldown #post-confirm');
    const id = Number((await paul.evaluate(() => location.hash)).split('/')[2]);
    assert((await pageApi(paul, 'GET', `/api/v1/posts/${id}`)).body.needs_confirmation === true, 'the API asks for a confirmation');
    await paul.click('#post-confirm');
    await paul.waitForFunction(() => !document.getElementById('post-cooldown'));
    assert((await pageApi(paul, 'GET', `/api/v1/posts/${id}`)).body.cooldown_confirmed === true, 'confirmed');
    await paul.click('#post-unschedule');
    await paul.waitForSelector('#post-state [data-state="approved"]');
    assert((await paul.locator('#post-scheduled').count()) === 0, 'no time any more');
    // an approved post that is edited goes through the approval rules again
    const v1 = (await pageApi(paul, 'GET', `/api/v1/posts/${id}`)).body.version;
    await paul.fill('#post-body', 'A personal note from our whole team tonight.');
    await paul.click('#post-save');
    await paul.waitForFunction(() => document.getElementById('post-message')?.textContent === 'Approved: it can be scheduled.');
    const edited = (await pageApi(paul, 'GET', `/api/v1/posts/${id}`)).body;
    assert(edited.state === 'approved' && edited.version > v1 && edited.body.includes('whole team'), `edited: ${edited.state} ${edited.version}`);
    await paul.click('#post-cancel');
    await paul.click('#confirm-ok');
    await paul.waitForSelector('#post-state [data-state="cancelled"]');
    assert((await paul.locator('#post-save').count()) === 0, 'a cancelled post cannot be edited');
  });

  await step('a post the network refuses is failed with its reason in the editor and the queue view', async () => {
    await paul.evaluate(() => (location.hash = '#/posts/new'));
    const id = await submitCleanPost('Refused note', 'Short note for our followers.', xch.id);
    const p = (await pageApi(paul, 'GET', `/api/v1/posts/${id}`)).body;
    const now = await pageApi(paul, 'POST', `/api/v1/posts/${id}/schedule`, { scheduled_at: 'now', version: p.version });
    assert(now.status === 200, `scheduled now: ${now.status} ${JSON.stringify(now.body)}`);
    let last;
    for (let i = 0; i < 60; i++) {
      last = (await pageApi(paul, 'GET', `/api/v1/posts/${id}`)).body;
      if (last.state === 'failed') break;
      await paul.waitForTimeout(500);
    }
    assert(last.state === 'failed', `failed: ${JSON.stringify(last).slice(0, 900)}`);
    // the open editor follows the send queue (publish.post events)
    await paul.waitForSelector('#post-state [data-state="failed"]');
    // the network's refusal (or the connector's, before it asks) as the reason
    const why = last.variants[0].last_error;
    assert(why.length > 5, `a reason: ${JSON.stringify(last).slice(0, 600)}`);
    assert((await paul.textContent(`.variant-error[data-channel-id="${xch.id}"]`)).includes(why), await paul.textContent(`.variant-error[data-channel-id="${xch.id}"]`));
    await paul.evaluate(() => (location.hash = '#/calendar'));
    await paul.waitForSelector('#cal-title');
    await paul.keyboard.press('q');
    await paul.waitForSelector(`#cal-failed li[data-id="${id}"]`);
    assert((await paul.textContent(`#cal-failed li[data-id="${id}"]`)).includes(why), 'the reason in the queue view');
    await paul.keyboard.press('t');
    await paul.keyboard.press('w');
    await paul.waitForSelector(`#cal-grid li.cal-post.state-failed[data-id="${id}"] .cal-reason`);
  });

  await step('tablet width: the editor and the calendar fit without sideways scrolling', async () => {
    showOnFailure(paul);
    await paul.setViewportSize({ width: 800, height: 1100 });
    await paul.evaluate((id) => (location.hash = `#/posts/${id}`), postId);
    await paul.waitForSelector(`#variant-text-${xch.id}`);
    const fits = () => paul.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
    assert(await fits(), 'editor fits');
    await paul.evaluate(() => (location.hash = '#/calendar'));
    await paul.keyboard.press('w');
    await paul.waitForSelector('#cal-grid.cal-week');
    assert(await fits(), 'calendar fits');
    await shot(paul, 'tablet-week');
    // a refused share preview is answered 422 with its findings, which the
    // browser logs as a failed resource; everything else counts
    const real = errors.filter((e) => !/status of 422/.test(e));
    assert(real.length === 0, `no script errors or CSP violations: ${real.join(' | ')}`);
  });
});
