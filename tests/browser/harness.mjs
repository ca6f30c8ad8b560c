// Shared pieces of the browser scripts (tests/browser/*.test.mjs,
// scripts/screenshots.mjs): the server on a free port with a fresh data
// folder and the demo inbox, Chromium through playwright-core, the first
// administrator's sign-in (one-time password, new password, TOTP enrolment),
// a colleague's first sign-in, the API called from the page with its
// session, the collection of script errors and CSP violations, and
// runBrowserTest(), the frame of a test script (steps, failure screenshot,
// clean-up, summary and exit code).
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHROMIUM = '/usr/bin/chromium';
export const ADMIN_PASSWORD = 'correct horse battery staple 42';

export function fail(msg) {
  console.error(`FAIL: ${msg}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

// The server binary and playwright's chromium; exits with a clear message
// when either is missing (never skips).
export async function prerequisites(binaryArg) {
  const binary = resolve(binaryArg || join(ROOT, 'build/release/src/cli/leitplanke'));
  if (!existsSync(binary)) fail(`server binary ${binary} not found (build the leitplanke target)`);
  if (!existsSync(CHROMIUM)) fail(`${CHROMIUM} not found: run scripts/install-deps (Debian package chromium)`);
  try {
    const { chromium } = await import('playwright-core');
    return { binary, chromium };
  } catch (e) {
    return fail(`playwright-core is not installed (${e.message}): run scripts/install-deps (npm ci in ${ROOT})`);
  }
}

export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

// RFC 6238 TOTP (SHA-1, 6 digits, 30 s) from a base32 secret.
export function totp(secret, at = Date.now()) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const off = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(off) & 0x7fffffff) % 1000000).padStart(6, '0');
}

// Starts `leitplanke serve` with the demo inbox on a fresh data folder;
// `ready` resolves with the one-time admin password once it serves.
export async function startServer(binary) {
  const port = await freePort();
  const data = mkdtempSync(join(tmpdir(), 'lp-browser-'));
  const proc = spawn(binary, ['serve', '--data', data, '--listen', `127.0.0.1:${port}`], {
    env: { ...process.env, LEITPLANKE_DESK_DEMO: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const ready = new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`server did not start in 30 s:\n${out}`)), 30000);
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      const pw = /password:\s+(\S+)/.exec(out);
      if (pw && /serving on/.test(out)) {
        clearTimeout(timer);
        res(pw[1]);
      }
    });
    proc.stderr.on('data', (c) => (out += c));
    proc.on('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  ready.catch(() => {});
  const stop = async () => {
    proc.kill('SIGTERM');
    await new Promise((res) => {
      if (proc.exitCode !== null) return res();
      const t = setTimeout(() => {
        proc.kill('SIGKILL');
        res();
      }, 5000);
      proc.once('exit', () => {
        clearTimeout(t);
        res();
      });
    });
    rmSync(data, { recursive: true, force: true });
  };
  return { port, base: `http://127.0.0.1:${port}`, proc, ready, stop, log: () => out };
}

export function launch(chromium) {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// Collects script errors, console errors, CSP violations and browser
// dialogs (alert, confirm: the app never opens one; it is dismissed) of a
// page. `who` names the page in the messages when several are watched.
export function watchPage(page, errors, who = '') {
  const tag = who ? `${who}: ` : '';
  page.on('pageerror', (e) => errors.push(`${tag}pageerror: ${e.message}`));
  page.on('dialog', (d) => {
    errors.push(`${tag}dialog: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  page.on('console', (m) => {
    // 401 is the expected answer to "who am I?" when signed out
    if (m.type() === 'error' && !/status of 401/.test(m.text())) errors.push(`${tag}console: ${m.text()}`);
  });
  return page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
}

// The first administrator's first steps, one by one (signInFirstAdmin does
// all of them): sign-in with the one-time password and the own password
// chosen (returns the answer to loading the page); the TOTP enrolment (returns
// the key and the 30-second step whose code was used); the recovery codes
// acknowledged (returns them).
export async function changeFirstPassword(page, base, oneTime) {
  const resp = await page.goto(`${base}/`);
  await page.fill('#username', 'admin');
  await page.fill('#password', oneTime);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#password-form');
  await page.fill('#new-password', ADMIN_PASSWORD);
  await page.fill('#new-password2', ADMIN_PASSWORD);
  await page.click('#password-form button[type=submit]');
  return resp;
}

export async function enrolTotp(page) {
  const secretEl = await page.waitForSelector('#totp-secret');
  const secret = await secretEl.getAttribute('data-secret');
  const step = Math.floor(Date.now() / 30000);
  await page.fill('#totp-code', totp(secret, step * 30000));
  await page.click('#totp-form button[type=submit]');
  return { secret, step };
}

export async function acknowledgeRecoveryCodes(page) {
  await page.waitForSelector('#recovery-codes li');
  const codes = await page.locator('#recovery-codes li').allTextContents();
  await page.click('#recovery-done');
  return codes;
}

// The first administrator: one-time password, own password, TOTP enrolment,
// recovery codes acknowledged; ends on the inbox.
export async function signInFirstAdmin(page, base, oneTime) {
  await changeFirstPassword(page, base, oneTime);
  const enrolled = await enrolTotp(page);
  await acknowledgeRecoveryCodes(page);
  await page.waitForSelector('#inbox-list [role=option]');
  return enrolled;
}

// A colleague's sign-in with the password the administrator gave; when the
// server asks for an own password, `newPassword` is set. Opens `url` first
// unless it is null (the page already shows the sign-in form). Ends signed in
// (the header's sign-out button is there).
export async function signInUser(page, url, { username, password, newPassword }) {
  if (url !== null) await page.goto(url);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('#login-form button[type=submit]');
  const next = await page.waitForSelector('#password-form, #logout');
  if ((await next.getAttribute('id')) === 'password-form') {
    if (!newPassword) throw new Error(`${username}: the server asks for an own password`);
    await page.fill('#new-password', newPassword);
    await page.fill('#new-password2', newPassword);
    await page.click('#password-form button[type=submit]');
  }
  await page.waitForSelector('#logout');
}

// The API from the page, with its session and CSRF token: {status, body}
// with the body parsed when it is JSON.
export async function pageApi(page, method, path, body) {
  const r = await page.evaluate(
    async ([m, p, b]) => {
      const res = await fetch(p, {
        method: m,
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': sessionStorage.getItem('lp.csrf') || '' },
        body: b === null ? undefined : JSON.stringify(b),
      });
      return { status: res.status, text: await res.text() };
    },
    [method, path, body ?? null],
  );
  let parsed = r.text;
  try {
    parsed = JSON.parse(r.text);
  } catch {
    // not JSON
  }
  return { status: r.status, body: parsed };
}

// A second version of the active pack with the personal-data rule turned
// from "block" into "warn", uploaded (not activated). The files come from
// the active stored version, or from policies/<name>/ when the active one is
// the pack built into the binary (version 0). Returns the values of the test
// bench's version lists: "" for the active version, "name@version" for the
// new one.
export async function uploadLenientVersion(page) {
  const policies = await pageApi(page, 'GET', '/api/v1/policies');
  if (policies.status !== 200) throw new Error(`policies: ${policies.status} ${JSON.stringify(policies.body)}`);
  const { name, version } = policies.body.active;
  let files = {};
  if (version > 0) {
    const current = await pageApi(page, 'GET', `/api/v1/policies/${name}/versions/${version}`);
    if (current.status !== 200) throw new Error(`version: ${current.status} ${JSON.stringify(current.body)}`);
    files = { ...current.body.files };
  } else {
    const dir = join(ROOT, 'policies', name);
    for (const f of readdirSync(dir, { recursive: true })) {
      const path = join(dir, f);
      if (statSync(path).isFile() && !f.endsWith('.jsonl')) files[f.split(sep).join('/')] = readFileSync(path, 'utf8');
    }
  }
  const before = files['pack.toml'] || '';
  files['pack.toml'] = before.replace(/(id = "R01\.pii"[\s\S]*?\naction = )"block"/, '$1"warn"');
  if (files['pack.toml'] === before) throw new Error('pack.toml: the R01.pii action was not found');
  const up = await pageApi(page, 'POST', `/api/v1/policies/${name}/versions`, { files, comment: 'personal data only warned' });
  if (up.status !== 201) throw new Error(`upload: ${up.status} ${JSON.stringify(up.body).slice(0, 600)}`);
  return { active: '', lenient: `${name}@${up.body.version}` };
}

// The frame of a browser test script. Checks the prerequisites, starts the
// server, launches Chromium, opens the first page and calls `body(t)` with
//   t.server (startServer's), t.oneTime (the admin's one-time password),
//   t.browser, t.page (the first page), t.errors (what watchPage collected
//   on every page opened through t.newPage),
//   t.step(name, fn): one numbered step, "ok n - name" or "not ok n - name",
//   t.assert(cond, msg), t.newPage({ locale, viewport, who }): a page in a
//   browser context of its own, watched, closed at the end,
//   t.showOnFailure(page): the page the failure screenshot shows (else t.page).
// A failure saves build/browser-test/<screenshot>, prints the error, the page
// errors and the server's output. Everything is stopped, then the script
// exits with "<passed> passed, <failed> failed": 0 only when all passed.
export async function runBrowserTest(opts, body) {
  const { name, screenshot, timeout = 15000, locale = 'en-US', binaryArg = process.argv[2], cleanup } = opts;
  const { binary, chromium } = await prerequisites(binaryArg);
  let passed = 0;
  let failed = 0;
  const started = Date.now();
  const server = await startServer(binary);
  const errors = [];
  const contexts = [];
  let shown = null;
  let colleagues = 0;
  const t = {
    server,
    errors,
    assert(cond, msg) {
      if (!cond) throw new Error(`assertion failed: ${msg}`);
    },
    async step(title, fn) {
      const t0 = Date.now();
      try {
        await fn();
        passed++;
        console.log(`ok ${passed + failed} - ${title} (${Date.now() - t0} ms)`);
      } catch (e) {
        failed++;
        console.log(`not ok ${passed + failed} - ${title}: ${e.message}`);
        throw e;
      }
    },
    async newPage({ locale: pageLocale = locale, viewport = { width: 1280, height: 800 }, who = '' } = {}) {
      const ctx = await t.browser.newContext({ viewport, locale: pageLocale });
      contexts.push(ctx);
      const p = await ctx.newPage();
      p.setDefaultTimeout(timeout);
      await watchPage(p, errors, who);
      return p;
    },
    showOnFailure(page) {
      shown = page;
    },
    // A user the admin (t.page, signed in) creates signs in for the first
    // time in a browser of their own and chooses an own password; returns
    // that page.
    async signInColleague(username, roles, userLocale) {
      const n = ++colleagues;
      const pw = `first-sign-in-pw-${n}`;
      const made = await pageApi(t.page, 'POST', '/api/v1/users', { username, password: pw, roles, display_name: username });
      t.assert(made.status === 201, `${username}: ${made.status} ${JSON.stringify(made.body)}`);
      const lang = await pageApi(t.page, 'PATCH', `/api/v1/users/${made.body.id}`, { locale: userLocale.slice(0, 2) });
      t.assert(lang.status === 200, `${username}'s language: ${lang.status} ${JSON.stringify(lang.body)}`);
      const p = await t.newPage({ locale: userLocale });
      await signInUser(p, `${server.base}/app`, { username, password: pw, newPassword: `own-password-2026-${n}` });
      return p;
    },
  };
  try {
    t.oneTime = await server.ready;
    t.browser = await launch(chromium);
    t.page = await t.newPage();
    await body(t);
  } catch (e) {
    const page = shown || t.page;
    if (page && screenshot) {
      const dir = join(ROOT, 'build', 'browser-test');
      try {
        mkdirSync(dir, { recursive: true });
        await page.screenshot({ path: join(dir, screenshot), fullPage: true });
        console.error(`screenshot: ${join(dir, screenshot)}`);
      } catch {
        // best effort
      }
    }
    if (!failed) {
      failed++;
      console.log(`not ok ${passed + failed} - ${e.message}`);
    }
    console.error(String(e.stack || e));
    console.error(`page errors: ${errors.join(' | ') || 'none'}`);
    const log = server
      .log()
      .split('\n')
      .filter((l) => !l.includes('"msg":"request"') || /"status":[45]/.test(l));
    console.error(`server output (tail):\n${log.slice(-40).join('\n')}`);
  } finally {
    for (const c of contexts) await c.close().catch(() => {});
    if (t.browser) await t.browser.close().catch(() => {});
    await server.stop();
    if (cleanup) await cleanup();
  }
  console.log(`browser ${name} test: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed || passed === 0 ? 1 : 0);
}
