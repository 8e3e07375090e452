import type { ReplayState, UiAction } from "../state/ui-state.js";

/**
 * After End, replay stays on the last event while the engine appends: End means the last
 * event (TUI.md), and an operator pressing it wants the newest, not the one that was last
 * when the key went down. Stored during the render, as the followed cursor is: React redoes
 * the render at once, before committing it.
 */
export function useFollowedHead(
  replay: ReplayState | undefined,
  head: number,
  dispatch: (action: UiAction) => void,
): void {
  if (replay?.following && replay.seq !== head) dispatch({ type: "replayFollow", head });
}
