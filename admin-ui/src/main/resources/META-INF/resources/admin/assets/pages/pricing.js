// Pricing: the price each served model is billed at (per million tokens, and per image, second of
// audio, million characters or request) and where it comes from. A model without a price is billed
// $0: the page says "unpriced" in words, so it is never read as free; a model priced at zero
// (moderation) says "free".
import { api } from '../api.js';
import { h, table, problem } from '../dom.js';

const perMillion = price => price === null ? '—' : `$${price}`;
const isZero = price => price === null || Number(price) === 0;

/** The unit prices a model has, in words ("$0.04 per image"); empty for token-only prices. */
function unitPrices(m) {
  if (!m.priced) return '';
  const parts = [[m.perImage, 'per image'], [m.perAudioSecond, 'per second of audio'],
    [m.perMillionCharacters, 'per million characters'], [m.perRequest, 'per request']]
    .filter(([price]) => !isZero(price)).map(([price, unit]) => `$${price} ${unit}`);
  return parts.join(', ');
}

/** Priced at zero in every part: free, which is not the same as unpriced. */
const isFree = m => m.priced && [m.inputPerMillion, m.cachedInputPerMillion, m.outputPerMillion, m.perImage,
  m.perAudioSecond, m.perMillionCharacters, m.perRequest].every(isZero);

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
    h('p', { class: 'muted' }, 'US dollars per million tokens; unit prices per image, second of audio, million characters or request. Catalog prices were read from each provider\'s page in the month shown ',
      `(catalog of ${list.catalogDate}): check them and override with gateway.pricing.<model> where they changed.`),
    unpriced.length
      ? h('p', { class: 'notice warning', id: 'unpriced-summary', role: 'status' },
        `${unpriced.length} served model${unpriced.length === 1 ? ' has' : 's have'} no price and ${unpriced.length === 1 ? 'is' : 'are'} billed $0: `,
        unpriced.map(m => m.model).join(', '), '.')
      : h('p', { class: 'notice', id: 'unpriced-summary', role: 'status' }, 'Every served model has a price.'),
    table([
      { title: 'Model', cell: m => m.pricedAs && m.pricedAs !== m.model
        ? h('span', {}, m.model, ' ', h('span', { class: 'tag' }, `priced as ${m.pricedAs}`)) : m.model },
      { title: 'Input', numeric: true, cell: m => !m.priced ? h('strong', { class: 'unpriced' }, 'Unpriced')
        : isFree(m) ? h('strong', { class: 'free' }, 'Free ($0)') : perMillion(m.inputPerMillion) },
      { title: 'Cached input', numeric: true, cell: m => perMillion(m.cachedInputPerMillion) },
      { title: 'Output', numeric: true, cell: m => perMillion(m.outputPerMillion) },
      { title: 'Unit prices', cell: unitPrices },
      { title: 'Source', cell: origin },
      { title: 'Note', cell: m => m.priced ? (m.note ?? '') : 'Billed $0 until a price is configured.' },
    ], list.data.map(m => ({ value: m, attrs: { 'data-model': m.model, class: m.priced ? null : 'unpriced' } })),
    { id: 'pricing-table' }));
}
