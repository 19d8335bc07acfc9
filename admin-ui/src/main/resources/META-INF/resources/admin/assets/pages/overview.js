// Overview: requests, tokens and spend per day over the last 30 days, top keys, teams and models,
// and requests the gateway refused by reason. Rejections come from the usage ledger grouped by
// outcome, not from the Prometheus counter, which each replica keeps for itself.
import { api } from '../api.js';
import { barChart } from '../chart.js';
import { h, table, fmt, problem } from '../dom.js';

/** Every UTC day from `from` to `to`, with zeroes where the ledger has nothing. */
export function fillDays(rows, from, to) {
  const byDay = new Map(rows.map(r => [r.group, r]));
  const days = [];
  for (let d = new Date(from.slice(0, 10) + 'T00:00:00Z'); d <= new Date(to); d.setUTCDate(d.getUTCDate() + 1)) {
    const day = fmt.day(d);
    days.push(byDay.get(day) ?? { group: day, requests: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0, costUsd: 0 });
  }
  return days;
}

const top = rows => [...rows].sort((a, b) => b.requests - a.requests).slice(0, 5);

/** Outcomes that are the gateway refusing a request (api-contract section 2), with what they mean. */
export const REJECTIONS = {
  rate_limit_exceeded: 'Per-minute or concurrency limit',
  insufficient_quota: 'Daily or monthly budget used up',
  model_not_allowed: 'Model not allowed',
  policy_violation: 'Usage policy',
};

const topTable = (id, title, rows) => table([
  { title, cell: r => r.label ?? r.group },
  { title: 'Requests', numeric: true, cell: r => fmt.int(r.requests) },
  { title: 'Tokens', numeric: true, cell: r => fmt.int(r.promptTokens + r.completionTokens) },
  { title: 'Spend', numeric: true, cell: r => fmt.usd(fmt.micros(r.costUsd)) },
], top(rows), { id });

export async function render(root) {
  root.append(h('h1', {}, 'Overview'));
  let days, keys, teams, models, outcomes, backends;
  try {
    [days, keys, teams, models, outcomes] = await Promise.all(['day', 'key', 'team', 'model', 'outcome']
      .map(group => api('GET', '/usage?groupBy=' + group)));
    backends = await api('GET', '/backends');
  } catch (err) {
    root.append(problem(err));
    return;
  }
  const filled = fillDays(days.data, days.from, days.to);
  const total = days.data.reduce((t, r) => ({
    requests: t.requests + r.requests, tokens: t.tokens + r.promptTokens + r.completionTokens,
    spend: t.spend + fmt.micros(r.costUsd),
  }), { requests: 0, tokens: 0, spend: 0 });
  const byOutcome = new Map(outcomes.data.map(r => [r.group, r.requests]));
  const rejections = Object.entries(REJECTIONS).map(([code, meaning]) => ({ code, meaning, count: byOutcome.get(code) ?? 0 }));
  const rejected = rejections.reduce((n, r) => n + r.count, 0);
  root.append(
    h('p', { class: 'muted' }, `Last 30 days, ${fmt.when(days.from)} to ${fmt.when(days.to)}`),
    h('div', { class: 'stats' },
      h('div', { class: 'stat' }, h('span', { class: 'stat-label' }, 'Requests'),
        h('span', { class: 'stat-value', id: 'total-requests' }, fmt.int(total.requests))),
      h('div', { class: 'stat' }, h('span', { class: 'stat-label' }, 'Tokens'),
        h('span', { class: 'stat-value', id: 'total-tokens' }, fmt.int(total.tokens))),
      h('div', { class: 'stat' }, h('span', { class: 'stat-label' }, 'Spend'),
        h('span', { class: 'stat-value', id: 'total-spend' }, fmt.usd(total.spend))),
      h('div', { class: 'stat' }, h('span', { class: 'stat-label' }, 'Rejected'),
        h('span', { class: 'stat-value', id: 'total-rejected' }, fmt.int(rejected)))),
    h('section', {}, h('h2', {}, 'Requests per day'),
      barChart(filled.map(d => ({ label: d.group.slice(5), value: d.requests })), { id: 'requests-chart', title: 'Requests per day' })),
    h('section', {}, h('h2', {}, 'Tokens per day (prompt + completion)'),
      barChart(filled.map(d => ({ label: d.group.slice(5), value: d.promptTokens + d.completionTokens })),
        { id: 'tokens-chart', title: 'Tokens per day' })),
    h('section', {}, h('h2', {}, 'Spend per day (USD)'),
      barChart(filled.map(d => ({ label: d.group.slice(5), value: fmt.micros(d.costUsd) })),
        { id: 'spend-chart', title: 'Spend per day', format: fmt.usd })),
    h('div', { class: 'columns' },
      h('section', {}, h('h2', {}, 'Rejected requests by reason'), table([
        { title: 'Reason', cell: r => h('code', {}, r.code) },
        { title: 'Meaning', cell: r => r.meaning },
        { title: 'Requests', numeric: true, cell: r => fmt.int(r.count) },
      ], rejections.map(r => ({ value: r, attrs: { 'data-outcome': r.code } })), { id: 'rejections' })),
      h('section', {}, h('h2', {}, 'Top teams'), topTable('top-teams', 'Team', teams.data.filter(r => r.group !== 'none')))),
    h('div', { class: 'columns' },
      h('section', {}, h('h2', {}, 'Top keys'), topTable('top-keys', 'Key', keys.data)),
      h('section', {}, h('h2', {}, 'Top models'), topTable('top-models', 'Model', models.data))),
    h('section', {}, h('h2', {}, 'Backend health (this replica)'), table([
      // the built-in demo model (no backend configured): say so, and what replaces it
      { title: 'Backend', cell: d => d.source === 'demo'
        ? h('span', {}, d.backend, ' ', h('span', { class: 'tag', title: 'Built-in demo model, served while no backend'
          + ' is configured; configure gateway.backends or add one through /admin/api/backends to use real models' }, 'demo'))
        : d.backend },
      { title: 'Model', cell: d => d.model === d.upstreamModel ? d.model : `${d.model} → ${d.upstreamModel}` },
      { title: 'Priority / weight', cell: d => `${d.priority} / ${d.weight}` },
      { title: 'Circuit', cell: d => h('span', { class: d.up ? 'ok' : 'bad' }, d.circuit.replace('_', ' ')) },
      { title: 'Failure rate', numeric: true, cell: d => d.failureRate < 0 ? '—' : d.failureRate.toFixed(1) + ' %' },
    ], backends.data.map(d => ({ value: d, attrs: { 'data-backend': d.backend, 'data-up': String(d.up) } })),
    { id: 'backends' })));
}
