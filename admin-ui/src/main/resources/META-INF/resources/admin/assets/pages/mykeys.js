// My keys (developer role): keys the developer created in their teams, within each team's
// developer key limits. Create (secret shown once, with snippets for curl, Python and Node),
// rotate, revoke. Talks only to /admin/api/me/..., the developer's own API.
import { api } from '../api.js';
import { h, fmt, problem } from '../dom.js';
import { describeLimits } from '../limits.js';

/** Ready-to-run calls with the new key; the secret appears only in this panel, which goes when dismissed. */
export function snippets(secret, model) {
  const base = location.origin + '/v1';
  const body = JSON.stringify({ model, messages: [{ role: 'user', content: 'Hello' }] });
  return {
    curl: `curl ${base}/chat/completions \\\n  -H "Authorization: Bearer ${secret}" \\\n`
      + `  -H "Content-Type: application/json" \\\n  -d '${body}'`,
    python: `from openai import OpenAI\n\nclient = OpenAI(base_url="${base}", api_key="${secret}")\n`
      + `answer = client.chat.completions.create(model="${model}", messages=[{"role": "user", "content": "Hello"}])\n`
      + 'print(answer.choices[0].message.content)',
    node: `import OpenAI from 'openai';\n\nconst client = new OpenAI({ baseURL: '${base}', apiKey: '${secret}' });\n`
      + `const answer = await client.chat.completions.create({ model: '${model}', messages: [{ role: 'user', content: 'Hello' }] });\n`
      + 'console.log(answer.choices[0].message.content);',
  };
}

async function copy(text, input, status) {
  try {
    await navigator.clipboard.writeText(text);
    status.textContent = 'Copied.';
  } catch {
    input?.select?.();
    status.textContent = 'Select the text and press Ctrl+C to copy.';
  }
}

function secretPanel(title, secret, model, onDone) {
  const input = h('input', { id: 'secret-value', readonly: true, value: secret, size: '60', 'aria-label': 'Secret key' });
  const status = h('span', { class: 'muted', role: 'status' });
  const code = snippets(secret, model);
  const snippet = (id, label, text) => {
    const pre = h('pre', { class: 'snippet', id: `snippet-${id}`, tabindex: '0', 'aria-label': `${label} example` },
      h('code', {}, text));
    return h('div', { class: 'snippet-block' },
      h('div', { class: 'row' }, h('h3', {}, label),
        h('button', { type: 'button', id: `copy-${id}`, onclick: () => copy(text, null, status) }, `Copy ${label}`)),
      pre);
  };
  const panel = h('section', { id: 'secret-panel', class: 'secret', 'aria-live': 'polite' },
    h('h2', {}, title),
    h('p', { class: 'warning' }, 'Copy this key now. It is shown only once: Portcullis keeps only a hash and cannot show it again.'),
    h('div', { class: 'row' }, input,
      h('button', { type: 'button', id: 'copy-secret', onclick: () => copy(secret, input, status) }, 'Copy'), status),
    snippet('curl', 'curl', code.curl), snippet('python', 'Python', code.python), snippet('node', 'Node', code.node),
    h('button', { type: 'button', id: 'dismiss-secret', onclick: () => { panel.remove(); onDone?.(); } }, 'I have stored it'));
  return panel;
}

