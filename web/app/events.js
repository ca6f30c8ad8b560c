// The one live connection of a signed-in tab: Server-Sent Events from
// /api/v1/events, shared by every page. Pages subscribe to event types and
// get the parsed data; the header's live mark follows the connection.
import { get, ApiError } from './api.js';
import { t } from './i18n.js';

let source = null;
let live = false;
const handlers = new Map(); // type -> Set<fn(data, type)>

function dispatch(ev) {
  let data = {};
  try {
    data = JSON.parse(ev.data);
  } catch {
    return;
  }
  for (const fn of handlers.get(ev.type) || []) fn(data, ev.type);
}

function setLive(on) {
  live = on;
  document.body.dataset.live = on ? '1' : '0';
  const el = document.getElementById('live');
  if (el) el.textContent = t(on ? 'live.on' : 'live.off');
}

export function isLive() {
  return live;
}

// Opens the connection (once per session).
export function connectEvents() {
  if (source) return;
  source = new EventSource('/api/v1/events');
  for (const type of handlers.keys()) source.addEventListener(type, dispatch);
  source.addEventListener('open', () => setLive(true));
  source.addEventListener('error', () => {
    setLive(false);
    if (source && source.readyState === EventSource.CLOSED) {
      // e.g. the session ended: find out whether we are still signed in
      get('/api/v1/auth/me').catch((e) => {
        if (e instanceof ApiError && e.status === 401) location.reload();
      });
    }
  });
}

export function closeEvents() {
  if (source) source.close();
  source = null;
  setLive(false);
}

// on('desk.approval', fn) → a function that unsubscribes.
export function on(type, fn) {
  if (!handlers.has(type)) {
    handlers.set(type, new Set());
    if (source) source.addEventListener(type, dispatch);
  }
  handlers.get(type).add(fn);
  return () => handlers.get(type)?.delete(fn);
}
