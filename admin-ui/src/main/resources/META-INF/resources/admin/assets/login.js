// The login form posts to Spring Security's form login. Its CSRF token comes from the XSRF-TOKEN
// cookie the gateway set when this page was served.
import { cookie } from './api.js';

const params = new URLSearchParams(location.search);
const message = document.getElementById('message');
if (params.get('error') === 'sso-role') {
  message.textContent = 'Your identity has no console role: ask an admin to add you to a console group.';
  message.classList.add('error');
  message.hidden = false;
} else if (params.get('error') === 'sso') {
  message.textContent = 'Single sign-on failed; try again, or sign in with a password.';
  message.classList.add('error');
  message.hidden = false;
} else if (params.has('error')) {
  message.textContent = 'Sign-in failed: wrong username or password, or too many attempts (wait a few minutes).';
  message.classList.add('error');
  message.hidden = false;
} else if (params.has('logout')) {
  message.textContent = 'You are signed out.';
  message.hidden = false;
}
document.getElementById('login-form').addEventListener('submit', () => {
  document.getElementById('csrf').value = cookie('XSRF-TOKEN') ?? '';
});

// Single sign-on buttons, when identity providers are configured.
fetch('/admin/login/options', { credentials: 'same-origin' })
  .then(r => (r.ok ? r.json() : { sso: [] }))
  .then(({ sso }) => {
    const box = document.getElementById('sso');
    for (const provider of sso) {
      const a = document.createElement('a');
      a.href = provider.url;
      a.id = `sso-${provider.id}`;
      a.className = 'button';
      a.textContent = `Sign in with ${provider.name}`;
      box.append(a);
    }
  })
  .catch(() => {});
