import { Box } from "ink";
import { useRef } from "react";
import { type Row, seg } from "../select/line.js";
import type { Rows } from "../select/rows.js";
import { LineText } from "./LineText.js";

export interface RowListProps {
  rows: Rows;
  cursor: number;
  height: number;
  width: number;
  empty: string;
}

/**
 * A scrolling list that builds elements only for the rows that fit. The window moves
 * only as far as needed to keep the cursor visible, so the list does not jump around.
 */
export function RowList({ rows, cursor, height, width, empty }: RowListProps) {
  const offsetRef = useRef(0);
  const visible = Math.max(0, height);
  offsetRef.current = windowStart(offsetRef.current, cursor, visible, rows.length);
  const start = offsetRef.current;
  if (rows.length === 0) {
    return <LineText line={[seg(empty, "gray")]} width={width} />;
  }
  return (
    <Box flexDirection="column" height={visible}>
      {visibleRows(rows, start, visible).map((row, i) => (
        <LineText key={row.key} line={row.line} width={width} selected={start + i === cursor} />
      ))}
    </Box>
  );
}

/** The first visible row: unchanged when the cursor is in view, else just enough to show it. */
export function windowStart(
  previous: number,
  cursor: number,
  height: number,
  total: number,
): number {
  if (height <= 0) return 0;
  const maxStart = Math.max(0, total - height);
  let start = Math.min(previous, maxStart);
  if (cursor < start) start = cursor;
  if (cursor >= start + height) start = cursor - height + 1;
  return Math.max(0, Math.min(start, maxStart));
}

function visibleRows(rows: Rows, start: number, count: number): Row[] {
  const shown: Row[] = [];
  for (let i = start; i < Math.min(rows.length, start + count); i++) {
    const row = rows.at(i);
    if (row) shown.push(row);
  }
  return shown;
}
