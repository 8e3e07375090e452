import { describe, expect, it } from "vitest";
import type { StoredEvent } from "../../../../src/store/contract/envelope.js";
import { emptyState, foldEvents } from "../../../../src/store/projections/fold.js";
import type { WorkerRow } from "../../../../src/store/projections/types.js";
import { eventSequence } from "../../../support/stored-events.js";

type Ev = ReturnType<typeof eventSequence>["ev"];

function workersAfter(build: (ev: Ev) => StoredEvent[]): Map<string, WorkerRow> {
  return foldEvents(emptyState(), build(eventSequence().ev)).workers;
}

const dispatch = (issue: number, attempt: number) =>
  [
    "task.dispatched",
    {
      issue,
      attempt,
      adapter: "codex",
      model: "o4",
      branch: "b",
      worktree: "w",
      brief_digest: "d",
    },
  ] as const;

describe("workers projection", () => {
  it("shows a dispatched attempt and refreshes it from heartbeats", () => {
    const workers = workersAfter((ev) => [
      ev(...dispatch(42, 2)),
      ev("task.heartbeat", {
        issue: 42,
        attempt: 2,
        turns: 7,
        tool_uses: 12,
        last_tool: "Bash(npm test)",
        cost_usd: 0.31,
        tokens: 9000,
        idle_ms: 1500,
      }),
    ]);
    expect(workers.get("42:2")).toEqual({
      issue: 42,
      attempt: 2,
      adapter: "codex",
      model: "o4",
      startedAt: "2026-11-20T09:00:01.000Z",
      lastHeartbeatAt: "2026-11-20T09:00:02.000Z",
      turns: 7,
      toolUses: 12,
      lastTool: "Bash(npm test)",
      costUsd: 0.31,
      tokens: 9000,
      idleMs: 1500,
      phase: "dispatched",
    });
  });

  it("follows the attempt through the gates", () => {
    const phases: string[] = [];
    const { ev } = eventSequence();
    const state = foldEvents(emptyState(), [ev(...dispatch(42, 1))]);
    for (const [kind, payload] of [
      ["checks.completed", { issue: 42, attempt: 1, passed: true, results: [] }],
      [
        "critique.issued",
        { issue: 42, attempt: 1, overall: "approve", blocking: false, findings: [] },
      ],
      ["checks.completed", { issue: 42, attempt: 1, passed: true, results: [] }],
      [
        "pr.opened",
        { issue: 42, attempt: 1, pr: 3, url: "u", branch: "b", base: "main", draft: false },
      ],
    ] as const) {
      foldEvents(state, [ev(kind, payload)]);
      phases.push(state.workers.get("42:1")?.phase ?? "none");
    }
    expect(phases).toEqual(["checks", "critic", "critic", "pr"]);
  });

  it.each([
    ["task.completed", { issue: 42, attempt: 1, duration_ms: 1 }],
    ["task.failed", { issue: 42, attempt: 1, reason: "killed" }],
    ["task.compensated", { issue: 42, attempt: 1, action: "lease_reclaimed" }],
  ])("removes the attempt on %s", (kind, payload) => {
    const workers = workersAfter((ev) => [
      ev(...dispatch(42, 1)),
      ev(...dispatch(43, 1)),
      ev(kind, payload),
    ]);
    expect([...workers.keys()]).toEqual(["43:1"]);
  });

  it("never shows an attempt it did not see start, nor one that ended (late heartbeat)", () => {
    const workers = workersAfter((ev) => [
      ev("task.heartbeat", { issue: 5, attempt: 1, turns: 1, tool_uses: 0, idle_ms: 0 }),
      ev("checks.completed", { issue: 5, attempt: 1, passed: true, results: [] }),
      ev(...dispatch(6, 1)),
      ev("task.completed", { issue: 6, attempt: 1, duration_ms: 1 }),
      ev("task.heartbeat", { issue: 6, attempt: 1, turns: 9, tool_uses: 0, idle_ms: 0 }),
    ]);
    expect(workers.size).toBe(0);
  });

  it("keeps a durable tool observation as the last tool", () => {
    const workers = workersAfter((ev) => [
      ev(...dispatch(42, 1)),
      ev("worker.observation", { issue: 42, attempt: 1, what: "tool", summary: "Read src/x.ts" }),
      ev("worker.observation", { issue: 42, attempt: 1, what: "message", summary: "thinking" }),
    ]);
    expect(workers.get("42:1")?.lastTool).toBe("Read src/x.ts");
  });

  it("tracks a legacy worker (no attempt number) as <issue>:0 until its end", () => {
    const started = workersAfter((ev) => [
      ev("task.dispatched", {
        legacy_kind: "worker_start",
        issue: "413",
        branch: "loop/413",
        past_attempts: 2,
        tick: 1,
      }),
      ev("task.heartbeat", {
        legacy_kind: "watchdog_worker_stuck",
        issue: 413,
        idle_s: 901.5,
        stuck_after_s: 900,
      }),
    ]);
    expect(started.get("413:0")).toMatchObject({ issue: 413, attempt: 3, idleMs: 901_500 });
    const killed = workersAfter((ev) => [
      ev("task.dispatched", { legacy_kind: "worker_start", issue: 413 }),
      ev("task.heartbeat", {
        legacy_kind: "watchdog_worker_killed",
        issue: 413,
        idle_s: 2000,
        kill_after_s: 1800,
      }),
    ]);
    expect(killed.size).toBe(0);
    const done = workersAfter((ev) => [
      ev("task.dispatched", { legacy_kind: "worker_start", issue: 413 }),
      ev("task.completed", { legacy_kind: "tick_done", issue: 413, status: "merged" }),
    ]);
    expect(done.size).toBe(0);
    const abandoned = workersAfter((ev) => [
      ev("task.dispatched", { legacy_kind: "worker_start", issue: 413 }),
      ev("task.dispatched", {
        legacy_kind: "worker_session_transition",
        issue: 413,
        new_state: "ABANDONED",
      }),
    ]);
    expect(abandoned.size).toBe(0);
  });
});
