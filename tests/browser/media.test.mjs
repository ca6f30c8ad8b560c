// Browser test of media in Publish (web/app: media.js, media_common.js,
// post_editor.js, approvals.js): starts the real server with a fresh data
// folder and drives Debian's Chromium through playwright-core.
// A publisher uploads two real PNGs at once (built from bytes here) through
// the media library's file input with alt text, licence and consent, sees
// their thumbnails and pixel sizes, changes an alt text, sees a text file
// dropped on the box and a file over the upload limit refused with the
// server's messages, adds and deletes a
// URL reference (its missing licence and consent are a warning), attaches
// both PNGs to a post's variant on the demo channel (they go as files
// there), puts the second
// first and sees them with their alt text and the channel's limits; the
// post needs approval (a code name), the approver sees the pictures with
// their alt text beside the wire text and approves; the post's variant
// carries the assets in that order (API); on the web chat channel, which
// takes no files, the variant shows the server's error; the library refuses
// to delete a medium in use and fits at tablet width.
//
//   node tests/browser/media.test.mjs path/to/leitplanke
//
// Needs /usr/bin/chromium and node_modules/playwright-core (both installed by
// scripts/install-deps); fails, never skips, when either is missing.
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { runBrowserTest, signInFirstAdmin, pageApi } from './harness.mjs';

// CRC-32 (ISO-HDLC) as PNG chunks need it.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

