// Talks to /admin/api with the console's session cookie. Changes carry the CSRF token the gateway
// keeps in the XSRF-TOKEN cookie; an expired session sends the user back to the login page.

export function cookie(name) {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return null;
}

/** An error answer from the API, in the contract's {"error":{message,param,code}} shape. */
export class ApiProblem extends Error {
  constructor(status, error) {
    super(error?.message ?? `Request failed (HTTP ${status})`);
    this.status = status;
    this.param = error?.param ?? null;
    this.code = error?.code ?? null;
  }
}

// Set once the user signs out: requests still in flight then get 401s that must not send the
// browser to the plain login page ahead of the "signed out" one.
let signingOut = false;

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-XSRF-TOKEN'] = cookie('XSRF-TOKEN') ?? '';
  const response = await fetch('/admin/api' + path, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401) {
    if (!signingOut) location.assign('/admin/login.html');
    throw new ApiProblem(401, { message: 'Your session has ended; sign in again.' });
  }
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiProblem(response.status, json?.error);
  return json;
}

export async function signOut() {
  signingOut = true;
  await fetch('/admin/logout', {
    method: 'POST', credentials: 'same-origin', headers: { 'X-XSRF-TOKEN': cookie('XSRF-TOKEN') ?? '' },
  });
  location.assign('/admin/login.html?logout');
}
