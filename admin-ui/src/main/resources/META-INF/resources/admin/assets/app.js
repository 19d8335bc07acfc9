// The console shell: who is signed in, the navigation, and one page module per section.
import { api, signOut } from './api.js';
import { h } from './dom.js';

const pages = {
  overview: () => import('./pages/overview.js'),
  keys: () => import('./pages/keys.js'),
  teams: () => import('./pages/teams.js'),
  usage: () => import('./pages/usage.js'),
  pricing: () => import('./pages/pricing.js'),
  requests: () => import('./pages/requests.js'),
  backends: () => import('./pages/backends.js'),
  audit: () => import('./pages/audit.js'),
  alerts: () => import('./pages/alerts.js'),
  accounts: () => import('./pages/accounts.js'),
  mykeys: () => import('./pages/mykeys.js'),
  myusage: () => import('./pages/myusage.js'),
};
// A developer sees only their self-service pages (the staff API refuses them anyway); staff never see those.
const DEVELOPER_PAGES = ['mykeys', 'myusage'];
const developer = () => me?.role === 'developer';

const main = document.getElementById('main');
const banner = document.getElementById('banner');
let me = null;
let routing = 0;

function showBanner(message) {
  banner.textContent = message;
  banner.hidden = !message;
}

async function route() {
  let name = (location.hash.match(/^#\/(\w+)/) ?? [])[1] ?? (developer() ? 'mykeys' : 'overview');
  if (!pages[name] || DEVELOPER_PAGES.includes(name) !== developer()) name = developer() ? 'mykeys' : 'overview';
  const load = pages[name];
  for (const a of document.querySelectorAll('nav a')) {
    if (a.getAttribute('href') === `#/${name}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  showBanner('');
  const turn = ++routing;
  main.removeAttribute('data-page');
  main.replaceChildren(h('p', {}, 'Loading…'));
  try {
    const page = await load();
    if (turn !== routing) return; // the user moved on while the module loaded
    main.replaceChildren();
    await page.render(main, { me, showBanner });
    // Marks the page as shown with its first data, for the browser tests' waits.
    if (turn === routing) main.setAttribute('data-page', name);
  } catch (err) {
    main.replaceChildren(h('p', { class: 'notice error', role: 'alert' }, err.message ?? String(err)));
  }
  main.focus({ preventScroll: true });
}

async function start() {
  try {
    me = await api('GET', '/me');
  } catch (err) {
    showBanner(err.message);
    return;
  }
  document.getElementById('who').textContent = `${me.name} · ${me.role}`;
  for (const el of document.querySelectorAll('[data-role="admin"]')) el.hidden = me.role !== 'admin';
  for (const el of document.querySelectorAll('nav a:not([data-role]), #openapi-link')) el.hidden = developer();
  for (const el of document.querySelectorAll('[data-role="developer"]')) el.hidden = !developer();
  document.getElementById('sign-out').addEventListener('click', signOut);
  window.addEventListener('hashchange', route);
  await route();
}

start();
