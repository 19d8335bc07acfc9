// A team's developerKeyLimits in the team form: whether developers may create keys in the team,
// and the most they may give one (api-contract section 3, "Developer self-service").
import { h } from './dom.js';
import { limitsEditor } from './limits.js';

/** Returns { node, value() -> the developerKeyLimits object, or null when developers may not create keys }. */
export function developerLimitsEditor(current) {
  const enabled = h('input', { type: 'checkbox', id: 'edit-team-dev-enabled', checked: Boolean(current) });
  const editor = limitsEditor({
    prefix: 'edit-team-dev', limits: current?.limits,
    policy: { ...(current?.policy ?? {}), models: current?.models ?? [] }, withModels: true,
  });
  const maxKeys = h('input', {
    id: 'edit-team-dev-max-keys', inputmode: 'numeric', size: '6', value: String(current?.maxKeysPerDeveloper ?? 10),
  });
  const node = h('details', { open: Boolean(current) }, h('summary', {}, 'Developer self-service'),
    h('label', { class: 'check', for: enabled.id }, enabled, 'Developers of this team may create their own keys'),
    h('p', { class: 'hint' }, 'The most a developer may give a key. A value they leave out is filled in from here;'
      + ' the models listed are the only ones their keys may name; the deny patterns are always added.'),
    editor.node,
    h('label', { for: maxKeys.id }, 'Active keys per developer ', maxKeys));
  return {
    node,
    value() {
      if (!enabled.checked) return null;
      const { limits, policy } = editor.value();
      const { models, ...rest } = policy;
      const max = maxKeys.value.trim();
      // hostedTools has no field here: keep what is stored rather than drop it
      rest.hostedTools = current?.policy?.hostedTools ?? [];
      return { limits, models, policy: rest, maxKeysPerDeveloper: /^\d+$/.test(max) ? Number(max) : max };
    },
  };
}
