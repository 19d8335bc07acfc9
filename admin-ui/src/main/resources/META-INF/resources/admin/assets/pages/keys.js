// Keys: server-side paginated, searchable list; create (secret shown once), edit (team, models,
// expiry, limits, policy), rotate, revoke.
import { api } from '../api.js';
import { h, fmt, problem } from '../dom.js';
import { limitsEditor, describeLimits } from '../limits.js';

const PAGE = 25;

function secretPanel(title, secret, onDone) {
  const input = h('input', { id: 'secret-value', readonly: true, value: secret, size: '60', 'aria-label': 'Secret key' });
  const status = h('span', { class: 'muted', role: 'status' });
  const panel = h('section', { id: 'secret-panel', class: 'secret', 'aria-live': 'polite' },
    h('h2', {}, title),
    h('p', { class: 'warning' }, 'Copy this key now. It is shown only once: Portcullis keeps only a hash and cannot show it again.'),
    h('div', { class: 'row' }, input,
      h('button', { type: 'button', id: 'copy-secret', onclick: async () => {
        input.select();
        try {
          await navigator.clipboard.writeText(secret);
          status.textContent = 'Copied.';
        } catch {
          document.execCommand?.('copy');
          status.textContent = 'Selected: press Ctrl+C to copy.';
        }
      } }, 'Copy'), status),
    h('button', { type: 'button', id: 'dismiss-secret', onclick: () => { panel.remove(); onDone?.(); } }, 'I have stored it'));
  return panel;
}

