import { useEffect, useState } from "react";
import type { Clock } from "../../shared/clock.js";

/**
 * Wall-clock milliseconds, re-read once a second on the second while `running`: the clock
 * and the heartbeat ages are the only things that change without an event. Stopped (a
 * frozen display, replay), it causes no renders at all.
 */
export function useClock(clock: Clock, running: boolean): number {
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
        1000 - (clock.now() % 1000),
      );
    };
    setNow(clock.now());
    schedule();
    return () => clearTimeout(timer);
  }, [clock, running]);
  return now;
}
