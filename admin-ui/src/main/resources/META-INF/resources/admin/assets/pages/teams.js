// TEAMS: placeholder. The teams API (/admin/api/teams: limits, policy, members' keys, budgets) is
// being built separately; this page will list teams with usage against budget once it lands.
import { h } from '../dom.js';

export async function render(root) {
  root.append(h('h1', {}, 'Teams'),
    h('p', { class: 'notice', id: 'teams-stub' },
      'Teams are coming in the next release: team limits, policies, member keys and usage against budget will be managed here.'));
}
