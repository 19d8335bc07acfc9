// Usage explorer: totals grouped by day, key, team, model or outcome over a date range; chart, table, CSV.
// Audio seconds, characters and images get a column when the rows shown have some.
import { api } from '../api.js';
import { barChart } from '../chart.js';
import { h, table, fmt, problem } from '../dom.js';
import { fillDays } from './overview.js';
import { withUnits } from '../units.js';

const COLUMNS = [
  { title: 'Group', cell: r => r.group },
  { title: 'Label', cell: r => r.label ?? '' },
  { title: 'Requests', numeric: true, cell: r => fmt.int(r.requests) },
  { title: 'Prompt tokens', numeric: true, cell: r => fmt.int(r.promptTokens) },
  { title: 'Completion tokens', numeric: true, cell: r => fmt.int(r.completionTokens) },
  { title: 'Cached tokens', numeric: true, cell: r => fmt.int(r.cachedTokens) },
  { title: 'Cost (USD)', numeric: true, cell: r => String(r.costUsd ?? 0) },
  { title: 'Errors', numeric: true, cell: r => fmt.int(r.errors) },
  { title: 'Avg latency (ms)', numeric: true, cell: r => fmt.int(r.avgLatencyMs) },
];

export function toCsv(rows) {
  const quote = v => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n\r]/.test(s) || /^[=+\-@]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  };
  const header = ['group', 'label', 'requests', 'promptTokens', 'completionTokens', 'cachedTokens', 'audioSeconds',
    'characters', 'images', 'costUsd', 'errors', 'avgLatencyMs'];
  return [header.join(','), ...rows.map(r => header.map(k => quote(r[k])).join(','))].join('\r\n') + '\r\n';
}

export async function render(root) {
  const today = new Date();
  const monthAgo = new Date(Date.now() - 29 * 86400000);
  const from = h('input', { id: 'usage-from', type: 'date', value: fmt.day(monthAgo) });
  const to = h('input', { id: 'usage-to', type: 'date', value: fmt.day(today) });
  const group = h('select', { id: 'usage-group' },
    h('option', { value: 'day' }, 'Day'), h('option', { value: 'key' }, 'Key'), h('option', { value: 'team' }, 'Team'),
    h('option', { value: 'model' }, 'Model'), h('option', { value: 'outcome' }, 'Outcome'));
  const out = h('div', { id: 'usage-result' });
  let last = [];
  const csv = h('button', { type: 'button', id: 'usage-csv', onclick: () => {
    const blob = new Blob([toCsv(last)], { type: 'text/csv' });
    const a = h('a', { href: URL.createObjectURL(blob), download: `portcullis-usage-${group.value}-${from.value}-${to.value}.csv` });
    document.body.append(a);
    a.click();
    a.remove();
  } }, 'Export CSV');

  async function run(e) {
    e?.preventDefault();
    let answer;
    try {
      answer = await api('GET', `/usage?groupBy=${group.value}&from=${from.value}&to=${to.value}`);
    } catch (err) { out.replaceChildren(problem(err)); return; }
    last = answer.data;
    const rows = group.value === 'day' ? fillDays(answer.data, answer.from, answer.to) : answer.data;
    out.replaceChildren(
      barChart(rows.map(r => ({ label: group.value === 'day' ? r.group.slice(5) : (r.label ?? r.group).slice(0, 14), value: r.requests })),
        { id: 'usage-chart', title: 'Requests' }),
      table(withUnits(COLUMNS, answer.data, 'Cost (USD)'), answer.data, { id: 'usage-table' }));
  }

  root.append(h('h1', {}, 'Usage'),
    h('form', { class: 'row card', onsubmit: run },
      h('label', {}, 'From ', from), h('label', {}, 'To ', to), h('label', {}, 'Group by ', group),
      h('button', { type: 'submit', id: 'usage-run' }, 'Show'), csv),
    out);
  await run();
}
