// Backends: every deployment (backend + model) with its routing, its circuit and the last minutes
// of calls as this replica measured them; for admins, add, edit and remove of run-time backends.
// An upstream key is write-only: the form sends one, nothing ever shows one.
import { api } from '../api.js';
import { h, fmt, problem } from '../dom.js';

const TYPES = ['openai', 'anthropic', 'ollama', 'gemini'];
const SOURCES = {
  configuration: ['configured', 'From configuration (gateway.backends): change it there'],
  admin: ['run-time', 'Added through the console or the admin API'],
  demo: ['demo', 'Built-in demo model, served while no backend is configured or managed'],
};
// Words and a symbol for each circuit state, so the state never rests on colour alone.
const CIRCUITS = { closed: '● closed', half_open: '◐ half open', open: '✕ open', forced_open: '✕ forced open' };

const split = text => text.split(',').map(s => s.trim()).filter(Boolean);
const byBackend = deployments => {
  const groups = new Map();
  for (const d of deployments) {
    if (!groups.has(d.backend)) groups.set(d.backend, []);
    groups.get(d.backend).push(d);
  }
  return [...groups.values()];
};

/** What a backend's deployments say about its stored form: models under their own name, aliases the others. */
function backendOf(group) {
  const first = group[0];
  return {
    name: first.backend, source: first.source, type: first.type, baseUrl: first.baseUrl, weight: first.weight,
    priority: first.priority, anthropicBeta: first.anthropicBeta, hasApiKey: first.hasApiKey,
    models: group.filter(d => d.model === d.upstreamModel).map(d => d.model),
    aliases: group.filter(d => d.model !== d.upstreamModel).map(d => `${d.model}=${d.upstreamModel}`),
  };
}

function errorRate(r) {
  if (r.errorRate === null) return h('span', { class: 'muted' }, 'no calls');
  const text = `${r.errorRate.toFixed(1)} % (${fmt.int(r.failures)} of ${fmt.int(r.calls)})`;
  return r.failures > 0 ? h('span', { class: 'bad' }, text) : text;
}

const latency = r => r.latencyP50Ms === null ? '—' : `${fmt.int(r.latencyP50Ms)} / ${fmt.int(r.latencyP99Ms)} ms`;

