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

// Sends a file's bytes as the raw body (Content-Type = the file's type) with
// XMLHttpRequest, which reports the upload's progress: `onProgress(fraction)`
// (0…1, or -1 when the size is unknown). Resolves with the parsed answer;
// errors as ApiError with the server's message.
export function upload(path, file, { onProgress } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.withCredentials = true;
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    if (csrfToken) xhr.setRequestHeader('X-CSRF-Token', csrfToken);
    if (onProgress) xhr.upload.addEventListener('progress', (e) => onProgress(e.lengthComputable ? e.loaded / e.total : -1));
    xhr.addEventListener('load', () => {
      let data = null;
      if (xhr.responseText) {
        try {
          data = JSON.parse(xhr.responseText);
        } catch {
          data = { error: { message: xhr.responseText.slice(0, 200) } };
        }
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data);
      else reject(new ApiError(xhr.status, data));
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, { error: { message: 'network error' } })));
    xhr.addEventListener('abort', () => reject(new ApiError(0, { error: { message: 'aborted' } })));
    xhr.send(file);
  });
}
