// A bar chart in plain SVG (no library, no inline styles: the console's CSP forbids them).
import { fmt } from './dom.js';

const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

/** points: [{label, value}]; one bar each, labelled below, with a value tooltip; `format` shows a value. */
export function barChart(points, { id, title, width = 720, height = 220, format = fmt.int } = {}) {
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'chart', 'aria-label': title ?? 'chart' });
  if (id) root.setAttribute('id', id);
  const pad = { top: 12, right: 8, bottom: 36, left: 56 };
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const max = Math.max(1, ...points.map(p => p.value));
  root.append(svg('line', { x1: pad.left, y1: pad.top + innerH, x2: width - pad.right, y2: pad.top + innerH, class: 'axis' }));
  root.append(svg('text', { x: pad.left - 6, y: pad.top + 10, 'text-anchor': 'end', class: 'tick' }, format(max)));
  root.append(svg('text', { x: pad.left - 6, y: pad.top + innerH, 'text-anchor': 'end', class: 'tick' }, '0'));
  if (points.length === 0) {
    root.append(svg('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'tick' }, 'No traffic in this range'));
    return root;
  }
  const slot = innerW / points.length;
  const bar = Math.max(2, Math.min(48, slot * 0.7));
  const every = Math.ceil(points.length / 12);
  points.forEach((p, i) => {
    const hgt = (p.value / max) * innerH;
    const x = pad.left + i * slot + (slot - bar) / 2;
    const rect = svg('rect', { x, y: pad.top + innerH - hgt, width: bar, height: Math.max(hgt, 0.5), class: 'bar', 'data-value': p.value });
    rect.append(svg('title', {}, `${p.label}: ${format(p.value)}`));
    root.append(rect);
    if (i % every === 0) {
      root.append(svg('text', { x: x + bar / 2, y: height - pad.bottom + 16, 'text-anchor': 'middle', class: 'tick' }, p.label));
    }
  });
  return root;
}
