// Audit log: admin changes, newest first, with the before/after of each; chain verification.
import { api } from '../api.js';
import { h, fmt, problem } from '../dom.js';

function diff(entry) {
  const before = entry.before ?? {};
  const after = entry.after ?? {};
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter(k => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
  if (!entry.before) return 'created';
  if (!entry.after) return 'deleted';
  return keys.map(k => `${k}: ${JSON.stringify(before[k] ?? null)} → ${JSON.stringify(after[k] ?? null)}`).join('; ') || 'no field changed';
}

export async function render(root) {
  const verdict = h('span', { id: 'audit-verdict', role: 'status' });
  const body = h('div', {});
  const cursors = [null];
  let index = 0;

  async function load() {
    const params = new URLSearchParams({ limit: '50' });
    if (cursors[index]) params.set('cursor', cursors[index]);
    let page;
    try { page = await api('GET', '/audit?' + params); } catch (err) { body.replaceChildren(problem(err)); return; }
    cursors[index + 1] = page.nextCursor;
    body.replaceChildren(
      h('table', { id: 'audit-table' },
        h('thead', {}, h('tr', {}, ['#', 'When', 'Who', 'What', 'Target', 'Change'].map(t => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, page.data.length ? page.data.map(e => h('tr', {},
          h('td', {}, String(e.seq)), h('td', {}, fmt.when(e.at)), h('td', {}, e.actor), h('td', {}, e.action),
          h('td', {}, `${e.targetType} ${e.targetId ?? ''}`), h('td', { class: 'diff' }, diff(e))))
          : h('tr', {}, h('td', { colspan: '6', class: 'empty' }, 'No changes recorded in the last 30 days.')))),
      h('div', { class: 'row pager' },
        h('button', { type: 'button', disabled: index === 0, onclick: () => { index--; load(); } }, '← Newer'),
        h('button', { type: 'button', disabled: !page.nextCursor, onclick: () => { index++; load(); } }, 'Older →')));
  }

  root.append(h('h1', {}, 'Audit log'),
    h('div', { class: 'row' },
      h('button', { type: 'button', id: 'audit-verify', onclick: async () => {
        try {
          const v = await api('GET', '/audit/verify');
          verdict.textContent = v.valid
            ? `Chain intact: ${fmt.int(v.checked)} entries verified (head ${v.headHash.slice(0, 16)}…).`
            : `Tampering detected: the chain breaks at entry #${v.firstBrokenSeq}.`;
          verdict.className = v.valid ? 'ok' : 'error';
        } catch (err) { verdict.textContent = err.message; verdict.className = 'error'; }
      } }, 'Verify chain'), verdict),
    body);
  await load();
}
