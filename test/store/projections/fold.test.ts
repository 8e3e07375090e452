import { describe, expect, it } from "vitest";
import { projectionNames, projections } from "../../../src/store/projections/all.js";
import {
  deserializeState,
  emptyState,
  foldEvent,
  foldEvents,
  serializeState,
} from "../../../src/store/projections/fold.js";
import { eventSequence } from "../../support/stored-events.js";

function ticks(count: number, first = 1) {
  const s = eventSequence();
  return Array.from({ length: count }, (_, i) =>
    s.ev("tick.started", { tick: first + i, candidates: [] }),
  );
}

describe("emptyState", () => {
  it("starts at sequence 0 with an empty map for every projection, in the fixed order", () => {
    const state = emptyState();
    expect(state.seq).toBe(0);
    for (const name of projectionNames) expect(state[name].size).toBe(0);
    expect(projections.map((p) => p.name)).toEqual([...projectionNames]);
  });
});

describe("foldEvent", () => {
  it("folds in place, returning the same state with seq set to the event's sequence", () => {
    const state = emptyState();
    const s = eventSequence(7);
    const out = foldEvent(state, s.ev("task.planned", { issue: 3, title: "t", labels: [] }));
    expect(out).toBe(state);
    expect(state.seq).toBe(7);
    expect(state.tasks.get("3")?.status).toBe("planned");
  });

  it("ignores an event already folded (sequence not past seq)", () => {
    const s = eventSequence();
    const first = s.ev("task.planned", { issue: 3, title: "first", labels: [] });
    const state = foldEvent(emptyState(), first);
    const before = serializeState(state);
    foldEvent(state, { ...first, payload: { issue: 3, title: "again", labels: [] } });
    expect(serializeState(state)).toBe(before);
  });

  it("bumps the loop's last sequence for kinds no projection knows", () => {
    const s = eventSequence();
    const state = foldEvents(emptyState(), [
      s.ev("x.unknown", { a: 1 }),
      s.ev("memory.promoted", {}),
    ]);
    expect(state.loop.get("loop")?.lastSeq).toBe(2);
    expect(state.tasks.size).toBe(0);
  });

  it("deletes a row its reducer drops", () => {
    const s = eventSequence();
    const state = foldEvents(emptyState(), [
      s.ev("task.dispatched", {
        issue: 5,
        attempt: 1,
        adapter: "claude",
        branch: "b",
        worktree: "w",
        brief_digest: "d",
      }),
    ]);
    expect([...state.workers.keys()]).toEqual(["5:1"]);
    foldEvent(state, s.ev("task.completed", { issue: 5, attempt: 1, duration_ms: 10 }));
    expect(state.workers.size).toBe(0);
  });

  it("evicts the oldest-inserted rows past `retain`", () => {
    const state = foldEvents(emptyState(), ticks(600));
    expect(state.ticks.size).toBe(500);
    expect(state.ticks.values().next().value?.tick).toBe(101);
  });

  it("keeps an updated row in its first-insert place, so it is still evicted first", () => {
    const state = foldEvents(emptyState(), ticks(500));
    const s = eventSequence(501);
    foldEvent(state, s.ev("tick.completed", { tick: 1, duration_ms: 5, outcomes: [] }));
    expect(state.ticks.size).toBe(500);
    expect([...state.ticks.values()][0]?.tick).toBe(1);
    foldEvent(state, s.ev("tick.started", { tick: 501, candidates: [] }));
    expect([...state.ticks.values()][0]?.tick).toBe(2);
    expect([...state.ticks.values()].at(-1)?.tick).toBe(501);
  });
});

describe("serializeState / deserializeState", () => {
  it("round-trips the state, keeping each map's insertion order", () => {
    const s = eventSequence();
    const state = foldEvents(emptyState(), [
      s.ev("task.planned", { issue: 9, title: "nine", labels: ["a"] }),
      s.ev("task.planned", { issue: 2, title: "two", labels: [] }),
      s.ev("tick.started", { tick: 4, candidates: [] }),
      s.ev("tick.started", { tick: 3, candidates: [] }),
    ]);
    const copy = deserializeState(serializeState(state));
    expect(copy.seq).toBe(4);
    expect([...copy.tasks.keys()]).toEqual(["9", "2"]);
    expect([...copy.ticks.values()].map((t) => t.tick)).toEqual([4, 3]);
    expect(serializeState(copy)).toBe(serializeState(state));
  });

  it("stores entries arrays, not objects (object keys that look like integers would reorder)", () => {
    const json = JSON.parse(serializeState(emptyState())) as { rows: Record<string, unknown> };
    for (const name of projectionNames) expect(json.rows[name]).toEqual([]);
  });

  it("starts a projection missing from an older snapshot empty", () => {
    const state = deserializeState(JSON.stringify({ version: 1, seq: 12, rows: {} }));
    expect(state.seq).toBe(12);
    for (const name of projectionNames) expect(state[name].size).toBe(0);
  });

  it.each([
    ["not JSON", "{oops", /JSON|Unexpected|Expected/],
    ["another version", JSON.stringify({ version: 2, seq: 1, rows: {} }), /version 1/],
    ["an array", "[]", /version 1/],
    ["a bad seq", JSON.stringify({ version: 1, seq: -1, rows: {} }), /seq/],
    ["rows not an object", JSON.stringify({ version: 1, seq: 1, rows: [] }), /rows/],
    [
      "rows of a projection not a list",
      JSON.stringify({ version: 1, seq: 1, rows: { tasks: {} } }),
      /tasks/,
    ],
    [
      "an entry not a pair",
      JSON.stringify({ version: 1, seq: 1, rows: { tasks: [["1"]] } }),
      /tasks/,
    ],
    [
      "a row not an object",
      JSON.stringify({ version: 1, seq: 1, rows: { loop: [["loop", 3]] } }),
      /loop/,
    ],
  ])("rejects %s with an error naming the problem", (_what, text, message) => {
    expect(() => deserializeState(text)).toThrow(message);
  });
});
