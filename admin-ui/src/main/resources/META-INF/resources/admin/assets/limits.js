// The limits and policy fields shared by the team and key forms (api-contract section 3).
// Values go to the API as typed: the gateway validates them and names the bad field in `param`
// (e.g. "limits.tokensPerDay"), and that message is shown next to the field.
import { h } from './dom.js';

/** The contract's limits, in its order; spend is a decimal string of US dollars. */
export const LIMITS = [
  { name: 'requestsPerMinute', label: 'Requests per minute' },
  { name: 'tokensPerMinute', label: 'Tokens per minute' },
  { name: 'tokensPerDay', label: 'Tokens per day' },
  { name: 'tokensPerMonth', label: 'Tokens per month' },
  { name: 'spendPerMonthUsd', label: 'Spend per month (USD)', money: true },
  { name: 'maxTokensPerRequest', label: 'Max tokens per request' },
  { name: 'maxConcurrentRequests', label: 'Max concurrent requests' },
];

const MODALITIES = ['text', 'image', 'audio', 'file'];

const list = text => text.split(',').map(s => s.trim()).filter(Boolean);

/** Whole numbers go as numbers; anything else as typed, for the gateway to refuse by name. */
function count(text) {
  const t = text.trim();
  if (t === '') return null;
  return /^\d+$/.test(t) ? Number(t) : t;
}

/** Short text for a limits object: only the limits that are set. */
export function describeLimits(limits) {
  const set = LIMITS.filter(l => limits?.[l.name] !== null && limits?.[l.name] !== undefined);
  if (set.length === 0) return 'no limits';
  return set.map(l => `${l.label}: ${l.money ? '$' + limits[l.name] : Number(limits[l.name]).toLocaleString('en-US')}`).join(' · ');
}

/**
 * Fields for `limits` and `policy`. `prefix` makes element ids unique (e.g. "edit-team" gives
 * "edit-team-limit-tokensPerDay"); `withModels` adds the team's `policy.models` list.
 * Returns { node, value() -> {limits, policy}, showProblem(err) -> whether a field took it, clear() }.
 */
export function limitsEditor({ prefix, limits = {}, policy = {}, withModels = false }) {
  const fields = new Map(); // param -> { input, error }

  function field(param, id, labelText, input, hint) {
    const error = h('span', { class: 'field-error', id: id + '-error', role: 'alert' });
    input.id = id;
    input.setAttribute('aria-describedby', id + '-error');
    fields.set(param, { input, error });
    return h('label', { for: id }, labelText, input, hint ? h('span', { class: 'hint' }, hint) : null, error);
  }

  const limitInputs = LIMITS.map(l => {
    const current = limits?.[l.name];
    const input = h('input', {
      inputmode: l.money ? 'decimal' : 'numeric', size: '12', placeholder: 'unlimited',
      value: current === null || current === undefined ? '' : String(current),
    });
    return { limit: l, input, label: field('limits.' + l.name, `${prefix}-limit-${l.name}`, l.label, input) };
  });

  const models = h('input', { value: (policy?.models ?? []).join(', '), placeholder: 'all models', size: '30' });
  const boxes = MODALITIES.map(m => h('input', {
    type: 'checkbox', id: `${prefix}-modality-${m}`, value: m, checked: (policy?.modalities ?? []).includes(m),
  }));
  const modalityGroup = h('fieldset', { class: 'modalities' },
    h('legend', {}, 'Modalities (none ticked: every modality)'),
    boxes.map(b => h('label', { class: 'check', for: b.id }, b, b.value)));
  const modalityError = h('span', { class: 'field-error', id: `${prefix}-modalities-error`, role: 'alert' });
  fields.set('policy.modalities', { input: boxes[0], error: modalityError });
  const cidrs = h('input', { value: (policy?.allowedCidrs ?? []).join(', '), placeholder: 'any address', size: '30' });
  const patterns = h('textarea', { rows: '3', cols: '40', placeholder: 'one regular expression per line' });
  patterns.value = (policy?.denyPatterns ?? []).join('\n');

  const node = h('div', { class: 'limits-editor' },
    h('fieldset', {}, h('legend', {}, 'Limits (empty: unlimited)'),
      h('div', { class: 'row' }, limitInputs.map(l => l.label))),
    h('fieldset', {}, h('legend', {}, 'Policy'),
      h('div', { class: 'row' },
        withModels ? field('policy.models', `${prefix}-policy-models`, 'Models (comma-separated)', models) : null,
        field('policy.allowedCidrs', `${prefix}-policy-cidrs`, 'Allowed networks (comma-separated CIDRs)', cidrs),
        field('policy.denyPatterns', `${prefix}-policy-patterns`, 'Deny patterns', patterns)),
      modalityGroup, modalityError));

  function clear() {
    for (const { input, error } of fields.values()) {
      error.textContent = '';
      input.removeAttribute('aria-invalid');
    }
  }

  return {
    node,
    clear,
    value() {
      const out = { limits: {}, policy: {} };
      for (const { limit, input } of limitInputs) {
        const t = input.value.trim();
        out.limits[limit.name] = limit.money ? (t === '' ? null : t) : count(t);
      }
      if (withModels) out.policy.models = list(models.value);
      const ticked = boxes.filter(b => b.checked).map(b => b.value);
      out.policy.modalities = ticked.length ? ticked : null;
      out.policy.allowedCidrs = list(cidrs.value);
      out.policy.denyPatterns = patterns.value.split('\n').map(s => s.trim()).filter(Boolean);
      return out;
    },
    showProblem(err) {
      clear();
      const target = err?.param ? fields.get(err.param) : null;
      if (!target) return false;
      target.error.textContent = err.message;
      target.input.setAttribute('aria-invalid', 'true');
      target.input.focus();
      return true;
    },
  };
}
