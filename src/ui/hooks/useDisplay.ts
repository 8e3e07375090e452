import { useMemo, useRef } from "react";
import type { Clock } from "../../shared/clock.js";
import type { LoopState } from "../../store/projections/types.js";
import type { FeedLine } from "../data/feed.js";
import type { LiveView, UiSource } from "../data/source.js";
import type { DisplayMode } from "../select/status-bar.js";
import type { UiState } from "../state/ui-state.js";

/** Feed lines shown in replay: the events pane and the Events view never need more. */
const REPLAY_FEED_LINES = 300;

export interface Display {
  mode: DisplayMode;
  state: LoopState;
  feed: readonly FeedLine[];
  /** "Now" for ages: the wall clock live, the moment of freezing, the replayed event's time. */
  nowMs: number;
  /** Changes whenever what is shown changes; memoised views key on it. */
  key: string;
}

/**
 * What the screen shows: the live state, the frozen one (`Z`) or the replayed one (`p`).
 * `tick` is the clock's last tick: live, the display changes with each tick and each
 * change of the source, and its "now" is read fresh for each.
 */
export function useDisplay(
  source: UiSource,
  live: LiveView,
  ui: UiState,
  clock: Clock,
  tick: number,
): Display {
  const replaySeq = ui.replay?.seq;
  const frozenAt = ui.frozenAt;
  const heldSeq = replaySeq ?? frozenAt;
  const held = useMemo(
    () => (heldSeq === undefined ? undefined : source.stateAt(heldSeq)),
    [source, heldSeq],
  );
  const replayFeed = useMemo(
    () => (replaySeq === undefined ? undefined : source.feedUpTo(replaySeq, REPLAY_FEED_LINES)),
    [source, replaySeq],
  );
  // Freezing keeps the feed and the clock as they were at the moment of the key press.
  const frozen = useRef<{ at: number; feed: readonly FeedLine[]; nowMs: number } | undefined>(
    undefined,
  );
  if (frozenAt === undefined) frozen.current = undefined;
  else if (frozen.current?.at !== frozenAt) {
    frozen.current = { at: frozenAt, feed: live.feed, nowMs: clock.now() };
  }

  if (replaySeq !== undefined && held && replayFeed) {
    const at = Date.parse(held.loop.get("loop")?.lastEventAt ?? "");
    return {
      mode: "replay",
      state: held,
      feed: replayFeed,
      nowMs: Number.isFinite(at) ? at : clock.now(),
      key: `replay:${replaySeq}:${held.seq}`,
    };
  }
  if (frozen.current && held) {
    return {
      mode: "frozen",
      state: held,
      feed: frozen.current.feed,
      nowMs: frozen.current.nowMs,
      key: `frozen:${frozen.current.at}`,
    };
  }
  return {
    mode: "live",
    state: live.state,
    feed: live.feed,
    nowMs: clock.now(),
    key: `live:${live.version}:${tick}`,
  };
}
