// Requests: the most recent requests from the ledger, newest first, filtered and paged by cursor.
// The first page fixes the window (from/to); older pages are asked over that same window, so
// requests arriving meanwhile neither shift nor repeat rows.
import { api } from '../api.js';
import { h, table, fmt, problem } from '../dom.js';
import { withUnits } from '../units.js';

const OUTCOMES = ['success', 'backend_error', 'client_closed', 'upstream_broken', 'upstream_timeout',
  'invalid_request_error', 'invalid_api_key', 'model_not_allowed', 'policy_violation', 'model_not_found',
  'rate_limit_exceeded', 'insufficient_quota', 'request_too_large', 'request_timeout', 'upstream_error',
  'upstream_unavailable', 'overloaded', 'internal_error'];

const COLUMNS = [
  { title: 'Time', cell: r => fmt.when(r.at) },
  { title: 'Request id', cell: r => r.requestId },
  { title: 'Key', cell: r => r.keyName ?? r.keyId },
  { title: 'Model', cell: r => r.model },
  { title: 'Backend', cell: r => r.backend ?? '—' },
  { title: 'Status', numeric: true, cell: r => String(r.status) },
  { title: 'Outcome', cell: r => r.outcome },
  { title: 'Prompt tokens', numeric: true, cell: r => fmt.int(r.promptTokens) },
  { title: 'Completion tokens', numeric: true, cell: r => fmt.int(r.completionTokens) },
  { title: 'Cost (USD)', numeric: true, cell: r => r.costUsd },
  { title: 'Latency (ms)', numeric: true, cell: r => fmt.int(r.latencyMs) },
  { title: 'TTFT (ms)', numeric: true, cell: r => r.ttftMs === null ? '—' : fmt.int(r.ttftMs) },
];

export async function render(root) {
  const key = h('input', { id: 'requests-key', type: 'text', inputmode: 'text', autocomplete: 'off',
    placeholder: 'key id (UUID)', size: '36' });
  const team = h('select', { id: 'requests-team' }, h('option', { value: '' }, 'Any team'));
  const model = h('input', { id: 'requests-model', type: 'text', autocomplete: 'off', placeholder: 'any model' });
  const outcome = h('select', { id: 'requests-outcome' }, h('option', { value: '' }, 'Any outcome'),
    OUTCOMES.map(o => h('option', { value: o }, o)));
  const body = h('div', { id: 'requests-result', 'aria-live': 'polite' });
  try {
    const teams = await api('GET', '/teams');
    for (const t of teams.data ?? []) team.append(h('option', { value: t.id }, t.name));
  } catch { /* the team filter stays at "Any team"; the table still loads */ }

  let filters = null;      // the query of the first page, window included
  let cursors = [null];    // cursors[i] opens page i
  let index = 0;

  async function load() {
    const params = new URLSearchParams(filters);
    if (cursors[index]) params.set('cursor', cursors[index]);
    let page;
    try { page = await api('GET', '/requests?' + params); } catch (err) { body.replaceChildren(problem(err)); return; }
    if (index === 0) { filters.set('from', page.from); filters.set('to', page.to); }
    cursors[index + 1] = page.nextCursor;
    body.replaceChildren(
      table(withUnits(COLUMNS, page.data, 'Cost (USD)'), page.data.map(r => ({ value: r, attrs: { 'data-request-id': r.requestId } })),
        // The filters the rows answer, so a test (or a user's bug report) can tell which query is shown.
        { id: 'requests-table', 'data-filters': params.toString() }),
      h('div', { class: 'row pager' },
        h('span', { class: 'muted' }, `${fmt.when(page.from)} – ${fmt.when(page.to)}, page ${index + 1}`),
        h('button', { type: 'button', id: 'requests-newer', disabled: index === 0,
          onclick: () => { index--; load(); } }, '← Newer'),
        h('button', { type: 'button', id: 'requests-older', disabled: !page.nextCursor,
          onclick: () => { index++; load(); } }, 'Older →')));
  }

  async function run(e) {
    e?.preventDefault();
    filters = new URLSearchParams({ limit: '50' });
    for (const [name, input] of [['keyId', key], ['teamId', team], ['model', model], ['outcome', outcome]]) {
      if (input.value.trim()) filters.set(name, input.value.trim());
    }
    cursors = [null];
    index = 0;
    await load();
  }

  root.append(h('h1', {}, 'Requests'),
    h('p', { class: 'muted' }, 'The most recent requests from the ledger, newest first (the last 24 hours).'),
    h('form', { class: 'row card', id: 'requests-filters', onsubmit: run },
      h('label', {}, 'Key id ', key), h('label', {}, 'Team ', team), h('label', {}, 'Model ', model),
      h('label', {}, 'Outcome ', outcome), h('button', { type: 'submit', id: 'requests-run' }, 'Show')),
    body);
  await run();
}
