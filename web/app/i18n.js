// UI text from i18n/<locale>.json; dates and numbers through Intl in the
// same locale. The language is the user's (from /auth/me or their own choice
// on this browser), else the browser's.

export const LOCALES = ['de', 'en'];
const cache = new Map();
let current = 'en';
let strings = {};

export function browserLocale() {
  for (const l of navigator.languages || [navigator.language || 'en']) {
    const base = String(l).slice(0, 2).toLowerCase();
    if (LOCALES.includes(base)) return base;
  }
  return 'en';
}

export function locale() {
  return current;
}

export async function setLocale(l) {
  if (!LOCALES.includes(l)) l = 'en';
  if (!cache.has(l)) {
    const res = await fetch(`/app/i18n/${l}.json`, { credentials: 'same-origin' });
    if (!res.ok) throw new Error(`i18n/${l}.json: HTTP ${res.status}`);
    cache.set(l, await res.json());
  }
  current = l;
  strings = cache.get(l);
  document.documentElement.lang = l;
  localStorage.setItem('lp.locale', l);
}

// t('inbox.count', {n: 3}) — "{n}" placeholders; unknown keys show the key.
export function t(key, vars = {}) {
  const s = strings[key];
  if (typeof s !== 'string') return key;
  return s.replace(/\{(\w+)\}/g, (m, name) =>
    name in vars ? (typeof vars[name] === 'number' ? fmtNumber(vars[name]) : String(vars[name])) : m,
  );
}

export function fmtNumber(n, opts) {
  return new Intl.NumberFormat(current, opts).format(n);
}

export function fmtMoney(amount, currency) {
  try {
    return new Intl.NumberFormat(current, { style: 'currency', currency }).format(amount);
  } catch {
    return `${fmtNumber(amount)} ${currency}`;
  }
}

// An ISO time or milliseconds: "29.11.2026, 06:13" / "11/29/2026, 6:13 AM".
export function fmtDate(v) {
  if (!v) return '';
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return '';
  return new Intl.DateTimeFormat(current, { dateStyle: 'short', timeStyle: 'short' }).format(d);
}

// "vor 5 Minuten" / "in 2 hours".
export function fmtRelative(ms) {
  const rtf = new Intl.RelativeTimeFormat(current, { numeric: 'auto' });
  const abs = Math.abs(ms);
  if (abs < 60000) return rtf.format(Math.round(ms / 1000), 'second');
  if (abs < 3600000) return rtf.format(Math.round(ms / 60000), 'minute');
  if (abs < 86400000) return rtf.format(Math.round(ms / 3600000), 'hour');
  return rtf.format(Math.round(ms / 86400000), 'day');
}
