import type { Clock } from "../../src/shared/clock.js";

/** A clock that moves only when the test says so. */
export class ManualClock implements Clock {
  constructor(private ms = Date.UTC(2026, 5, 5, 9, 0, 0)) {}

  now(): number {
    return this.ms;
  }

  advance(ms: number): void {
    this.ms += ms;
  }

  set(ms: number): void {
    this.ms = ms;
  }
}
