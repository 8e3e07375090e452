import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { errorSignature, observeTick, tickSignature } from "../../../src/engine/loop/drift.js";

describe("drift guard", () => {
  it("halts after three consecutive ticks whose attempts all failed the same way", () => {
    let state = { recent: [] as (string | null)[] };
    const sig = errorSignature("worker_error", "ENOENT: claude not found at /usr/bin/claude");
    for (let i = 0; i < 2; i++) {
      const step = observeTick(state, [sig, sig]);
      expect(step.drifted).toBeUndefined();
      state = step.state;
    }
    expect(observeTick(state, [sig]).drifted).toBe(sig);
  });

  it("does not halt when a tick mixes failures or has a success", () => {
    const sig = "worker_error:x";
    let state = { recent: [] as (string | null)[] };
    state = observeTick(state, [sig]).state;
    state = observeTick(state, [sig, null]).state;
    expect(observeTick(state, [sig]).drifted).toBeUndefined();
  });

  it("ignores ticks that ran no attempt", () => {
    const sig = "stale:";
    let state = { recent: [] as (string | null)[] };
    state = observeTick(state, [sig]).state;
    state = observeTick(state, []).state;
    state = observeTick(state, [sig]).state;
    expect(observeTick(state, [sig]).drifted).toBe(sig);
  });

  it("normalises numbers, ids and paths out of signatures", () => {
    expect(errorSignature("timeout", "pid 1234 at /tmp/a/b took 77s")).toBe(
      errorSignature("timeout", "pid 99 at /var/x took 3s"),
    );
    expect(errorSignature("timeout", "a")).not.toBe(errorSignature("stale", "a"));
  });

  it("never drifts on fewer than three ticks, and always resets after drifting", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.constantFrom("a", "b", null), { maxLength: 3 }), { maxLength: 30 }),
        (ticks) => {
          let state = { recent: [] as (string | null)[] };
          let withAttempts = 0;
          for (const failures of ticks) {
            const step = observeTick(state, failures);
            if (failures.length > 0) withAttempts++;
            if (step.drifted) {
              expect(withAttempts).toBeGreaterThanOrEqual(3);
              expect(tickSignature(failures)).toBe(step.drifted);
              expect(step.state.recent).toEqual([]);
            }
            state = step.state;
          }
        },
      ),
    );
  });
});
