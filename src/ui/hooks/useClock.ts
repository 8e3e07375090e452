import { useEffect, useState } from "react";
import type { Clock } from "../../shared/clock.js";

/**
 * Which `periodMs` period of the wall clock it is, moving on at each period's boundary
 * while `running`: a render trigger for what changes with time alone (read the time itself
 * from the clock). Stopped (a frozen display, replay), it causes no renders at all; and
 * starting within the same period causes none either.
 */
export function useClock(clock: Clock, running: boolean, periodMs: number): number {
  const [period, setPeriod] = useState(() => Math.floor(clock.now() / periodMs));
  useEffect(() => {
    if (!running) return;
    let timer: NodeJS.Timeout;
    const schedule = () => {
      timer = setTimeout(
        () => {
          setPeriod(Math.floor(clock.now() / periodMs));
          schedule();
        },
        periodMs - (clock.now() % periodMs),
      );
    };
    setPeriod(Math.floor(clock.now() / periodMs));
    schedule();
    return () => clearTimeout(timer);
  }, [clock, running, periodMs]);
  return period;
}
