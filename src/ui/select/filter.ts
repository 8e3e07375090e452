import { plain, type Row } from "./line.js";

/**
 * The rows whose text contains every word of the filter, ignoring case: `fail 42` finds
 * the failed row of #42 whichever order the words appear in.
 */
export function applyFilter(rows: readonly Row[], filter: string): readonly Row[] {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return rows;
  return rows.filter((row) => {
    const text = plain(row.line).toLowerCase();
    return words.every((word) => text.includes(word));
  });
}
