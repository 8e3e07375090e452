import { describe, expect, it } from "vitest";
import { PacingSignals } from "../../src/shared/thread-pacing.js";

describe("PacingSignals", () => {
  it("lets the producer run at most `ahead` messages in front of the consumer", () => {
    const signals = new PacingSignals();
    expect(signals.waitForRoom(0, 2)).toBe(true);
    expect(signals.waitForRoom(1, 2)).toBe(true);
    signals.taken(1);
    expect(signals.waitForRoom(2, 2)).toBe(true);
    signals.stop();
    // With 3 sent and 1 taken it would block; told to stop, it says so instead.
    expect(signals.waitForRoom(3, 2)).toBe(false);
  });

  it("tells the consumer what was posted; its wait for more returns at once when there is more", () => {
    const signals = new PacingSignals();
    signals.sent(2);
    expect(signals.sentSoFar()).toBe(2);
    const start = Date.now();
    signals.waitForMore(1, 5_000);
    expect(Date.now() - start).toBeLessThan(1_000);
  });
});
// Both sides across real threads: test/store/projections/event-pages.test.ts and
// test/store/mirror/pipeline.test.ts.
