// Shared by the Publish pages (posts.js, post_editor.js, calendar.js): the
// post states, the company's time zone (the one schedule times are local to)
// and dates shown in the user's language but in that time zone.
import { get } from './api.js';
import { h } from './dom.js';
import { t, locale } from './i18n.js';

export const POST_STATES = ['draft', 'submitted', 'approved', 'scheduled', 'sending', 'sent', 'failed', 'held', 'cancelled'];

let zone = null;

// The company's time zone ([publish] time_zone), from GET /api/v1/publish/settings
// (calendar answers name it too); asked once per page load.
export async function companyZone() {
  if (zone) return zone;
  try {
    zone = (await get('/api/v1/publish/settings')).time_zone || 'UTC';
  } catch {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  }
  return zone;
}

export function rememberZone(tz) {
  if (tz) zone = tz;
}

function formatter(tz, opts) {
  try {
    return new Intl.DateTimeFormat(locale(), { ...opts, timeZone: tz });
  } catch {
    return new Intl.DateTimeFormat(locale(), opts);
  }
}

// "1.12.2026, 09:30" in the company's time zone.
export function fmtZoned(iso, tz, opts = { dateStyle: 'short', timeStyle: 'short' }) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return formatter(tz, opts).format(d);
}

// The calendar day ("2026-12-01") of an instant in a time zone.
export function zonedDay(iso, tz) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  let parts;
  try {
    parts = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(d);
  } catch {
    parts = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(d);
  }
  const get1 = (type) => parts.find((p) => p.type === type).value;
  return `${get1('year')}-${get1('month')}-${get1('day')}`;
}

// The time a post is on the calendar: its schedule, else when it was sent.
export function postTime(p) {
  return p.scheduled_at || p.sent_at || '';
}

export function stateBadge(state) {
  return h('span', { class: `badge post-state state-${state}`, dataset: { state } }, t(`post_state.${state}`));
}
