// Teams: list with usage against budget, create, edit limits and policy, delete, member keys.
// Usage comes from the rollups (/usage?groupBy=team) over the current UTC day and month, the
// windows the gateway counts team budgets in with its default time zone.
import { api } from '../api.js';
import { h, fmt, problem } from '../dom.js';
import { limitsEditor, describeLimits } from '../limits.js';
import { developerLimitsEditor } from '../developerLimits.js';

const KEYS_PAGE = 25;

export function monthStart(now = new Date()) {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
}

export function dayStart(now = new Date()) {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())).toISOString();
}

const tokens = r => (r?.promptTokens ?? 0) + (r?.completionTokens ?? 0);

/** One budget line: a <progress> against the limit, or the plain usage when there is none. */
function budget(kind, title, used, limit, show) {
  const text = limit === null || limit === undefined
    ? `${show(used)} (no limit)`
    : `${show(used)} of ${show(limit)} (${Math.min(999, Math.round(used * 100 / Math.max(1, limit)))}%)`;
  return h('div', { class: `budget ${kind}`, 'data-used': String(used), 'data-limit': limit ?? '' },
    h('span', { class: 'budget-title' }, title),
    limit === null || limit === undefined ? null
      : h('progress', { max: String(limit), value: String(Math.min(used, limit)), 'aria-label': `${title}: ${text}`,
          class: used >= limit ? 'over' : null }),
    h('span', { class: 'budget-text' }, text));
}

function budgets(team, today, month) {
  const limits = team.limits ?? {};
  return [
    budget('tokens-day', 'Tokens today', tokens(today), limits.tokensPerDay, fmt.int),
    budget('tokens-month', 'Tokens this month', tokens(month), limits.tokensPerMonth, fmt.int),
    budget('spend-month', 'Spend this month', fmt.micros(month?.costUsd),
      limits.spendPerMonthUsd === null || limits.spendPerMonthUsd === undefined ? null : fmt.micros(limits.spendPerMonthUsd), fmt.usd),
  ];
}

