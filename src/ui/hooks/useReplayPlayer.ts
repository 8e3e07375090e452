import { useEffect } from "react";
import type { ReplayState, UiAction } from "../state/ui-state.js";

/** Frames per second of playback; each frame folds `speed` more events. */
export const PLAY_FPS = 20;

/** While replay plays, moves it on one frame at a time until it reaches the head. */
export function useReplayPlayer(
  replay: ReplayState | undefined,
  head: number,
  dispatch: (action: UiAction) => void,
): void {
  const playing = replay?.playing ?? false;
  useEffect(() => {
    if (!playing) return;
    const timer = setInterval(() => dispatch({ type: "replayFrame", head }), 1000 / PLAY_FPS);
    return () => clearInterval(timer);
  }, [playing, head, dispatch]);
}