export async function render(root, { me }) {
  const canChange = me.role !== 'viewer';
  const state = { q: '', cursors: [null], index: 0 };
  const notices = h('div', {});
  // Teams load beside the first page of keys, so the page and its forms appear at once.
  let teams = [];
  const teamsLoaded = api('GET', '/teams').then(a => { teams = a.data; })
    .catch(err => notices.append(problem(err)));
  const teamName = id => teams.find(t => t.id === id)?.name ?? id;
  const teamSelect = (id, current) => {
    const select = h('select', { id }, h('option', { value: '' }, 'No team'));
    teamsLoaded.then(() => select.append(...teams.map(t =>
      h('option', { value: t.id, selected: t.id === current }, t.name))));
    return select;
  };
  const list = h('div', {});
  const search = h('input', { id: 'key-search', type: 'search', placeholder: 'Search by name or prefix', 'aria-label': 'Search keys' });
  let timer;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => { state.q = search.value.trim(); state.cursors = [null]; state.index = 0; load(); }, 250);
  });

  root.append(h('h1', {}, 'Keys'), notices);
  if (canChange) root.append(createForm());
  root.append(h('div', { class: 'row' }, search), list);

  function say(node) { notices.replaceChildren(node); }

  function createForm() {
    const name = h('input', { id: 'new-key-name', required: true, maxlength: '200' });
    const models = h('input', { id: 'new-key-models', placeholder: 'all models' });
    const expiry = h('input', { id: 'new-key-expiry', type: 'date' });
    const team = teamSelect('new-key-team', null);
    return h('form', { class: 'card', id: 'create-key-form', onsubmit: async e => {
      e.preventDefault();
      const body = { name: name.value, models: splitModels(models.value), teamId: team.value || null };
      if (expiry.value) body.expiresAt = expiry.value + 'T00:00:00Z';
      try {
        const created = await api('POST', '/keys', body);
        name.value = ''; models.value = ''; expiry.value = ''; team.value = '';
        say(secretPanel(`Key "${created.name}" created`, created.key));
        await load();
      } catch (err) { say(problem(err)); }
    } },
    h('h2', {}, 'Create a key'),
    h('div', { class: 'row' },
      h('label', {}, 'Name ', name),
      h('label', {}, 'Models (comma-separated) ', models),
      h('label', {}, 'Expires ', expiry),
      h('label', {}, 'Team ', team),
      h('button', { type: 'submit', id: 'create-key' }, 'Create key')));
  }

  async function load() {
    let page;
    const cursor = state.cursors[state.index];
    const params = new URLSearchParams({ limit: String(PAGE) });
    if (cursor) params.set('cursor', cursor);
    if (state.q) params.set('q', state.q);
    try {
      [page] = await Promise.all([api('GET', '/keys?' + params), teamsLoaded]);
    } catch (err) { list.replaceChildren(problem(err)); return; }
    state.cursors[state.index + 1] = page.nextCursor;
    const rows = page.data.map(k => h('tr', { 'data-key-id': k.id },
      h('td', {}, k.name), h('td', {}, h('code', {}, k.prefix)),
      h('td', {}, k.models.length ? k.models.join(', ') : 'all'),
      h('td', { class: 'team' }, k.teamId ? teamName(k.teamId) : '—'),
      h('td', { class: 'limits' }, describeLimits(k.limits)),
      h('td', { class: `status ${k.status}` }, k.status),
      h('td', {}, fmt.when(k.createdAt)), h('td', {}, fmt.when(k.expiresAt)),
      h('td', { class: 'actions' }, canChange && k.status !== 'revoked' ? [
        h('button', { type: 'button', class: 'edit', onclick: () => edit(k) }, 'Edit'),
        h('button', { type: 'button', class: 'rotate', onclick: () => rotate(k) }, 'Rotate'),
        h('button', { type: 'button', class: 'revoke danger', onclick: () => revoke(k) }, 'Revoke'),
      ] : [])));
    list.replaceChildren(
      h('table', { id: 'keys-table' },
        h('thead', {}, h('tr', {}, ['Name', 'Prefix', 'Models', 'Team', 'Limits', 'Status', 'Created', 'Expires', ''].map(t => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: '9', class: 'empty' }, 'No keys match.')))),
      h('div', { class: 'row pager' },
        h('button', { type: 'button', id: 'prev-page', disabled: state.index === 0, onclick: () => { state.index--; load(); } }, '← Newer'),
        h('span', { class: 'muted' }, `Page ${state.index + 1}`),
        h('button', { type: 'button', id: 'next-page', disabled: !page.nextCursor, onclick: () => { state.index++; load(); } }, 'Older →')));
  }

  function edit(k) {
    const models = h('input', { id: 'edit-key-models', value: k.models.join(', '), placeholder: 'all models' });
    const expiry = h('input', { id: 'edit-key-expiry', type: 'date', value: k.expiresAt ? k.expiresAt.slice(0, 10) : '' });
    const team = teamSelect('edit-key-team', k.teamId);
    const editor = limitsEditor({ prefix: 'edit-key', limits: k.limits, policy: k.policy });
    const errors = h('div', {});
    say(h('form', { class: 'card', id: 'edit-key-form', onsubmit: async e => {
      e.preventDefault();
      errors.replaceChildren();
      try {
        await api('PATCH', `/keys/${k.id}`, {
          models: splitModels(models.value), expiresAt: expiry.value ? expiry.value + 'T00:00:00Z' : null,
          teamId: team.value || null, ...editor.value(),
        });
        say(h('p', { class: 'notice', role: 'status' }, `Key "${k.name}" updated.`));
        await load();
      } catch (err) {
        if (!editor.showProblem(err)) errors.replaceChildren(problem(err));
      }
    } },
    h('h2', {}, `Edit "${k.name}"`), errors,
    h('div', { class: 'row' }, h('label', {}, 'Models ', models), h('label', {}, 'Expires ', expiry),
      h('label', {}, 'Team ', team)),
    h('p', { class: 'hint' }, 'A key in a team must fit its own limits and the team\'s, counted over all the team\'s keys.'),
    editor.node,
    h('div', { class: 'row' }, h('button', { type: 'submit', id: 'save-key' }, 'Save'),
      h('button', { type: 'button', onclick: () => notices.replaceChildren() }, 'Cancel'))));
    models.focus();
  }

  async function rotate(k) {
    if (!confirm(`Rotate "${k.name}"? Its current secret stops working at once.`)) return;
    try {
      const rotated = await api('POST', `/keys/${k.id}/rotate`);
      say(secretPanel(`New secret for "${k.name}"`, rotated.key));
      await load();
    } catch (err) { say(problem(err)); }
  }

  async function revoke(k) {
    if (!confirm(`Revoke "${k.name}" (${k.prefix})? Every request with it will be refused. This cannot be undone.`)) return;
    try {
      await api('DELETE', `/keys/${k.id}`);
      say(h('p', { class: 'notice', role: 'status' }, `Key "${k.name}" revoked.`));
      await load();
    } catch (err) { say(problem(err)); }
  }

  await load();
}

function splitModels(text) {
  return text.split(',').map(s => s.trim()).filter(Boolean);
}
