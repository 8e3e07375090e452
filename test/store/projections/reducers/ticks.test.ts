import { describe, expect, it } from "vitest";
import { emptyState, foldEvents } from "../../../../src/store/projections/fold.js";
import { tickKey } from "../../../../src/store/projections/reducers/ticks.js";
import { eventSequence } from "../../../support/stored-events.js";

describe("ticks projection", () => {
  it("keys ticks by zero-padded run and tick, so keys sort in tick order", () => {
    expect(tickKey(0, 7)).toBe("000000:000000007");
    const keys = [tickKey(1, 10), tickKey(0, 99), tickKey(1, 9)].sort();
    expect(keys).toEqual([tickKey(0, 99), tickKey(1, 9), tickKey(1, 10)]);
  });

  it("folds a tick's start and completion into one row", () => {
    const { ev } = eventSequence();
    const state = foldEvents(emptyState(), [
      ev("tick.started", {
        tick: 17,
        run: 2,
        candidates: [
          { issue: 1, title: "a" },
          { issue: 2, title: "b" },
        ],
      }),
      ev("tick.completed", {
        tick: 17,
        run: 2,
        duration_ms: 1234,
        outcomes: [
          { issue: 1, status: "merged" },
          { issue: 2, status: "failed" },
        ],
      }),
    ]);
    expect(state.ticks.get(tickKey(2, 17))).toEqual({
      tick: 17,
      run: 2,
      startedAt: "2026-11-20T09:00:01.000Z",
      startSeq: 1,
      candidates: 2,
      completedAt: "2026-11-20T09:00:02.000Z",
      endSeq: 2,
      durationMs: 1234,
      outcomes: [
        { issue: 1, status: "merged" },
        { issue: 2, status: "failed" },
      ],
    });
  });

  it("keeps the ticks of different runs apart (Python runners restart at tick 0)", () => {
    const { ev } = eventSequence();
    const state = foldEvents(emptyState(), [
      ev("tick.started", { tick: 1, run: 0, candidates: [] }),
      ev("tick.started", { tick: 1, run: 1, candidates: [] }),
      ev("tick.started", { tick: 1, candidates: [] }),
    ]);
    expect([...state.ticks.keys()]).toEqual([tickKey(0, 1), tickKey(1, 1)]);
  });

  it("reads legacy ticks: issues instead of candidates, duration_s, outcomes with string issues", () => {
    const { ev } = eventSequence();
    const state = foldEvents(emptyState(), [
      ev(
        "tick.started",
        { legacy_kind: "tick_start", tick: 3, issues: [412, 413, 415] },
        { sagaId: "tick:3" },
      ),
      ev("tick.completed", {
        legacy_kind: "tick_done",
        tick: 3,
        merged: 1,
        duration_s: 2.5,
        outcomes: [
          { issue: "413", status: "merged", pr_url: "https://x/pull/1" },
          { number: 412 },
          "junk",
          { status: "x" },
        ],
      }),
    ]);
    expect(state.ticks.get(tickKey(0, 3))).toMatchObject({
      candidates: 3,
      durationMs: 2500,
      outcomes: [
        { issue: 413, status: "merged" },
        { issue: 412, status: "unknown" },
      ],
    });
  });

  it("measures the duration from the times when the payload has none, and takes the tick from the saga", () => {
    const { ev } = eventSequence();
    const state = foldEvents(emptyState(), [
      ev("tick.started", {}, { sagaId: "tick:5", occurredAt: "2026-01-01T00:00:00.000Z" }),
      ev("tick.completed", {}, { sagaId: "tick:5", occurredAt: "2026-01-01T00:01:00.000Z" }),
      ev("tick.started", {}, { sagaId: "saga-x" }),
    ]);
    expect([...state.ticks.keys()]).toEqual([tickKey(0, 5)]);
    expect(state.ticks.get(tickKey(0, 5))?.durationMs).toBe(60_000);
  });

  it("keeps only the newest 500 ticks", () => {
    const { ev } = eventSequence();
    const events = [];
    for (let tick = 1; tick <= 520; tick++) {
      events.push(
        ev("tick.started", { tick, candidates: [] }),
        ev("tick.completed", { tick, duration_ms: 1, outcomes: [] }),
      );
    }
    const state = foldEvents(emptyState(), events);
    expect(state.ticks.size).toBe(500);
    expect([...state.ticks.values()][0]?.tick).toBe(21);
  });
});
