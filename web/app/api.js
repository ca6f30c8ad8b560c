// The JSON API client: same-origin fetch with the session cookie, the CSRF
// token on every state-changing request, errors as ApiError.

let csrfToken = sessionStorage.getItem('lp.csrf') || '';

export function setCsrf(token) {
  csrfToken = token || '';
  if (csrfToken) sessionStorage.setItem('lp.csrf', csrfToken);
  else sessionStorage.removeItem('lp.csrf');
}

export class ApiError extends Error {
  constructor(status, body) {
    const err = (body && body.error) || {};
    super(err.message || `HTTP ${status}`);
    this.status = status;
    this.code = err.code || '';
    this.pointer = err.pointer || '';
    this.body = body;
  }
}

// api('GET', '/api/v1/auth/me'); api('POST', path, body, {signal, okStatuses})
// Resolves with the parsed body (null for 204). Statuses in okStatuses (e.g.
// 409, 422 for replies) resolve too, with {status, body}.
export async function api(method, path, body, opts = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
    signal: opts.signal,
  });
  let data = null;
  const text = await res.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { error: { message: text.slice(0, 200) } };
    }
  }
  if (opts.okStatuses && opts.okStatuses.includes(res.status)) return { status: res.status, body: data };
  if (!res.ok) throw new ApiError(res.status, data);
  if (opts.okStatuses) return { status: res.status, body: data };
  return data;
}

export const get = (path, opts) => api('GET', path, undefined, opts);
export const post = (path, body = {}, opts) => api('POST', path, body, opts);
export const patch = (path, body, opts) => api('PATCH', path, body, opts);
