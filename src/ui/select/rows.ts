/**
 * A list's rows, built only when asked for: a pane shows a few dozen rows of a list that
 * may hold thousands, so building every row's text on each render would be most of the
 * UI's work. Rows once built are kept for the life of the list.
 */
import { plain, type Row } from "./line.js";

export interface Rows {
  readonly length: number;
  at(index: number): Row | undefined;
}

export function lazyRows<T>(items: readonly T[], build: (item: T) => Row): Rows {
  const built: (Row | undefined)[] = [];
  return {
    length: items.length,
    at(index) {
      if (!Number.isInteger(index) || index < 0 || index >= items.length) return undefined;
      let row = built[index];
      if (row === undefined) {
        row = build(items[index] as T);
        built[index] = row;
      }
      return row;
    },
  };
}

export function rowsOf(rows: readonly Row[]): Rows {
  return lazyRows(rows, (row) => row);
}

/**
 * The rows whose text contains every word of the filter, ignoring case: `fail 42` finds
 * the failed row of #42 whichever order the words appear in. Filtering has to read every
 * row, so it builds them all; without a filter nothing is built.
 */
export function applyFilter(rows: Rows, filter: string): Rows {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return rows;
  const kept: Row[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows.at(i) as Row;
    const text = plain(row.line).toLowerCase();
    if (words.every((word) => text.includes(word))) kept.push(row);
  }
  return rowsOf(kept);
}