export async function render(root, { me }) {
  const canChange = me.role === 'admin';
  const notices = h('div', { id: 'backend-notices' });
  const updated = h('span', { class: 'muted', id: 'backends-updated', role: 'status' });
  const list = h('div', {});
  const formSlot = h('div', {});
  const addButton = canChange
    ? h('button', { type: 'button', id: 'add-backend', onclick: () => showForm(null) }, 'Add a backend') : null;
  let deployments = [];

  root.append(h('h1', {}, 'Backends'),
    h('p', { class: 'muted' }, 'Each backend and the models it serves. Circuit, calls, error rate and latency ',
      '(median / 99th percentile to the answer\'s first byte) are this replica\'s, over the last ',
      h('span', { id: 'backends-window' }, '5'), ' minutes; each replica measures its own.'),
    h('div', { class: 'row' },
      h('button', { type: 'button', id: 'backends-refresh', onclick: () => load() }, 'Refresh'), addButton, updated),
    notices, formSlot, list);

  function say(node) { notices.replaceChildren(node ?? ''); }

  async function fetchList() {
    deployments = (await api('GET', '/backends')).data;
    return deployments;
  }

  async function load() {
    try { await fetchList(); } catch (err) { list.replaceChildren(problem(err)); return; }
    draw();
  }

  function draw() {
    const seconds = deployments[0]?.recent.windowSeconds;
    if (seconds) root.querySelector('#backends-window').textContent = String(seconds / 60);
    const columns = ['Backend', 'Type', 'Model (public → upstream)', 'Priority', 'Weight', 'Circuit', 'Calls',
      'Error rate', 'Latency p50 / p99', ...(canChange ? ['Actions'] : [])];
    const numeric = new Set(['Priority', 'Weight', 'Calls', 'Error rate', 'Latency p50 / p99']);
    const groups = byBackend(deployments).map(group => {
      const b = backendOf(group);
      const [label, why] = SOURCES[b.source] ?? [b.source, ''];
      const span = String(group.length);
      return h('tbody', { 'data-backend': b.name, 'data-source': b.source }, group.map((d, i) => h('tr', {
        'data-model': d.model, 'data-circuit': d.circuit,
      },
      i === 0 ? [
        h('th', { scope: 'rowgroup', rowspan: span }, b.name, ' ', h('span', { class: 'tag', title: why }, label)),
        h('td', { rowspan: span }, b.type),
      ] : [],
      h('td', {}, d.model === d.upstreamModel ? d.model : `${d.model} → ${d.upstreamModel}`),
      i === 0 ? [
        h('td', { class: 'num priority', rowspan: span }, String(b.priority)),
        h('td', { class: 'num weight', rowspan: span }, String(b.weight)),
      ] : [],
      h('td', { class: 'circuit' }, h('span', { class: d.up ? 'ok' : 'bad' }, CIRCUITS[d.circuit] ?? d.circuit)),
      h('td', { class: 'num calls' }, fmt.int(d.recent.calls),
        d.recent.rateLimited ? h('span', { class: 'muted' }, ` (${fmt.int(d.recent.rateLimited)} × 429)`) : null),
      h('td', { class: 'num error-rate' }, errorRate(d.recent)),
      h('td', { class: 'num latency' }, latency(d.recent)),
      canChange && i === 0 ? h('td', { class: 'actions', rowspan: span }, b.source === 'admin' ? [
        h('button', { type: 'button', class: 'edit', 'aria-label': `Edit backend ${b.name}`, onclick: () => showForm(b) }, 'Edit'),
        h('button', { type: 'button', class: 'remove danger', 'aria-label': `Remove backend ${b.name}`, onclick: () => remove(b) }, 'Remove'),
      ] : h('span', { class: 'muted' }, 'read-only')) : null)));
    });
    list.replaceChildren(h('table', { id: 'backends-table' },
      h('caption', { class: 'muted' }, `${groups.length} backend${groups.length === 1 ? '' : 's'}, ${deployments.length} deployment${deployments.length === 1 ? '' : 's'}`),
      h('thead', {}, h('tr', {}, columns.map(c => h('th', { scope: 'col', class: numeric.has(c) ? 'num' : null }, c)))),
      groups.length ? groups : h('tbody', {}, h('tr', {}, h('td', { colspan: String(columns.length), class: 'empty' }, 'No backend.')))));
    updated.textContent = `Updated ${new Date().toLocaleTimeString('en-GB')}.`;
  }

  /** Changes reach every replica through the database within moments: reload until this one shows it. */
  async function settle(done) {
    for (let i = 0; i < 20; i++) {
      try {
        if (done(await fetchList())) break;
      } catch (err) { say(problem(err)); break; }
      await new Promise(resolve => setTimeout(resolve, 250));
    }
    draw();
  }

  function field(id, label, input, hint) {
    const error = h('span', { class: 'field-error', id: `backend-${id}-error`, role: 'alert' });
    input.id = `backend-${id}`;
    input.setAttribute('aria-describedby', [hint ? `backend-${id}-hint` : null, error.id].filter(Boolean).join(' '));
    return { id, input, error, node: h('label', {}, label, input,
      hint ? h('span', { class: 'hint', id: `backend-${id}-hint` }, hint) : null, error) };
  }

  function showForm(b) {
    const editing = b !== null;
    say(null);
    const fields = {
      name: field('name', 'Name', h('input', { required: true, maxlength: '64', value: b?.name, readonly: editing })),
      type: field('type', 'Type', h('select', {}, TYPES.map(t => h('option', { value: t, selected: b?.type === t }, t)))),
      baseUrl: field('baseUrl', 'Base URL', h('input', { required: true, inputmode: 'url', size: '40', value: b?.baseUrl,
        placeholder: 'https://api.example.com/v1' })),
      models: field('models', 'Models (comma-separated)', h('input', { value: b?.models.join(', ') })),
      aliases: field('aliases', 'Aliases (public=upstream, comma-separated)', h('input', { value: b?.aliases.join(', ') })),
      weight: field('weight', 'Weight (1–1000)', h('input', { inputmode: 'numeric', size: '6', value: String(b?.weight ?? 1) })),
      priority: field('priority', 'Priority (0 first)', h('input', { inputmode: 'numeric', size: '6', value: String(b?.priority ?? 0) })),
      anthropicBeta: field('anthropicBeta', 'Anthropic betas allowed', h('input', { value: b?.anthropicBeta.join(', ') }),
        'Type anthropic only; comma-separated.'),
      // write-only: never filled in, so a stored key never reaches the page
      apiKey: field('apiKey', 'Upstream API key', h('input', { type: 'password', autocomplete: 'new-password', value: '' }),
        editing ? (b.hasApiKey ? 'A key is stored and never shown; leave empty to keep it.' : 'No key is stored.')
          : 'Optional; stored sealed and never shown again.'),
    };
    const removeKey = editing && b.hasApiKey
      ? h('input', { type: 'checkbox', id: 'backend-remove-key' }) : null;
    const errors = h('div', {});
    const clear = () => {
      errors.replaceChildren();
      for (const f of Object.values(fields)) { f.error.textContent = ''; f.input.removeAttribute('aria-invalid'); }
    };
    const fail = (name, message) => {
      const f = fields[name];
      f.error.textContent = message;
      f.input.setAttribute('aria-invalid', 'true');
      f.input.focus();
    };
    const close = () => { formSlot.replaceChildren(); addButton?.focus(); };
    const form = h('form', { class: 'card', id: 'backend-form', novalidate: true, onsubmit: async e => {
      e.preventDefault();
      clear();
      const aliases = {};
      for (const pair of split(fields.aliases.input.value)) {
        const [pub, upstream, ...rest] = pair.split('=').map(s => s.trim());
        if (!pub || !upstream || rest.length) { fail('aliases', `Write "${pair}" as public=upstream.`); return; }
        aliases[pub] = upstream;
      }
      const integer = text => /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : text; // the API names a bad one
      const body = {
        name: fields.name.input.value.trim(), type: fields.type.input.value, baseUrl: fields.baseUrl.input.value.trim(),
        models: split(fields.models.input.value), aliases,
        weight: integer(fields.weight.input.value), priority: integer(fields.priority.input.value),
        anthropicBeta: split(fields.anthropicBeta.input.value),
      };
      if (fields.apiKey.input.value) body.apiKey = fields.apiKey.input.value;
      else if (removeKey?.checked) body.apiKey = null;
      try {
        const saved = editing ? await api('PUT', `/backends/${encodeURIComponent(b.name)}`, body)
          : await api('POST', '/backends', body);
        fields.apiKey.input.value = '';
        close();
        say(h('p', { class: 'notice', role: 'status' }, `Backend "${saved.name}" ${editing ? 'saved' : 'added'}. `
          + 'Every replica routes by it within seconds.'));
        await settle(list => list.some(d => d.backend === saved.name && d.weight === saved.weight
          && d.priority === saved.priority && d.baseUrl === saved.baseUrl));
      } catch (err) {
        if (err.param && fields[err.param]) fail(err.param, err.message);
        else errors.replaceChildren(problem(err));
      }
    } },
    h('h2', {}, editing ? `Edit backend "${b.name}"` : 'Add a run-time backend'),
    h('p', { class: 'hint' }, 'It may point only where gateway.upstream.allowed-hosts allows. Models of the same name ',
      'on several backends are balanced by weight within the lowest priority whose circuit is closed.'),
    errors,
    h('div', { class: 'row' }, fields.name.node, fields.type.node, fields.baseUrl.node),
    h('div', { class: 'row' }, fields.models.node, fields.aliases.node),
    h('div', { class: 'row' }, fields.weight.node, fields.priority.node, fields.anthropicBeta.node),
    h('div', { class: 'row' }, fields.apiKey.node,
      removeKey ? h('label', { class: 'check' }, removeKey, ' Remove the stored key') : null),
    h('div', { class: 'row' }, h('button', { type: 'submit', id: 'save-backend' }, editing ? 'Save' : 'Add backend'),
      h('button', { type: 'button', id: 'cancel-backend', onclick: close }, 'Cancel')));
    form.addEventListener('keydown', e => { if (e.key === 'Escape') close(); });
    formSlot.replaceChildren(form);
    (editing ? fields.type.input : fields.name.input).focus();
  }

  async function remove(b) {
    if (!confirm(`Remove backend "${b.name}"? Requests for ${[...b.models, ...b.aliases.map(a => a.split('=')[0])].join(', ')} `
      + 'go to their other backends, or are refused where there is none.')) return;
    try {
      await api('DELETE', `/backends/${encodeURIComponent(b.name)}`);
      say(h('p', { class: 'notice', role: 'status' }, `Backend "${b.name}" removed.`));
      await settle(list => !list.some(d => d.backend === b.name));
    } catch (err) { say(problem(err)); }
  }

  await load();
}
