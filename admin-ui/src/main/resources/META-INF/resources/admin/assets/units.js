// Units besides tokens (seconds of audio, characters spoken, images made). Their columns are shown
// only when a row of the data on screen has some, so a token-only table stays as narrow as before.
import { fmt } from './dom.js';

export const UNIT_COLUMNS = [
  { key: 'audioSeconds', title: 'Audio (s)', numeric: true, cell: r => fmt.int(r.audioSeconds) },
  { key: 'characters', title: 'Characters', numeric: true, cell: r => fmt.int(r.characters) },
  { key: 'images', title: 'Images', numeric: true, cell: r => fmt.int(r.images) },
];

/** The columns, with each unit column that some row uses inserted before the column titled `before`. */
export function withUnits(columns, rows, before) {
  const used = UNIT_COLUMNS.filter(c => rows.some(r => Number(r[c.key] ?? 0) > 0));
  const at = columns.findIndex(c => c.title === before);
  return at < 0 ? [...columns, ...used] : [...columns.slice(0, at), ...used, ...columns.slice(at)];
}
