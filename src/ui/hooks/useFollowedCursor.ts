import { useRef } from "react";
import type { Rows } from "../select/rows.js";
import type { UiAction, UiState } from "../state/ui-state.js";
import type { ViewId } from "../state/views.js";

/**
 * The cursor, kept on its row when rows come or go above it (a new event at the top of the
 * feed, a new task before it), so the detail being read does not change under the reader.
 * A cursor on the first row stays there: at the top of the feed that means "follow the
 * newest". A key moves the cursor as usual.
 */
export function useFollowedCursor(
  ui: UiState,
  rows: Rows,
  dispatch: (action: UiAction) => void,
): number {
  const last = useRef<Partial<Record<ViewId, { key: string; index: number }>>>({});
  let cursor = Math.min(ui.cursor[ui.view], Math.max(0, rows.length - 1));
  const before = last.current[ui.view];
  if (before && before.index === cursor && cursor > 0 && rows.at(cursor)?.key !== before.key) {
    const moved = rows.indexOf(before.key);
    if (moved >= 0) cursor = moved;
  }
  const key = rows.at(cursor)?.key;
  last.current[ui.view] = key === undefined ? undefined : { key, index: cursor };
  // Stored during the render (React redoes the render at once, before committing it), not
  // in an effect after it: that would draw every frame twice.
  if (cursor !== ui.cursor[ui.view]) dispatch({ type: "follow", cursor });
  return cursor;
}
