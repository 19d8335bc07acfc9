// My usage (developer role): the developer's own keys per key and model this month, and where
// each of their teams stands against its budget (team totals only). From GET /admin/api/me/usage.
import { api } from '../api.js';
import { h, fmt, problem } from '../dom.js';

function budgetRow(label, used, limit, money) {
  const show = v => money ? '$' + v : fmt.int(v);
  if (limit === null || limit === undefined) return h('p', {}, `${label}: ${show(used)} (no limit)`);
  const ratio = Number(used) / Number(limit);
  return h('div', { class: 'budget' },
    h('p', {}, `${label}: ${show(used)} of ${show(limit)}`),
    h('progress', { max: '1', value: String(Math.min(1, ratio)), class: ratio >= 1 ? 'over' : null, 'aria-label': label }));
}

export async function render(root) {
  root.append(h('h1', {}, 'My usage'));
  let usage;
  try {
    usage = await api('GET', '/me/usage');
  } catch (err) { root.append(problem(err)); return; }
  root.append(h('p', { class: 'muted' }, `From ${fmt.when(usage.from)} to ${fmt.when(usage.to)}.`));

  const rows = [];
  for (const k of usage.keys) {
    rows.push(h('tr', { class: 'key-total', 'data-key-id': k.keyId },
      h('td', { class: 'key-name' }, k.name, ' ', h('code', {}, k.prefix)), h('td', {}, 'all models'),
      h('td', { class: 'num' }, fmt.int(k.requests)), h('td', { class: 'num' }, fmt.int(k.promptTokens)),
      h('td', { class: 'num' }, fmt.int(k.completionTokens)), h('td', { class: 'num' }, k.costUsd)));
    for (const m of k.models) {
      rows.push(h('tr', { class: 'key-model', 'data-key-id': k.keyId, 'data-model': m.model },
        h('td', {}, ''), h('td', {}, m.model), h('td', { class: 'num' }, fmt.int(m.requests)),
        h('td', { class: 'num' }, fmt.int(m.promptTokens)), h('td', { class: 'num' }, fmt.int(m.completionTokens)),
        h('td', { class: 'num' }, m.costUsd)));
    }
  }
  root.append(h('h2', {}, 'Per key and model'), h('table', { id: 'my-usage-table' },
    h('thead', {}, h('tr', {}, ['Key', 'Model', 'Requests', 'Prompt tokens', 'Completion tokens', 'Cost (USD)']
      .map(t => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: '6', class: 'empty' }, 'No usage yet.')))));

  root.append(h('h2', {}, 'Team budgets'), h('div', { id: 'my-team-budgets' }, usage.teams.length
    ? usage.teams.map(t => h('section', { class: 'card', 'data-team-id': t.teamId },
      h('h3', {}, t.name),
      budgetRow('Tokens today', t.tokensToday, t.tokensPerDay),
      budgetRow('Tokens this month', t.tokensThisMonth, t.tokensPerMonth),
      budgetRow('Spend this month', t.spentThisMonthUsd, t.spendPerMonthUsd, true)))
    : h('p', { class: 'muted' }, 'You belong to no team.')));
}
