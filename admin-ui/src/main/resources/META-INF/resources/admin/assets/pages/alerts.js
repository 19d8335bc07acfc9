// Alerts: webhooks that receive budget alerts (create with the signing secret shown once, delete:
// admin role), and the recent deliveries with their failures, for every role (docs/alerts.md).
import { api } from '../api.js';
import { h, fmt, table, problem } from '../dom.js';

const EVENTS = [
  ['budget.threshold', 'A limit crossed an alertAt percentage'],
  ['budget.exhausted', 'A limit refused its first request'],
  ['key.expiring', 'A key expires in 7 days, then 1 day'],
];

export async function render(root, { me }) {
  const admin = me.role === 'admin';
  const notices = h('div', { id: 'alerts-notices' });
  const hooks = h('div', {});
  const deliveries = h('div', {});
  const say = node => notices.replaceChildren(node);

  async function load() {
    let w, d;
    try {
      [w, d] = await Promise.all([api('GET', '/alerts/webhooks'), api('GET', '/alerts/deliveries?limit=50')]);
    } catch (err) { say(problem(err)); return; }
    hooks.replaceChildren(table([
      { title: 'URL', cell: x => h('code', {}, x.url) },
      { title: 'Events', cell: x => x.events.join(', ') },
      { title: 'Format', cell: x => x.format },
      { title: 'Created', cell: x => fmt.when(x.createdAt) },
      ...(admin ? [{ title: '', cell: x => h('button', { type: 'button', class: 'danger', 'aria-label': `Delete webhook ${x.url}`,
        onclick: async () => {
          if (!confirm(`Delete the webhook to ${x.url}? Its pending deliveries are dropped.`)) return;
          try { await api('DELETE', `/alerts/webhooks/${x.id}`); say(h('p', { class: 'notice', role: 'status' }, 'Webhook deleted.')); await load(); }
          catch (err) { say(problem(err)); }
        } }, 'Delete') }] : []),
    ], w.data.map(x => ({ value: x, attrs: { 'data-webhook': x.id } })), { id: 'webhooks-table' }));
    const failing = d.data.filter(x => x.lastError && x.status !== 'delivered').length;
    deliveries.replaceChildren(
      h('p', { class: failing ? 'notice warning' : 'notice', id: 'deliveries-summary', role: 'status' },
        failing ? `${failing} of the last ${d.data.length} deliveries are failing or were given up.`
          : `No failing delivery among the last ${d.data.length}.`),
      table([
        { title: 'Event', cell: x => x.event },
        { title: 'Webhook', cell: x => h('code', {}, (w.data.find(hook => hook.id === x.webhookId)?.url) ?? x.webhookId) },
        { title: 'Status', cell: x => h('span', { class: x.status === 'delivered' ? 'tag' : 'tag warning' }, x.status) },
        { title: 'Attempts', numeric: true, cell: x => fmt.int(x.attempts) },
        { title: 'Last answer', cell: x => x.lastStatus === null ? '—' : `HTTP ${x.lastStatus}` },
        { title: 'Last error', cell: x => x.lastError ?? '' },
        { title: 'Updated', cell: x => fmt.when(x.updatedAt) },
        { title: 'Next attempt', cell: x => fmt.when(x.nextAttemptAt) },
      ], d.data.map(x => ({ value: x, attrs: { 'data-delivery': x.eventId, 'data-status': x.status } })),
      { id: 'deliveries-table' }));
  }

  function createForm() {
    const url = h('input', { id: 'new-webhook-url', type: 'url', required: true, size: '50',
      placeholder: 'https://hooks.example.com/portcullis' });
    const boxes = EVENTS.map(([name, what]) => h('input', { type: 'checkbox', value: name, id: `event-${name}`, checked: true }));
    const format = h('select', { id: 'new-webhook-format' }, h('option', { value: 'json' }, 'JSON (signed event)'),
      h('option', { value: 'slack' }, 'Slack incoming webhook'));
    return h('form', { class: 'card', id: 'new-webhook', onsubmit: async e => {
      e.preventDefault();
      const events = boxes.filter(b => b.checked).map(b => b.value);
      try {
        const created = await api('POST', '/alerts/webhooks', { url: url.value, events, format: format.value });
        const secret = h('input', { id: 'webhook-secret', readonly: true, value: created.secret, size: '60', 'aria-label': 'Signing secret' });
        const panel = h('section', { class: 'secret', id: 'webhook-secret-panel', 'aria-live': 'polite' },
          h('h2', {}, 'Webhook created'),
          h('p', { class: 'warning' }, 'Copy the signing secret now: it is shown only once. Receivers check x-portcullis-signature with it.'),
          secret,
          h('button', { type: 'button', id: 'dismiss-webhook-secret', onclick: () => panel.remove() }, 'I have stored it'));
        say(panel);
        url.value = '';
        await load();
        secret.focus();
        secret.select();
      } catch (err) { say(problem(err)); }
    } }, h('h2', {}, 'New webhook'),
    h('div', { class: 'row' }, h('label', {}, 'URL ', url), h('label', {}, 'Format ', format)),
    h('fieldset', {}, h('legend', {}, 'Events'),
      EVENTS.map(([name, what], i) => h('label', {}, boxes[i], ` ${name} `, h('span', { class: 'muted' }, `(${what})`)))),
    h('button', { type: 'submit' }, 'Create webhook'));
  }

  root.append(h('h1', {}, 'Alerts'),
    h('p', { class: 'muted' }, 'Budget alerts go to these webhooks. Percentages are set per team and key (alertAt). ',
      'Each event is sent at least once, signed; see docs/alerts.md.'),
    notices,
    admin ? createForm() : h('p', { class: 'notice' }, 'Only admins add or delete webhooks; URLs show their origin only.'),
    h('h2', {}, 'Webhooks'), hooks, h('h2', {}, 'Recent deliveries'), deliveries);
  await load();
}
