// Accounts & tokens (admin role): console accounts and personal admin API tokens.
import { api } from '../api.js';
import { h, fmt, problem } from '../dom.js';

const ROLES = ['admin', 'operator', 'viewer', 'developer'];

export async function render(root, { me }) {
  if (me.role !== 'admin') {
    root.append(h('h1', {}, 'Accounts & tokens'), h('p', { class: 'notice' }, 'Only admins manage accounts and tokens.'));
    return;
  }
  const notices = h('div', {});
  const accounts = h('div', {});
  const tokens = h('div', {});
  const say = node => notices.replaceChildren(node);
  // A developer's teams: chosen when the account is created (PATCH teamIds changes them later).
  let teams = [];
  try { teams = (await api('GET', '/teams')).data; } catch (err) { say(problem(err)); }
  const teamName = id => teams.find(t => t.id === id)?.name ?? id;

  async function load() {
    let a, t;
    try { [a, t] = await Promise.all([api('GET', '/accounts'), api('GET', '/tokens')]); } catch (err) { say(problem(err)); return; }
    accounts.replaceChildren(h('table', { id: 'accounts-table' },
      h('thead', {}, h('tr', {}, ['Username', 'Role', 'State', 'Created', ''].map(x => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, a.data.map(acc => {
        const role = h('select', { 'aria-label': `Role of ${acc.username}`, onchange: () => change(acc, { role: role.value }) },
          ROLES.map(r => h('option', { value: r, selected: r === acc.role }, r)));
        return h('tr', { 'data-account': acc.username },
          h('td', {}, acc.username), h('td', {}, role,
            acc.role === 'developer' ? h('span', { class: 'hint' }, ' teams: ' + (acc.teamIds.map(teamName).join(', ') || 'none')) : null),
          h('td', {}, acc.disabled ? 'disabled' : acc.locked ? 'locked' : 'active'), h('td', {}, fmt.when(acc.createdAt)),
          h('td', { class: 'actions' },
            h('button', { type: 'button', onclick: () => change(acc, { disabled: !acc.disabled }) }, acc.disabled ? 'Enable' : 'Disable'),
            h('button', { type: 'button', onclick: () => {
              const password = prompt(`New password for ${acc.username} (at least 12 characters):`);
              if (password) change(acc, { password });
            } }, 'Set password'),
            h('button', { type: 'button', class: 'danger', onclick: async () => {
              if (!confirm(`Delete account ${acc.username} and its tokens?`)) return;
              try { await api('DELETE', `/accounts/${acc.id}`); await load(); } catch (err) { say(problem(err)); }
            } }, 'Delete')));
      }))));
    const owners = a.data.map(acc => h('option', { value: acc.id, selected: acc.id === me.accountId }, acc.username));
    tokens.replaceChildren(h('table', { id: 'tokens-table' },
      h('thead', {}, h('tr', {}, ['Name', 'Prefix', 'Account', 'Created', 'Revoked', ''].map(x => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, t.data.map(tok => h('tr', {},
        h('td', {}, tok.name), h('td', {}, h('code', {}, tok.prefix ?? '')), h('td', {}, tok.username ?? '(bootstrap)'),
        h('td', {}, fmt.when(tok.createdAt)), h('td', {}, fmt.when(tok.revokedAt)),
        h('td', { class: 'actions' }, tok.revokedAt ? [] : h('button', { type: 'button', class: 'danger', onclick: async () => {
          if (!confirm(`Revoke token "${tok.name}"? Scripts using it stop working.`)) return;
          try { await api('DELETE', `/tokens/${tok.id}`); await load(); } catch (err) { say(problem(err)); }
        } }, 'Revoke')))))),
    tokenForm(owners));
  }

  async function change(acc, body) {
    try { await api('PATCH', `/accounts/${acc.id}`, body); say(h('p', { class: 'notice', role: 'status' }, `Account ${acc.username} updated.`)); }
    catch (err) { say(problem(err)); }
    await load();
  }

  function tokenForm(owners) {
    const name = h('input', { id: 'new-token-name', required: true });
    const owner = h('select', { id: 'new-token-account' }, owners);
    return h('form', { class: 'card', onsubmit: async e => {
      e.preventDefault();
      try {
        const created = await api('POST', '/tokens', { name: name.value, accountId: owner.value });
        say(h('section', { class: 'secret', id: 'token-secret' }, h('h2', {}, `Token "${created.name}"`),
          h('p', { class: 'warning' }, 'Copy this token now: it is shown only once. It acts with the account\'s role.'),
          h('input', { readonly: true, value: created.token, size: '60', 'aria-label': 'Admin token' })));
        name.value = '';
        await load();
      } catch (err) { say(problem(err)); }
    } }, h('h2', {}, 'New admin API token'),
    h('div', { class: 'row' }, h('label', {}, 'Name ', name), h('label', {}, 'Account ', owner),
      h('button', { type: 'submit' }, 'Create token')));
  }

  const username = h('input', { id: 'new-account-username', required: true, autocomplete: 'off' });
  const password = h('input', { id: 'new-account-password', type: 'password', required: true, minlength: '12', autocomplete: 'new-password' });
  const role = h('select', { id: 'new-account-role' }, ROLES.map(r => h('option', { value: r, selected: r === 'viewer' }, r)));
  const memberOf = h('select', { id: 'new-account-teams', multiple: true, disabled: true, size: '3' },
    teams.map(t => h('option', { value: t.id }, t.name)));
  role.addEventListener('change', () => { memberOf.disabled = role.value !== 'developer'; });
  root.append(h('h1', {}, 'Accounts & tokens'), notices,
    h('form', { class: 'card', onsubmit: async e => {
      e.preventDefault();
      try {
        const body = { username: username.value, password: password.value, role: role.value };
        if (role.value === 'developer') body.teamIds = [...memberOf.selectedOptions].map(o => o.value);
        await api('POST', '/accounts', body);
        username.value = ''; password.value = '';
        say(h('p', { class: 'notice', role: 'status' }, 'Account created.'));
        await load();
      } catch (err) { say(problem(err)); }
    } }, h('h2', {}, 'New account'),
    h('div', { class: 'row' }, h('label', {}, 'Username ', username), h('label', {}, 'Password ', password),
      h('label', {}, 'Role ', role), h('label', {}, 'Teams (developers) ', memberOf),
      h('button', { type: 'submit' }, 'Create account'))),
    h('h2', {}, 'Accounts'), accounts, h('h2', {}, 'Admin API tokens'), tokens);
  await load();
}
