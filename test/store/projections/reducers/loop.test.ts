import { describe, expect, it } from "vitest";
import type { StoredEvent } from "../../../../src/store/contract/envelope.js";
import { emptyState, foldEvents } from "../../../../src/store/projections/fold.js";
import type { LoopRow } from "../../../../src/store/projections/types.js";
import { eventSequence } from "../../../support/stored-events.js";

function loopAfter(build: (ev: ReturnType<typeof eventSequence>["ev"]) => StoredEvent[]): LoopRow {
  const row = foldEvents(emptyState(), build(eventSequence().ev)).loop.get("loop");
  if (!row) throw new Error("no loop row");
  return row;
}

const started = {
  runner_id: "r1",
  pid: 99,
  host: "h",
  version: "0.1.0",
  parallel: 3,
  tick_interval_s: 60,
  max_ticks: 0,
  tracker: "local",
  platform: "local",
  config_digest: "c",
  repo: "acme/app",
};

describe("loop projection", () => {
  it("records the runner when the loop starts", () => {
    const row = loopAfter((ev) => [ev("loop.started", started)]);
    expect(row).toMatchObject({
      status: "running",
      runnerId: "r1",
      pid: 99,
      host: "h",
      repo: "acme/app",
      parallel: 3,
      tickIntervalS: 60,
      maxTicks: 0,
      startedAt: "2026-11-20T09:00:01.000Z",
      lastSeq: 1,
    });
  });

  it("tracks halt (with mode and reason), resume and stop", () => {
    const halted = loopAfter((ev) => [
      ev("loop.started", started),
      ev("loop.halted", { reason: "operator", by: "operator", mode: "drain" }),
    ]);
    expect(halted).toMatchObject({ status: "halted", haltReason: "operator", haltMode: "drain" });
    const resumed = loopAfter((ev) => [
      ev("loop.started", started),
      ev("loop.halted", { reason: "drift", by: "engine", mode: "now" }),
      ev("loop.resumed", { by: "operator" }),
    ]);
    expect(resumed.status).toBe("running");
    expect(resumed.haltReason).toBeUndefined();
    expect(resumed.haltMode).toBeUndefined();
    const stopped = loopAfter((ev) => [
      ev("loop.started", started),
      ev("loop.stopped", { reason: "max_ticks", tick: 12 }),
    ]);
    expect(stopped).toMatchObject({ status: "stopped", haltReason: "max_ticks", tick: 12 });
    const idle = loopAfter((ev) => [
      ev("loop.started", started),
      ev("loop.stopped", { reason: "max_ticks", tick: 5, detail: "backlog idle" }),
    ]);
    expect(idle.haltReason).toBe("max_ticks: backlog idle");
  });

  it("keeps an engine halt through later ticks (drain: ticks run, no new work)", () => {
    const row = loopAfter((ev) => [
      ev("loop.started", started),
      ev("loop.halted", { reason: "operator", by: "operator", mode: "drain" }),
      ev("tick.started", { tick: 4, candidates: [] }),
    ]);
    expect(row).toMatchObject({ status: "halted", tick: 4 });
  });

  it("folds a Python database's legacy halts: a later tick means the runner is back", () => {
    const row = loopAfter((ev) => [
      ev("loop.halted", { legacy_kind: "loop_stop", reason: "loop_stop", tick: 0 }),
      ev("tick.started", { legacy_kind: "tick_start", tick: 1, issues: [412, 413] }),
    ]);
    expect(row).toMatchObject({ status: "running", tick: 1, run: 0 });
    const again = loopAfter((ev) => [
      ev("tick.started", { tick: 1, issues: [] }),
      ev("loop.halted", { legacy_kind: "loop_stop", reason: "loop_stop", tick: 2 }),
    ]);
    expect(again).toMatchObject({ status: "halted", haltReason: "loop_stop" });
    expect(again.haltMode).toBeUndefined();
  });

  it("shows a running loop for a log that starts with ticks, and a restarted one after a stop", () => {
    expect(
      loopAfter((ev) => [ev("tick.started", { tick: 3, run: 2, candidates: [] })]),
    ).toMatchObject({
      status: "running",
      tick: 3,
      run: 2,
    });
    const row = loopAfter((ev) => [
      ev("loop.stopped", { reason: "signal", tick: 3 }),
      ev("tick.completed", { tick: 3, duration_ms: 1, outcomes: [] }),
    ]);
    expect(row.status).toBe("stopped");
  });

  it("keeps the latest tick current when an earlier, overlapping tick completes after it started", () => {
    const row = loopAfter((ev) => [
      ev("tick.started", { tick: 5, candidates: [] }),
      ev("tick.started", { tick: 6, candidates: [] }),
      ev("tick.completed", { tick: 6, duration_ms: 0, outcomes: [] }),
      ev("tick.completed", { tick: 5, duration_ms: 5000, outcomes: [] }),
    ]);
    expect(row).toMatchObject({ tick: 6, run: 0 });
    // A Python runner's next run numbers its ticks from 1 again: that is later, not earlier.
    const nextRun = loopAfter((ev) => [
      ev("tick.started", { tick: 9, run: 1, candidates: [] }),
      ev("tick.completed", { tick: 1, run: 2, duration_ms: 1, outcomes: [] }),
    ]);
    expect(nextRun).toMatchObject({ tick: 1, run: 2 });
  });

  it("updates last seen on every event, known or not", () => {
    const row = loopAfter((ev) => [
      ev("loop.started", started),
      ev("some.future_kind", { x: 1 }, { occurredAt: "2026-12-01T00:00:00.000Z" }),
    ]);
    expect(row.lastSeq).toBe(2);
    expect(row.lastEventAt).toBe("2026-12-01T00:00:00.000Z");
  });

  it("keeps requested commands pending until the engine answers", () => {
    const pending = loopAfter((ev) => [
      ev("control.requested", { request_id: "a1", command: "halt", mode: "drain", by: "operator" }),
      ev("control.requested", { request_id: "b2", command: "retry", target: 42, by: "operator" }),
    ]);
    expect(pending.pendingControls).toEqual({
      a1: {
        requestId: "a1",
        command: "halt",
        mode: "drain",
        requestedAt: "2026-11-20T09:00:01.000Z",
        seq: 1,
      },
      b2: {
        requestId: "b2",
        command: "retry",
        target: 42,
        requestedAt: "2026-11-20T09:00:02.000Z",
        seq: 2,
      },
    });
    const answered = loopAfter((ev) => [
      ev("control.requested", { request_id: "a1", command: "halt", mode: "drain", by: "operator" }),
      ev("control.requested", { request_id: "b2", command: "retry", target: 42, by: "operator" }),
      ev(
        "control.applied",
        { request_id: "b2", command: "retry", result: "rejected", detail: "no such issue" },
        { causalSequence: 2 },
      ),
    ]);
    expect(Object.keys(answered.pendingControls)).toEqual(["a1"]);
    expect(answered.recentControls).toEqual([
      {
        requestId: "b2",
        command: "retry",
        target: 42,
        requestedAt: "2026-11-20T09:00:02.000Z",
        seq: 2,
        result: "rejected",
        detail: "no such issue",
        answeredAt: "2026-11-20T09:00:03.000Z",
      },
    ]);
  });

  it("records an answer to a request it never saw, from the answer alone", () => {
    const row = loopAfter((ev) => [
      ev(
        "control.applied",
        { request_id: "zz", command: "kill", result: "applied" },
        { causalSequence: 77 },
      ),
    ]);
    expect(row.recentControls).toEqual([
      expect.objectContaining({ requestId: "zz", command: "kill", result: "applied", seq: 77 }),
    ]);
  });

  it("bounds answered (20) and unanswered (50) commands, dropping the oldest", () => {
    const row = loopAfter((ev) => {
      const events: StoredEvent[] = [];
      for (let i = 0; i < 30; i++) {
        events.push(ev("control.requested", { request_id: `r${i}`, command: "resume", by: "op" }));
        events.push(
          ev("control.applied", { request_id: `r${i}`, command: "resume", result: "applied" }),
        );
      }
      for (let i = 0; i < 70; i++)
        events.push(ev("control.requested", { request_id: `p${i}`, command: "halt", by: "op" }));
      return events;
    });
    expect(row.recentControls.map((c) => c.requestId)).toEqual(
      Array.from({ length: 20 }, (_, i) => `r${i + 10}`),
    );
    expect(Object.keys(row.pendingControls)).toEqual(
      Array.from({ length: 50 }, (_, i) => `p${i + 20}`),
    );
  });

  it("treats hostile request ids as plain keys", () => {
    const row = loopAfter((ev) => [
      ev("control.requested", { request_id: "__proto__", command: "halt", by: "op" }),
      ev("control.requested", { request_id: "constructor", command: "halt", by: "op" }),
      ev("control.applied", { request_id: "constructor", command: "halt", result: "applied" }),
    ]);
    expect(Object.keys(row.pendingControls)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(row.pendingControls)).toBe(Object.prototype);
    expect(row.recentControls[0]?.requestId).toBe("constructor");
    expect(row.recentControls[0]?.requestedAt).toBe("2026-11-20T09:00:02.000Z");
  });

  it("reads wrong-typed payloads without throwing", () => {
    const row = loopAfter((ev) => [
      ev("loop.started", { runner_id: 5, pid: "x", parallel: -1, tick_interval_s: "60" }),
      ev("tick.started", { tick: "seven" }),
      ev("loop.halted", { reason: 3, mode: "sideways" }),
      ev("control.requested", { request_id: 12, command: "halt" }),
    ]);
    expect(row).toMatchObject({ status: "halted", haltReason: "unknown", pendingControls: {} });
    expect(row.haltMode).toBeUndefined();
    expect(row.runnerId).toBeUndefined();
  });
});
