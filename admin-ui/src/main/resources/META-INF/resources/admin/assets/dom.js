// A tiny element builder: text is always set as text, never parsed as HTML.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, v);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function table(columns, rows, attrs = {}) {
  return h('table', attrs,
    h('thead', {}, h('tr', {}, columns.map(c => h('th', { scope: 'col', class: c.numeric ? 'num' : null }, c.title)))),
    h('tbody', {}, rows.length === 0
      ? h('tr', {}, h('td', { colspan: String(columns.length), class: 'empty' }, 'Nothing here yet.'))
      : rows.map(r => h('tr', r.attrs ?? {}, columns.map(c =>
          h('td', { class: c.numeric ? 'num' : null }, c.cell(r.value ?? r)))))));
}

export const fmt = {
  int: n => Number(n ?? 0).toLocaleString('en-US'),
  when: iso => iso ? iso.replace('T', ' ').replace(/\.\d+/, '').replace('Z', ' UTC') : '—',
  day: date => date.toISOString().slice(0, 10),
  /** Micro-dollars from the API's decimal dollars, so sums and ratios stay exact. */
  micros: usd => Math.round(Number(usd ?? 0) * 1e6),
  usd: micros => '$' + (micros / 1e6).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 6 }),
};

/** Error from the API, shown where the user is looking. */
export function problem(err) {
  return h('p', { class: 'notice error', role: 'alert' }, err.message ?? String(err));
}