export async function render(root) {
  const notices = h('div', {});
  const list = h('div', {});
  let teams = [];
  try {
    teams = (await api('GET', '/me/teams')).data;
  } catch (err) { notices.append(problem(err)); }
  const open = teams.filter(t => t.developerKeyLimits);
  const teamName = id => teams.find(t => t.id === id)?.name ?? '—';
  const say = node => notices.replaceChildren(node);

  root.append(h('h1', {}, 'My keys'), notices);
  root.append(open.length ? createForm() : h('p', { class: 'notice', id: 'no-open-team' },
    teams.length ? 'None of your teams lets developers create keys yet; ask an admin to set its developer key limits.'
      : 'You belong to no team yet; ask an admin to add you to one.'));
  root.append(list);

  function createForm() {
    const name = h('input', { id: 'new-key-name', required: true, maxlength: '200' });
    const team = h('select', { id: 'new-key-team' }, open.map(t => h('option', { value: t.id }, t.name)));
    const models = h('input', { id: 'new-key-models', placeholder: 'the team\'s developer models' });
    const expiry = h('input', { id: 'new-key-expiry', type: 'date' });
    const bound = h('p', { class: 'hint', id: 'new-key-bound' });
    const showBound = () => {
      const b = open.find(t => t.id === team.value)?.developerKeyLimits;
      bound.textContent = b ? `Keys in this team get at most: ${describeLimits(b.limits)}; models: `
        + `${b.models.length ? b.models.join(', ') : 'any the team allows'}; at most ${b.maxKeysPerDeveloper} active keys each.` : '';
    };
    team.addEventListener('change', showBound);
    showBound();
    return h('form', { class: 'card', id: 'create-key-form', onsubmit: async e => {
      e.preventDefault();
      const body = { name: name.value, teamId: team.value, models: models.value.split(',').map(s => s.trim()).filter(Boolean) };
      if (expiry.value) body.expiresAt = expiry.value + 'T00:00:00Z';
      try {
        const created = await api('POST', '/me/keys', body);
        name.value = ''; models.value = ''; expiry.value = '';
        say(secretPanel(`Key "${created.name}" created`, created.key, created.models[0] ?? 'MODEL'));
        await load();
      } catch (err) { say(problem(err)); }
    } },
    h('h2', {}, 'Create a key'),
    h('div', { class: 'row' },
      h('label', {}, 'Name ', name), h('label', {}, 'Team ', team),
      h('label', {}, 'Models (comma-separated) ', models), h('label', {}, 'Expires ', expiry),
      h('button', { type: 'submit', id: 'create-key' }, 'Create key')),
    bound);
  }

  async function load() {
    let keys;
    try {
      keys = (await api('GET', '/me/keys')).data;
    } catch (err) { list.replaceChildren(problem(err)); return; }
    const rows = keys.map(k => h('tr', { 'data-key-id': k.id },
      h('td', {}, k.name), h('td', {}, h('code', {}, k.prefix)), h('td', { class: 'team' }, teamName(k.teamId)),
      h('td', {}, k.models.length ? k.models.join(', ') : 'all'),
      h('td', { class: 'limits' }, k.limits ? describeLimits(k.limits) : '—'),
      h('td', { class: `status ${k.status}` }, k.status),
      h('td', {}, fmt.when(k.createdAt)), h('td', {}, fmt.when(k.expiresAt)),
      h('td', { class: 'actions' }, k.status !== 'revoked' ? [
        h('button', { type: 'button', class: 'rotate', onclick: () => rotate(k) }, 'Rotate'),
        h('button', { type: 'button', class: 'revoke danger', onclick: () => revoke(k) }, 'Revoke'),
      ] : [])));
    list.replaceChildren(h('table', { id: 'my-keys-table' },
      h('thead', {}, h('tr', {}, ['Name', 'Prefix', 'Team', 'Models', 'Limits', 'Status', 'Created', 'Expires', '']
        .map(t => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: '9', class: 'empty' }, 'You have no keys yet.')))));
  }

  async function rotate(k) {
    if (!confirm(`Rotate "${k.name}"? Its current secret stops working at once.`)) return;
    try {
      const rotated = await api('POST', `/me/keys/${k.id}/rotate`);
      say(secretPanel(`New secret for "${k.name}"`, rotated.key, k.models[0] ?? 'MODEL'));
      await load();
    } catch (err) { say(problem(err)); }
  }

  async function revoke(k) {
    if (!confirm(`Revoke "${k.name}" (${k.prefix})? Every request with it will be refused. This cannot be undone.`)) return;
    try {
      await api('DELETE', `/me/keys/${k.id}`);
      say(h('p', { class: 'notice', role: 'status' }, `Key "${k.name}" revoked.`));
      await load();
    } catch (err) { say(problem(err)); }
  }

  await load();
}