// A w×h RGB PNG with a diagonal gradient.
function png(w, h) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  const raw = Buffer.alloc(h * (1 + w * 3));
  for (let y = 0; y < h; y++) {
    const row = y * (1 + w * 3);
    raw[row] = 0; // filter: none
    for (let x = 0; x < w; x++) {
      raw[row + 1 + x * 3] = (x * 255) / w;
      raw[row + 2 + x * 3] = (y * 255) / h;
      raw[row + 3 + x * 3] = 160;
    }
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

const W = 64;
const H = 48;
const ALT = 'The harbour at dawn with two cranes';

// The server's upload limit ([publish] media_max_bytes) made small, so that a
// file can be too large for it.
const MAX_BYTES = 20000;
process.env.LEITPLANKE_PUBLISH_MEDIA_MAX_BYTES = String(MAX_BYTES);

const opts = { name: 'media', screenshot: 'media-failure.png', timeout: 20000, locale: 'en-US' };
await runBrowserTest(opts, async ({ server, oneTime, page, errors, step, assert, newPage, showOnFailure, signInColleague }) => {
  // LP_MEDIA_SHOTS=dir: pictures of the pages along the way (for looking at them)
  const shot = async (p, name) => {
    if (process.env.LP_MEDIA_SHOTS) await p.screenshot({ path: join(process.env.LP_MEDIA_SHOTS, `${name}.png`), fullPage: true });
  };

  let demo;
  let web;
  let paul;
  let vera;
  await step('admin signs in and creates a publisher and an approver', async () => {
    await signInFirstAdmin(page, server.base, oneTime);
    const list = (await pageApi(page, 'GET', '/api/v1/posts/channels')).body.channels;
    demo = list.find((c) => c.kind === 'demo');
    web = list.find((c) => c.kind === 'webchat');
    assert(demo && web, `a demo and a web chat channel: ${JSON.stringify(list)}`);
    paul = await signInColleague('paul', ['publisher'], 'en-US');
    vera = await signInColleague('vera', ['approver'], 'de-DE');
  });

  let assetId;
  let craneId;
  await step('the publisher opens the media library by keyboard and uploads two PNGs with alt text, licence and consent', async () => {
    showOnFailure(paul);
    assert((await paul.locator('#nav-media').count()) === 1, 'media linked in the navigation');
    await paul.locator('body').focus();
    await paul.keyboard.press('g');
    await paul.keyboard.press('m');
    await paul.waitForSelector('#media-title');
    assert((await paul.textContent('#media-title')) === 'Media', 'English page');
    await paul.waitForSelector('#media-grid:not([aria-busy])');
    await paul.setInputFiles('#media-files', [
      { name: 'harbour.png', mimeType: 'image/png', buffer: png(W, H) },
      { name: 'crane.png', mimeType: 'image/png', buffer: png(32, 40) },
    ]);
    await paul.waitForSelector('#media-uploads li[data-name="crane.png"][data-state="waiting"]');
    assert((await paul.textContent('#media-upload')) === 'Upload 2 files', await paul.textContent('#media-upload'));
    await paul.fill('#media-alt', ALT);
    await paul.fill('#media-licence', 'own photo');
    await paul.selectOption('#media-consent', 'not_needed');
    await paul.click('#media-upload');
    const row = await paul.waitForSelector('#media-uploads li[data-name="harbour.png"][data-state="done"]');
    assetId = Number(await row.getAttribute('data-asset-id'));
    assert(assetId > 0, 'the new asset id');
    craneId = Number(await paul.getAttribute('#media-uploads li[data-name="crane.png"][data-state="done"]', 'data-asset-id'));
    assert(craneId > 0 && craneId !== assetId, 'the second asset');
    await paul.waitForSelector(`#media-${craneId} img.media-thumb`);
    assert((await paul.textContent(`#media-${craneId} .media-pixels`)) === '32 × 40 px', 'second pixel size');
    const card = `#media-${assetId}`;
    await paul.waitForSelector(`${card} img.media-thumb`);
    assert((await paul.textContent(`${card} .media-pixels`)) === `${W} × ${H} px`, `pixel size: ${await paul.textContent(`${card} .media-pixels`)}`);
    assert((await paul.textContent(`${card} .media-type`)).includes('image/png'), 'type shown');
    assert((await paul.textContent(`${card} .media-size`)).length > 0, 'file size shown');
    assert((await paul.textContent(`${card} .media-alt`)) === ALT, 'alt text shown');
    assert((await paul.textContent(`${card} .media-licence`)) === 'own photo', 'licence shown');
    assert((await paul.locator(`${card} .media-warning-box`).count()) === 0, 'no R09 warning with licence and consent');
    // the thumbnail is the stored file itself
    await paul.waitForFunction((sel) => document.querySelector(sel)?.naturalWidth > 0, `${card} img.media-thumb`);
    const natural = await paul.$eval(`${card} img.media-thumb`, (img) => [img.naturalWidth, img.naturalHeight, img.alt]);
    assert(natural[0] === W && natural[1] === H && natural[2] === ALT, `thumbnail ${natural}`);
    const a = (await pageApi(paul, 'GET', '/api/v1/assets')).body.assets.find((x) => x.id === assetId);
    assert(a && a.width === W && a.height === H && a.mime_type === 'image/png' && a.alt_text === ALT && a.licence === 'own photo' && a.consent === 'not_needed', `stored: ${JSON.stringify(a)}`);
    assert(a.file_url === `/api/v1/assets/${assetId}/file` && a.size > 0 && /^[0-9a-f]{64}$/.test(a.sha256), `file: ${JSON.stringify(a)}`);
  });

  await step('editing the alt text (PATCH) shows the new text', async () => {
    await paul.click(`#media-${assetId} .media-edit`);
    await paul.waitForSelector('#media-edit-form');
    assert((await paul.inputValue('#media-edit-alt')) === ALT, 'the dialog starts with the stored alt text');
    await paul.fill('#media-edit-alt', `${ALT}.`);
    await paul.click('#media-edit-save');
    await paul.waitForFunction(([id, alt]) => document.querySelector(`#media-${id} .media-alt`)?.textContent === alt, [assetId, `${ALT}.`]);
    assert((await paul.locator('#media-edit-form').count()) === 0, 'dialog closed');
  });

  await step('a text file dropped on the box and a file too large are refused with the server\'s messages', async () => {
    const notes = Buffer.from('not a picture\n');
    // dropped on the box this time
    await paul.evaluate((text) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], 'notes.txt', { type: 'text/plain' }));
      const box = document.getElementById('media-drop');
      box.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      box.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, notes.toString());
    await paul.waitForSelector('#media-uploads li[data-name="notes.txt"][data-state="waiting"]');
    await paul.click('#media-upload');
    const row = await paul.waitForSelector('#media-uploads li[data-name="notes.txt"][data-state="failed"]');
    const status = Number(await row.getAttribute('data-status'));
    assert(status === 415 || status === 400, `refused: ${status}`);
    // the same upload through the API gives the message the row shows
    const direct = await paul.evaluate(async (body) => {
      const r = await fetch('/api/v1/assets/files?name=notes.txt&consent=not_needed', {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain', 'X-CSRF-Token': sessionStorage.getItem('lp.csrf') || '' },
        body,
      });
      return { status: r.status, body: await r.json() };
    }, notes.toString());
    assert(direct.status === status && direct.body.error && direct.body.error.message, `direct: ${JSON.stringify(direct)}`);
    const shown = await paul.textContent('#media-uploads li[data-name="notes.txt"] .upload-result');
    assert(shown.includes(direct.body.error.message), `the server's message shown: ${shown}`);
    // a file larger than the server takes: 413 with its message
    await paul.setInputFiles('#media-files', { name: 'huge.png', mimeType: 'image/png', buffer: Buffer.concat([png(W, H), Buffer.alloc(MAX_BYTES)]) });
    await paul.click('#media-upload');
    const huge = await paul.waitForSelector('#media-uploads li[data-name="huge.png"][data-state="failed"]');
    assert((await huge.getAttribute('data-status')) === '413', `too large: ${await huge.getAttribute('data-status')}`);
    const said = await paul.textContent('#media-uploads li[data-name="huge.png"] .upload-result');
    assert(said.includes(`exceeds ${MAX_BYTES} bytes`), `the server's limit named: ${said}`);
    const all = (await pageApi(paul, 'GET', '/api/v1/assets')).body.assets;
    assert(!all.some((x) => x.name === 'notes.txt' || x.name === 'huge.png'), 'nothing stored');
  });

  await step('a URL reference without licence is a warning; it can be deleted', async () => {
    // the form is folded until its summary is opened (keyboard)
    assert(!(await paul.isVisible('#media-url-name')), 'the link form starts folded');
    await paul.locator('#media-url-box summary').focus();
    await paul.keyboard.press('Enter');
    await paul.fill('#media-url-name', 'Press kit video');
    await paul.fill('#media-url', 'https://example.org/press/kit.mp4');
    await paul.fill('#media-url-type', 'video/mp4');
    await paul.click('#media-url-add');
    const card = await paul.waitForSelector('#media-grid li.media-card:has(h3:text-is("Press kit video"))');
    const id = Number(await card.getAttribute('data-id'));
    assert((await paul.textContent(`#media-${id} .media-url-text`)) === 'https://example.org/press/kit.mp4', 'the URL shown');
    assert((await paul.getAttribute(`#media-${id} .media-warning-box`, 'data-warn')) === 'licence consent', 'licence and consent missing: a warning');
    await shot(paul, 'media-library');
    await paul.click(`#media-${id} .media-delete`);
    await paul.click('#confirm-ok');
    await paul.waitForSelector(`#media-${id}`, { state: 'detached' });
  });

  let postId;
  await step('attached to the demo channel\'s variant, the PNG goes as a file and shows with its alt text', async () => {
    await paul.evaluate(() => (location.hash = '#/posts/new'));
    await paul.waitForSelector('#post-title');
    await paul.fill('#post-title', 'Harbour picture');
    await paul.fill('#post-body', 'Projekt Falke: the harbour at dawn.');
    await paul.check(`#post-ch-${demo.id}`);
    await paul.waitForSelector(`#variant-verdict-${demo.id}:not([hidden])`);
    await paul.click(`#variant-add-media-${demo.id}`);
    await paul.waitForSelector('#media-picker[open]');
    await paul.waitForSelector(`#media-pick-${assetId}`);
    assert(await paul.evaluate(() => document.activeElement?.matches('#media-pick-list input[type=checkbox]')), 'the focus is on the first medium');
    await paul.locator(`#media-pick-${assetId}`).focus();
    await paul.keyboard.press('Space');
    await paul.check(`#media-pick-${craneId}`);
    await paul.click('#media-pick-ok');
    // the crane goes first (keyboard on its "up" button)
    const crane = `#variant-media-${demo.id} li.media-item[data-asset-id="${craneId}"]`;
    await paul.waitForSelector(crane);
    await paul.locator(`${crane} .media-up`).focus();
    await paul.keyboard.press('Enter');
    await paul.waitForFunction(([sel, id]) => document.querySelector(`${sel} li.media-item`)?.dataset.assetId === String(id), [`#variant-media-${demo.id}`, craneId]);
    assert(await paul.$eval(`${crane} .media-down`, (b) => b === document.activeElement), 'the focus stays with the moved medium');
    const item = `#variant-media-${demo.id} li.media-item[data-asset-id="${assetId}"]`;
    await paul.waitForSelector(`${item}[data-native]`);
    assert((await paul.getAttribute(item, 'data-native')) === 'true', `native on the demo channel: ${await paul.textContent(item)}`);
    assert((await paul.textContent(`${item} .media-alt`)).includes(`${ALT}.`), 'alt text beside the thumbnail');
    assert((await paul.$eval(`${item} img.media-thumb`, (img) => img.naturalWidth)) === W, 'thumbnail loaded');
    const limits = await paul.textContent(`#variant-limits-${demo.id}`);
    assert(new RegExp(`^${demo.name}: up to \\d+ images of [\\d.]+ [kMG]B each or 1 video of up to [\\d.]+ [kMG]B; alt text up to [\\d,]+ characters$`).test(limits), `limits shown: ${limits}`);
    // a file that goes natively is not a link in the wire text
    assert(!(await paul.textContent(`#variant-wire-${demo.id}`)).includes(`/api/v1/assets/${assetId}`), 'no link for a native file');
    await shot(paul, 'media-editor');
    await paul.click('#post-save');
    await paul.waitForFunction(() => /^#\/posts\/\d+$/.test(location.hash));
    postId = Number((await paul.evaluate(() => location.hash)).split('/')[2]);
    await paul.waitForSelector(`${item}`);
    const p = (await pageApi(paul, 'GET', `/api/v1/posts/${postId}`)).body;
    assert(JSON.stringify(p.variants[0].asset_ids) === JSON.stringify([craneId, assetId]), `saved with the assets in order: ${JSON.stringify(p.variants)}`);
  });

  let approvalId;
  await step('submitted (code name), the approver sees the picture with its alt text and approves', async () => {
    await paul.click('#post-submit');
    await paul.waitForSelector('#post-state [data-state="submitted"]');
    approvalId = Number((await paul.getAttribute('#post-approval', 'href')).split('/')[2]);
    showOnFailure(vera);
    await vera.evaluate((id) => (location.hash = `#/approvals/${id}`), approvalId);
    await vera.waitForSelector('#approval-wire');
    const item = `#approval-media ol[data-channel-id="${demo.id}"] li.media-item[data-asset-id="${assetId}"]`;
    await vera.waitForSelector(`${item} img.media-thumb`);
    assert((await vera.textContent(`${item} .media-alt`)).includes(`${ALT}.`), 'alt text for the approver');
    assert((await vera.textContent('#approval-media h3')) === 'Medien je Kanal', 'German heading');
    await shot(vera, 'media-approval');
    // the approver reads the library (German) but changes nothing there
    await vera.evaluate(() => (location.hash = '#/media'));
    await vera.waitForSelector(`#media-${assetId} img.media-thumb`);
    assert((await vera.textContent('#media-title')) === 'Medien', 'German page');
    assert((await vera.locator('#media-files, #media-url-box, .media-edit, .media-delete').count()) === 0, 'read only without posts:write');
    assert((await vera.textContent(`#media-${assetId} .media-consent`)) === 'nicht nötig', 'consent in German');
    await shot(vera, 'media-library-de');
    await vera.goBack();
    await vera.waitForSelector('#approve');
    await vera.click('#approve');
    await vera.waitForFunction(() => document.getElementById('approval-state')?.textContent === 'Freigegeben');
    showOnFailure(paul);
    await paul.waitForSelector('#post-state [data-state="approved"]');
    // the post's detail shows the medium read only
    await vera.evaluate((id) => (location.hash = `#/posts/${id}`), postId);
    await vera.waitForSelector(`#variant-media-${demo.id} li.media-item[data-asset-id="${assetId}"] img.media-thumb`);
    assert((await vera.locator(`#variant-add-media-${demo.id}, #variant-media-${demo.id} button`).count()) === 0, 'no media buttons without posts:write');
    const p = (await pageApi(paul, 'GET', `/api/v1/posts/${postId}`)).body;
    const v = p.variants.find((x) => x.channel_id === demo.id);
    assert(p.state === 'approved' && JSON.stringify(v.asset_ids) === JSON.stringify([craneId, assetId]), `approved with the assets: ${JSON.stringify(p).slice(0, 600)}`);
  });

  await step('on a channel that takes no files the variant shows the server\'s error', async () => {
    showOnFailure(paul);
    await paul.evaluate(() => (location.hash = '#/posts/new'));
    await paul.waitForSelector('#post-title');
    await paul.fill('#post-title', 'Chat picture');
    await paul.fill('#post-body', 'Our harbour this morning.');
    await paul.check(`#post-ch-${web.id}`);
    await paul.click(`#variant-add-media-${web.id}`);
    await paul.check(`#media-pick-${assetId}`);
    await paul.click('#media-pick-ok');
    await paul.waitForSelector(`#variant-media-${web.id} li.media-item[data-asset-id="${assetId}"][data-native]`);
    const check = await pageApi(paul, 'POST', '/api/v1/posts/check', { title: 'Chat picture', body: 'Our harbour this morning.', variants: [{ channel_id: web.id, asset_ids: [assetId] }] });
    const error = check.body.checks[0].error;
    assert(error && error.length > 5, `the server refuses the file there: ${JSON.stringify(check.body).slice(0, 400)}`);
    await paul.waitForFunction(([id, e]) => document.querySelector(`#variant-${id} p.error:not([hidden])`)?.textContent === e, [web.id, error]);
    assert((await paul.getAttribute(`#variant-verdict-${web.id}`, 'data-action')) === 'block', 'the variant is blocked');
  });

  await step('an alt text the guideline objects to is a finding of the variant', async () => {
    // the crane's alt text now names an IBAN
    const patched = await pageApi(paul, 'PATCH', `/api/v1/assets/${craneId}`, { alt_text: 'Crane, invoices to DE89 3704 0044 0532 0130 00' });
    assert(patched.status === 200, `patched: ${patched.status} ${JSON.stringify(patched.body)}`);
    await paul.uncheck(`#post-ch-${web.id}`);
    await paul.check(`#post-ch-${demo.id}`);
    // the variant's own text has a finding of its own (a code name)
    await paul.fill(`#variant-text-${demo.id}`, 'Projekt Falke: our harbour this morning.');
    await paul.click(`#variant-add-media-${demo.id}`);
    await paul.check(`#media-pick-${craneId}`);
    await paul.click('#media-pick-ok');
    const finding = `#variant-findings-${demo.id} li[data-rule="R01.pii"]`;
    await paul.waitForSelector(finding);
    assert((await paul.textContent(`${finding} .finding-message`)).startsWith('Alt text of "crane.png"'), await paul.textContent(`${finding} .finding-message`));
    // "show in text" for the finding in the text, not for the one in the alt text
    assert((await paul.locator(`#variant-findings-${demo.id} li[data-rule="R03.terms"] button`).count()) === 1, 'the code name can be shown in the text');
    assert((await paul.locator(`${finding} button`).count()) === 0, 'no "show in text" for a finding in an alt text');
    assert((await paul.getAttribute(`#variant-verdict-${demo.id}`, 'data-action')) === 'block', 'the variant is blocked');
  });

  await step('an uploaded video shows as a video with controls, loaded from the server', async () => {
    showOnFailure(paul);
    await paul.evaluate(() => (location.hash = '#/media'));
    await paul.waitForSelector('#media-files', { state: 'attached' });
    // the smallest MP4 the server recognises: an ftyp box and an empty mdat
    const be32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
    const mp4 = Buffer.concat([be32(24), Buffer.from('ftypisom'), be32(0), Buffer.from('isommp41'), be32(8), Buffer.from('mdat')]);
    await paul.setInputFiles('#media-files', { name: 'clip.mp4', mimeType: 'video/mp4', buffer: mp4 });
    await paul.click('#media-upload');
    await paul.waitForSelector('#media-uploads li[data-name="clip.mp4"][data-state="done"]');
    const clip = (await pageApi(paul, 'GET', '/api/v1/assets')).body.assets.find((x) => x.name === 'clip.mp4');
    assert(clip && clip.mime_type === 'video/mp4' && clip.file_url, `stored: ${JSON.stringify(clip)}`);
    const video = await paul.waitForSelector(`#media-${clip.id} video.media-thumb`);
    assert((await video.getAttribute('src')) === clip.file_url, 'the stored file is the source');
    assert((await video.getAttribute('controls')) !== null, 'with controls');
    assert((await video.getAttribute('aria-label')) === 'Video clip.mp4', await video.getAttribute('aria-label'));
  });

  await step('a medium in use cannot be deleted: the library says so', async () => {
    showOnFailure(paul);
    await paul.evaluate(() => (location.hash = '#/media'));
    await paul.waitForSelector(`#media-${assetId} .media-delete`);
    await paul.click(`#media-${assetId} .media-delete`);
    await paul.click('#confirm-ok');
    await paul.waitForSelector(`#media-${assetId} .media-card-msg:not([hidden])`);
    assert((await paul.textContent(`#media-${assetId} .media-card-msg`)).startsWith('In use'), await paul.textContent(`#media-${assetId} .media-card-msg`));
    assert((await paul.getAttribute(`#media-${assetId} .media-card-msg`, 'data-status')) === '409', 'answered 409');
    assert((await pageApi(paul, 'GET', '/api/v1/assets')).body.assets.some((x) => x.id === assetId), 'still there');
    // tablet width: the library fits without sideways scrolling
    await paul.setViewportSize({ width: 800, height: 1100 });
    assert(await paul.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'the library fits at tablet width');
    // refused uploads and deletions are answered 4xx, which the browser logs
    // as failed resources; everything else counts
    const real = errors.filter((e) => !/status of (400|409|413|415)/.test(e));
    assert(real.length === 0, `no script errors or CSP violations: ${real.join(' | ')}`);
  });
});
