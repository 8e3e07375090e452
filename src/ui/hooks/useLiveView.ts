import { useSyncExternalStore } from "react";
import type { LiveView, UiSource } from "../data/source.js";

/** The source's live view; re-renders when (and only when) the source reports a change. */
export function useLiveView(source: UiSource): LiveView {
  return useSyncExternalStore(
    (onChange) => source.subscribe(onChange),
    () => source.live(),
  );
}
