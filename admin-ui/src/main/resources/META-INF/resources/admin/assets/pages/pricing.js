// Pricing: the token price each served model is billed at and where it comes from. A model
// without a price is billed $0: the page says "unpriced" in words, so it is never read as free.
import { api } from '../api.js';
import { h, table, problem } from '../dom.js';

const perMillion = price => price === null ? '—' : `$${price}`;

function origin(m) {
  if (!m.priced) return 'none';
  if (m.origin === 'configuration') return 'configuration (gateway.pricing)';
  return h('span', {}, 'catalog, read ', m.date, ' from ', h('a', { href: m.source, rel: 'noopener noreferrer' }, new URL(m.source).host));
}

export async function render(root) {
  let list;
  try { list = await api('GET', '/pricing'); } catch (err) { root.append(h('h1', {}, 'Pricing'), problem(err)); return; }
  const unpriced = list.data.filter(m => !m.priced);
  root.append(
    h('h1', {}, 'Pricing'),
    h('p', { class: 'muted' }, 'US dollars per million tokens. Catalog prices were read from each provider\'s page in the month shown ',
      `(catalog of ${list.catalogDate}): check them and override with gateway.pricing.<model> where they changed.`),
    unpriced.length
      ? h('p', { class: 'notice warning', id: 'unpriced-summary', role: 'status' },
        `${unpriced.length} served model${unpriced.length === 1 ? ' has' : 's have'} no price and ${unpriced.length === 1 ? 'is' : 'are'} billed $0: `,
        unpriced.map(m => m.model).join(', '), '.')
      : h('p', { class: 'notice', id: 'unpriced-summary', role: 'status' }, 'Every served model has a price.'),
    table([
      { title: 'Model', cell: m => m.pricedAs && m.pricedAs !== m.model
        ? h('span', {}, m.model, ' ', h('span', { class: 'tag' }, `priced as ${m.pricedAs}`)) : m.model },
      { title: 'Input', numeric: true, cell: m => m.priced ? perMillion(m.inputPerMillion) : h('strong', { class: 'unpriced' }, 'Unpriced') },
      { title: 'Cached input', numeric: true, cell: m => perMillion(m.cachedInputPerMillion) },
      { title: 'Output', numeric: true, cell: m => perMillion(m.outputPerMillion) },
      { title: 'Source', cell: origin },
      { title: 'Note', cell: m => m.priced ? (m.note ?? '') : 'Billed $0 until a price is configured.' },
    ], list.data.map(m => ({ value: m, attrs: { 'data-model': m.model, class: m.priced ? null : 'unpriced' } })),
    { id: 'pricing-table' }));
}
