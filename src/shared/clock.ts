/**
 * Time as a dependency: production code reads the system clock, tests pass a clock they
 * control. Both rooms use it, so it lives outside them.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export function isoAt(ms: number): string {
  return new Date(ms).toISOString();
}
