import { useEffect, useState } from "react";
import type { Clock } from "../../shared/clock.js";

/**
 * Wall-clock milliseconds, re-read every `periodMs` on the period's boundary while
 * `running`: a render trigger for what changes with time alone. Stopped (a frozen
 * display, replay), it causes no renders at all.
 */
export function useClock(clock: Clock, running: boolean, periodMs: number): number {
  const [now, setNow] = useState(() => clock.now());
  useEffect(() => {
    if (!running) return;
    let timer: NodeJS.Timeout;
    const schedule = () => {
      timer = setTimeout(
        () => {
          setNow(clock.now());
          schedule();
        },
        periodMs - (clock.now() % periodMs),
      );
    };
    setNow(clock.now());
    schedule();
    return () => clearTimeout(timer);
  }, [clock, running, periodMs]);
  return now;
}