export async function render(root, { me }) {
  const canChange = me.role !== 'viewer';
  const notices = h('div', { id: 'team-notices' });
  const list = h('div', {});
  const detail = h('div', {});
  root.append(h('h1', {}, 'Teams'), notices);
  if (canChange) root.append(createForm());
  root.append(list, detail);

  function say(node) { notices.replaceChildren(node); }
  const done = text => h('p', { class: 'notice', role: 'status' }, text);

  /** A form's API error: next to its field when the API names one, above the form otherwise. */
  function report(err, editor, where) {
    if (!editor.showProblem(err)) where.replaceChildren(problem(err));
  }

  function createForm() {
    const name = h('input', { id: 'new-team-name', required: true, maxlength: '200' });
    const editor = limitsEditor({ prefix: 'new-team', withModels: true });
    const errors = h('div', {});
    return h('form', { class: 'card', id: 'create-team-form', onsubmit: async e => {
      e.preventDefault();
      errors.replaceChildren();
      try {
        const created = await api('POST', '/teams', { name: name.value, ...editor.value() });
        e.target.reset();
        editor.clear();
        say(done(`Team "${created.name}" created.`));
        await load();
      } catch (err) { report(err, editor, errors); }
    } },
    h('h2', {}, 'Create a team'), errors,
    h('div', { class: 'row' }, h('label', {}, 'Name ', name),
      h('button', { type: 'submit', id: 'create-team' }, 'Create team')),
    h('details', {}, h('summary', {}, 'Limits and policy'), editor.node));
  }

  async function load() {
    let teams, month, today;
    try {
      [teams, month, today] = await Promise.all([
        api('GET', '/teams'),
        api('GET', `/usage?groupBy=team&from=${encodeURIComponent(monthStart())}`),
        api('GET', `/usage?groupBy=team&from=${encodeURIComponent(dayStart())}`)]);
    } catch (err) { list.replaceChildren(problem(err)); return; }
    const monthBy = new Map(month.data.map(r => [r.group, r]));
    const todayBy = new Map(today.data.map(r => [r.group, r]));
    const rows = teams.data.map(t => h('tr', { 'data-team-id': t.id },
      h('td', {}, h('button', { type: 'button', class: 'link open', onclick: () => open(t) }, t.name)),
      h('td', { class: 'limits' }, describeLimits(t.limits)),
      h('td', { class: 'budgets' }, budgets(t, todayBy.get(t.id), monthBy.get(t.id))),
      h('td', { class: 'actions' }, canChange ? [
        h('button', { type: 'button', class: 'edit', onclick: () => edit(t) }, 'Edit'),
        h('button', { type: 'button', class: 'delete danger', onclick: () => remove(t) }, 'Delete'),
      ] : [])));
    list.replaceChildren(h('table', { id: 'teams-table' },
      h('thead', {}, h('tr', {}, ['Team', 'Limits', 'Usage against budget', ''].map(c => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: '4', class: 'empty' }, 'No teams yet.')))));
  }

  function edit(t) {
    const name = h('input', { id: 'edit-team-name', required: true, maxlength: '200', value: t.name });
    const editor = limitsEditor({ prefix: 'edit-team', limits: t.limits, policy: t.policy, withModels: true });
    const developers = developerLimitsEditor(t.developerKeyLimits);
    const errors = h('div', {});
    say(h('form', { class: 'card', id: 'edit-team-form', onsubmit: async e => {
      e.preventDefault();
      errors.replaceChildren();
      try {
        const saved = await api('PATCH', `/teams/${t.id}`, { name: name.value, ...editor.value(), developerKeyLimits: developers.value() });
        say(done(`Team "${saved.name}" saved.`));
        await load();
      } catch (err) { report(err, editor, errors); }
    } },
    h('h2', {}, `Edit team "${t.name}"`), errors,
    h('div', { class: 'row' }, h('label', {}, 'Name ', name)),
    editor.node, developers.node,
    h('div', { class: 'row' }, h('button', { type: 'submit', id: 'save-team' }, 'Save'),
      h('button', { type: 'button', onclick: () => notices.replaceChildren() }, 'Cancel'))));
    name.focus();
  }

  async function remove(t) {
    if (!confirm(`Delete team "${t.name}"? Its limits and policy are lost. A team that still has active keys cannot be deleted.`)) return;
    try {
      await api('DELETE', `/teams/${t.id}`);
      say(done(`Team "${t.name}" deleted.`));
      detail.replaceChildren();
      await load();
    } catch (err) {
      if (err.code === 'team_not_empty') {
        say(h('p', { class: 'notice error', role: 'alert', id: 'team-not-empty' },
          `Team "${t.name}" was not deleted: ${err.message} Its keys are listed below.`));
        await open(t);
      } else say(problem(err));
    }
  }

  /** Limits, policy, budgets from the team-filtered usage, and the member keys page by page. */
  async function open(t) {
    const cursors = [null];
    let index = 0;
    const keys = h('div', {});
    const bars = h('div', { class: 'budgets' }, h('p', {}, 'Loading…'));
    detail.replaceChildren(h('section', { class: 'card', id: 'team-detail', 'data-team-id': t.id },
      h('h2', {}, `Team "${t.name}"`),
      h('p', {}, describeLimits(t.limits)),
      h('p', { class: 'muted' }, `Models: ${t.policy?.models?.length ? t.policy.models.join(', ') : 'all'} · `
        + `Modalities: ${t.policy?.modalities?.length ? t.policy.modalities.join(', ') : 'all'} · `
        + `Networks: ${t.policy?.allowedCidrs?.length ? t.policy.allowedCidrs.join(', ') : 'any'} · `
        + `Deny patterns: ${t.policy?.denyPatterns?.length ?? 0}`),
      h('h3', {}, 'Usage against budget'), bars,
      h('h3', {}, 'Member keys'), keys));
    const filter = `&teamId=${t.id}`;
    Promise.all([
      api('GET', `/usage?groupBy=team${filter}&from=${encodeURIComponent(monthStart())}`),
      api('GET', `/usage?groupBy=team${filter}&from=${encodeURIComponent(dayStart())}`),
    ]).then(([month, today]) => bars.replaceChildren(...budgets(t, today.data[0], month.data[0])))
      .catch(err => bars.replaceChildren(problem(err)));

    async function page() {
      const params = new URLSearchParams({ limit: String(KEYS_PAGE), teamId: t.id });
      if (cursors[index]) params.set('cursor', cursors[index]);
      let answer;
      try {
        answer = await api('GET', '/keys?' + params);
      } catch (err) { keys.replaceChildren(problem(err)); return; }
      cursors[index + 1] = answer.nextCursor;
      keys.replaceChildren(
        h('table', { id: 'team-keys' },
          h('thead', {}, h('tr', {}, ['Name', 'Prefix', 'Status', 'Created'].map(c => h('th', { scope: 'col' }, c)))),
          h('tbody', {}, answer.data.length ? answer.data.map(k => h('tr', { 'data-key-id': k.id },
            h('td', {}, k.name), h('td', {}, h('code', {}, k.prefix)),
            h('td', { class: `status ${k.status}` }, k.status), h('td', {}, fmt.when(k.createdAt))))
            : h('tr', {}, h('td', { colspan: '4', class: 'empty' }, 'No keys in this team.')))),
        h('div', { class: 'row pager' },
          h('button', { type: 'button', disabled: index === 0, onclick: () => { index--; page(); } }, '← Newer'),
          h('span', { class: 'muted' }, `Page ${index + 1}`),
          h('button', { type: 'button', disabled: !answer.nextCursor, onclick: () => { index++; page(); } }, 'Older →')));
    }
    await page();
    detail.scrollIntoView?.({ block: 'nearest' });
  }

  await load();
}
