// The login form posts to Spring Security's form login. Its CSRF token comes from the XSRF-TOKEN
// cookie the gateway set when this page was served.
import { cookie } from './api.js';

const params = new URLSearchParams(location.search);
const message = document.getElementById('message');
if (params.has('error')) {
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
