/**
 * A list's rows, built only when asked for: a pane shows a few dozen rows of a list that
 * may hold thousands, so building every row's text on each render would be most of the
 * UI's work. Rows once built are kept for the life of the list. Keys are cheap (no text is
 * built for them), so a selection can be found again by key after the list changed.
 */
import { plain, type Row } from "./line.js";

export interface Rows {
  readonly length: number;
  at(index: number): Row | undefined;
  /** Index of the row with this key, -1 when there is none. */
  indexOf(key: string): number;
}

export function lazyRows<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  build: (item: T, key: string) => Omit<Row, "key">,
): Rows {
  const built: (Row | undefined)[] = [];
  let indexes: Map<string, number> | undefined;
  return {
    length: items.length,
    at(index) {
      if (!Number.isInteger(index) || index < 0 || index >= items.length) return undefined;
      let row = built[index];
      if (row === undefined) {
        const item = items[index] as T;
        const key = keyOf(item);
        row = { key, ...build(item, key) };
        built[index] = row;
      }
      return row;
    },
    indexOf(key) {
      indexes ??= new Map(items.map((item, i) => [keyOf(item), i]));
      return indexes.get(key) ?? -1;
    },
  };
}

export function rowsOf(rows: readonly Row[]): Rows {
  return lazyRows(
    rows,
    (row) => row.key,
    ({ key: _, ...rest }) => rest,
  );
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
