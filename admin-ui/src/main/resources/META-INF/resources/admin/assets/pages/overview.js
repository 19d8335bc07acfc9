// Overview: requests and tokens per day over the last 30 days, top keys and models.
import { api } from '../api.js';
import { barChart } from '../chart.js';
import { h, table, fmt, problem } from '../dom.js';

/** Every UTC day from `from` to `to`, with zeroes where the ledger has nothing. */
export function fillDays(rows, from, to) {
  const byDay = new Map(rows.map(r => [r.group, r]));
  const days = [];
  for (let d = new Date(from.slice(0, 10) + 'T00:00:00Z'); d <= new Date(to); d.setUTCDate(d.getUTCDate() + 1)) {
    const day = fmt.day(d);
    days.push(byDay.get(day) ?? { group: day, requests: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0 });
  }
  return days;
}

const top = rows => [...rows].sort((a, b) => b.requests - a.requests).slice(0, 5);

export async function render(root) {
  root.append(h('h1', {}, 'Overview'));
  let days, keys, models;
  try {
    [days, keys, models] = await Promise.all([
      api('GET', '/usage?groupBy=day'), api('GET', '/usage?groupBy=key'), api('GET', '/usage?groupBy=model')]);
  } catch (err) {
    root.append(problem(err));
    return;
  }
  const filled = fillDays(days.data, days.from, days.to);
  const total = days.data.reduce((t, r) => ({
    requests: t.requests + r.requests, tokens: t.tokens + r.promptTokens + r.completionTokens,
  }), { requests: 0, tokens: 0 });
  root.append(
    h('p', { class: 'muted' }, `Last 30 days, ${fmt.when(days.from)} to ${fmt.when(days.to)}`),
    h('div', { class: 'stats' },
      h('div', { class: 'stat' }, h('span', { class: 'stat-label' }, 'Requests'),
        h('span', { class: 'stat-value', id: 'total-requests' }, fmt.int(total.requests))),
      h('div', { class: 'stat' }, h('span', { class: 'stat-label' }, 'Tokens'),
        h('span', { class: 'stat-value', id: 'total-tokens' }, fmt.int(total.tokens)))),
    h('section', {}, h('h2', {}, 'Requests per day'),
      barChart(filled.map(d => ({ label: d.group.slice(5), value: d.requests })), { id: 'requests-chart', title: 'Requests per day' })),
    h('section', {}, h('h2', {}, 'Tokens per day (prompt + completion)'),
      barChart(filled.map(d => ({ label: d.group.slice(5), value: d.promptTokens + d.completionTokens })),
        { id: 'tokens-chart', title: 'Tokens per day' })),
    h('div', { class: 'columns' },
      h('section', {}, h('h2', {}, 'Top keys'), table([
        { title: 'Key', cell: r => r.label ?? r.group },
        { title: 'Requests', numeric: true, cell: r => fmt.int(r.requests) },
        { title: 'Tokens', numeric: true, cell: r => fmt.int(r.promptTokens + r.completionTokens) },
      ], top(keys.data), { id: 'top-keys' })),
      h('section', {}, h('h2', {}, 'Top models'), table([
        { title: 'Model', cell: r => r.group },
        { title: 'Requests', numeric: true, cell: r => fmt.int(r.requests) },
        { title: 'Tokens', numeric: true, cell: r => fmt.int(r.promptTokens + r.completionTokens) },
      ], top(models.data), { id: 'top-models' }))));
}
