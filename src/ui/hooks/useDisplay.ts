import { useMemo, useRef } from "react";
import type { Clock } from "../../shared/clock.js";
import { cloneState } from "../../store/projections/replay.js";
import type { LoopState } from "../../store/projections/types.js";
import type { FeedLine } from "../data/feed.js";
import type { LiveView, UiSource } from "../data/source.js";
import type { DisplayMode } from "../select/status-bar.js";
import type { UiState } from "../state/ui-state.js";

/** Feed lines the Events view lists in replay (the events pane shows a few of them). */
export const REPLAY_FEED_LINES = 300;

export interface Display {
  mode: DisplayMode;
  state: LoopState;
  feed: readonly FeedLine[];
  /** "Now" for ages: the wall clock live, the moment of freezing, the replayed event's time. */
  nowMs: number;
  /** Changes whenever what is shown changes; memoised views key on it. */
  key: string;
}

interface Frozen {
  at: number;
  state: LoopState;
  feed: readonly FeedLine[];
  nowMs: number;
}

/**
 * What the screen shows: the live state, the frozen one (`Z`) or the replayed one (`p`).
 * `tick` is the clock's last tick: live, the display changes with each tick and each
 * change of the source, and its "now" is read fresh for each. `feedLines` is how many feed
 * lines the screen shows: replay reads only those from the log at each step.
 */
export function useDisplay(
  source: UiSource,
  live: LiveView,
  ui: UiState,
  clock: Clock,
  tick: number,
  feedLines: number,
): Display {
  const replaySeq = ui.replay?.seq;
  const frozenAt = ui.frozenAt;
  // Following the last event, the state at it is the live state (the same events folded by
  // the same reducers), not a fold from a snapshot at every append. The live state is folded
  // in place: it is shown only while the sequence it is at is the one replayed.
  const liveAtSeq = ui.replay?.following && replaySeq === live.head ? live.state : undefined;
  const replayed = useMemo(
    () => (replaySeq === undefined ? undefined : (liveAtSeq ?? source.stateAt(replaySeq))),
    [source, replaySeq, liveAtSeq],
  );
  const replayFeed = useMemo(
    () => (replaySeq === undefined ? undefined : source.feedUpTo(replaySeq, feedLines)),
    [source, replaySeq, feedLines],
  );
  // Freezing keeps what was on screen: a copy of the live state (whose maps go on being
  // folded; rows are never mutated, so copying the maps is enough), the feed and the time.
  const frozen = useRef<Frozen | undefined>(undefined);
  if (frozenAt === undefined) frozen.current = undefined;
  else if (frozen.current?.at !== frozenAt) {
    frozen.current = {
      at: frozenAt,
      state: cloneState(live.state),
      feed: live.feed,
      nowMs: clock.now(),
    };
  }

  if (replaySeq !== undefined && replayed && replayFeed) {
    const at = Date.parse(replayed.loop.get("loop")?.lastEventAt ?? "");
    return {
      mode: "replay",
      state: replayed,
      feed: replayFeed,
      nowMs: Number.isFinite(at) ? at : clock.now(),
      key: `replay:${replaySeq}:${replayed.seq}:${feedLines}`,
    };
  }
  if (frozen.current) {
    return {
      mode: "frozen",
      state: frozen.current.state,
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
