import { describe, expect, it } from "vitest";
import type { StoredEvent } from "../../../../src/store/contract/envelope.js";
import { emptyState, foldEvents } from "../../../../src/store/projections/fold.js";
import type { TaskRow } from "../../../../src/store/projections/types.js";
import { eventSequence } from "../../../support/stored-events.js";

type Ev = ReturnType<typeof eventSequence>["ev"];

function taskAfter(issue: number, build: (ev: Ev) => StoredEvent[]): TaskRow | undefined {
  return foldEvents(emptyState(), build(eventSequence().ev)).tasks.get(String(issue));
}

function mustTask(issue: number, build: (ev: Ev) => StoredEvent[]): TaskRow {
  const row = taskAfter(issue, build);
  if (!row) throw new Error(`no task ${issue}`);
  return row;
}

const planned = (issue = 42) =>
  [
    "task.planned",
    { issue, title: "Add retry", labels: ["bug"], fingerprint: "fp", priority: "p1" },
  ] as const;
const dispatch = (attempt: number, issue = 42) =>
  [
    "task.dispatched",
    {
      issue,
      attempt,
      adapter: "claude",
      model: "sonnet",
      branch: `loop/${issue}`,
      worktree: `/wt/${issue}`,
      brief_digest: "bd",
    },
  ] as const;
const heartbeat = (attempt: number, turns: number, cost: number) =>
  [
    "task.heartbeat",
    {
      issue: 42,
      attempt,
      turns,
      tool_uses: turns * 2,
      last_tool: "Bash",
      cost_usd: cost,
      idle_ms: 10,
    },
  ] as const;
const checks = (attempt: number, passed: boolean) =>
  [
    "checks.completed",
    {
      issue: 42,
      attempt,
      passed,
      results: [
        {
          command: "npm test",
          exit_code: passed ? 0 : 1,
          duration_ms: 900,
          output_tail: passed ? "ok" : "FAIL x",
        },
      ],
    },
  ] as const;
const critique = (attempt: number, blocking: boolean) =>
  [
    "critique.issued",
    {
      issue: 42,
      attempt,
      overall: blocking ? "block" : "approve",
      blocking,
      findings: blocking ? [{ severity: "sev1", category: "tests", message: "no test" }] : [],
      sev_counts: { sev1: blocking ? 1 : 0, sev2: 0, sev3: 0 },
      duration_ms: 5000,
      parse_retries: 0,
      pr: 12,
    },
  ] as const;
const opened = (attempt: number) =>
  [
    "pr.opened",
    {
      issue: 42,
      attempt,
      pr: 12,
      url: "https://github.com/o/r/pull/12",
      branch: "loop/42",
      base: "main",
      draft: false,
    },
  ] as const;

describe("tasks projection: the engine's path", () => {
  it("walks planned → running → checks → critic → pr_open → merged", () => {
    const statuses: string[] = [];
    const { ev } = eventSequence();
    const state = emptyState();
    const steps = [
      planned(),
      dispatch(1),
      heartbeat(1, 3, 0.05),
      checks(1, true),
      critique(1, false),
      opened(1),
      ["pr.merged", { issue: 42, pr: 12, sha: "abc", method: "squash" }] as const,
      [
        "task.completed",
        { issue: 42, attempt: 1, pr: 12, duration_ms: 60_000, cost_usd: 0.42 },
      ] as const,
    ];
    for (const [kind, payload] of steps) {
      foldEvents(state, [ev(kind, payload)]);
      statuses.push(state.tasks.get("42")?.status ?? "none");
    }
    expect(statuses).toEqual([
      "planned",
      "running",
      "running",
      "checks",
      "critic",
      "pr_open",
      "merged",
      "merged",
    ]);
    const row = state.tasks.get("42");
    expect(row).toMatchObject({
      issue: 42,
      title: "Add retry",
      labels: ["bug"],
      priority: "p1",
      fingerprint: "fp",
      attempt: 1,
      pr: 12,
      prUrl: "https://github.com/o/r/pull/12",
      verdict: "approve",
      costUsd: 0.42,
      firstSeenSeq: 1,
      updatedSeq: 8,
      completedAt: "2026-11-20T09:00:08.000Z",
    });
    expect(row?.attempts).toEqual([
      expect.objectContaining({
        attempt: 1,
        adapter: "claude",
        model: "sonnet",
        branch: "loop/42",
        worktree: "/wt/42",
        dispatchSeq: 2,
        outcome: "completed",
        phase: "merge",
        pr: 12,
        turns: 3,
        toolUses: 6,
        lastTool: "Bash",
        costUsd: 0.42,
        durationMs: 60_000,
        endSeq: 8,
        checks: {
          passed: true,
          results: [{ command: "npm test", exitCode: 0, durationMs: 900, outputTail: "ok" }],
        },
        verdict: expect.objectContaining({ overall: "approve", blocking: false, seq: 5 }),
      }),
    ]);
  });

  it("records a failure with its error, stderr tail and retry time, then retries", () => {
    const failedRow = mustTask(42, (ev) => [
      ev(...planned()),
      ev(...dispatch(1)),
      ev(...heartbeat(1, 5, 0.2)),
      ev(...checks(1, false)),
      ev("task.failed", {
        issue: 42,
        attempt: 1,
        reason: "checks_failed",
        error: "npm test exited 1",
        stderr_tail: "boom",
        retry_at: "2026-11-20T10:00:00.000Z",
      }),
    ]);
    expect(failedRow).toMatchObject({
      status: "failed",
      lastReason: "checks_failed",
      lastError: "npm test exited 1",
      retryAt: "2026-11-20T10:00:00.000Z",
      costUsd: 0,
    });
    expect(failedRow.attempts[0]).toMatchObject({
      outcome: "failed",
      phase: "checks",
      reason: "checks_failed",
      stderrTail: "boom",
      retryAt: "2026-11-20T10:00:00.000Z",
      costUsd: 0.2,
      checks: { passed: false },
    });

    const retried = mustTask(42, (ev) => [
      ev(...planned()),
      ev(...dispatch(1)),
      ev("task.failed", {
        issue: 42,
        attempt: 1,
        reason: "worker_error",
        error: "crash",
        retry_at: "2026-11-20T10:00:00.000Z",
      }),
      ev(...planned()),
      ev(...dispatch(2)),
    ]);
    expect(retried).toMatchObject({ status: "running", attempt: 2, lastError: "crash" });
    expect(retried.retryAt).toBeUndefined();
    expect(retried.attempts.map((a) => [a.attempt, a.outcome])).toEqual([
      [1, "failed"],
      [2, "running"],
    ]);
  });

  it("sums cost from final results only, never from heartbeats", () => {
    const row = mustTask(42, (ev) => [
      ev(...dispatch(1)),
      ev(...heartbeat(1, 9, 3.5)),
      ev("task.failed", { issue: 42, attempt: 1, reason: "timeout" }),
      ev(...dispatch(2)),
      ev(...heartbeat(2, 4, 0.3)),
      ev("task.completed", { issue: 42, attempt: 2, duration_ms: 5, cost_usd: 0.25 }),
    ]);
    expect(row.costUsd).toBe(0.25);
    expect(row.attempts.map((a) => a.costUsd)).toEqual([3.5, 0.25]);
    expect(row.status).toBe("completed");
  });

  it("a critic block keeps the task at the critic until the attempt fails", () => {
    const row = mustTask(42, (ev) => [
      ev(...dispatch(1)),
      ev(...checks(1, true)),
      ev(...critique(1, true)),
      ev("merge.blocked", { issue: 42, pr: 12, reason: "critic_blocked" }),
    ]);
    expect(row).toMatchObject({ status: "critic", verdict: "block", lastReason: "critic_blocked" });
    expect(row.attempts[0]?.verdict?.findings).toEqual([
      { severity: "sev1", category: "tests", message: "no test" },
    ]);
  });

  it.each([
    ["risk_gated", "needs_human"],
    ["max_attempts", "blocked"],
    ["cooldown", "cooldown"],
    ["halted", "skipped"],
  ])("a skip for %s leaves an idle task %s", (reason, status) => {
    const row = mustTask(42, (ev) => [
      ev(...planned()),
      ev("task.skipped", { issue: 42, reason, until: "2026-11-21T00:00:00.000Z" }),
    ]);
    expect(row).toMatchObject({ status, skipReason: reason });
    if (reason === "cooldown") expect(row.retryAt).toBe("2026-11-21T00:00:00.000Z");
  });

  it.each(["in_flight", "cooldown", "halted"])(
    "a skip for %s leaves the running task alone, with no note left behind once it ends",
    (reason) => {
      const skippedWhileRunning = (ev: Ev) => [
        ev(...dispatch(1)),
        ev(...checks(1, true)),
        ev("task.skipped", { issue: 42, reason }),
      ];
      const row = mustTask(42, skippedWhileRunning);
      expect(row.status).toBe("checks");
      expect(row.skipReason).toBeUndefined();
      const ended = mustTask(42, (ev) => [
        ...skippedWhileRunning(ev),
        ev("task.completed", { issue: 42, attempt: 1 }),
      ]);
      expect(ended.status).toBe("completed");
      expect(ended.skipReason).toBeUndefined();
    },
  );

  it.each([
    ["risk:high — PR left open for a human", "needs_human"],
    ["max_attempts reached; labelled loop:blocked", "blocked"],
  ])("merge.blocked %j makes the task %s, and the attempt's failure keeps it", (reason, status) => {
    const row = mustTask(42, (ev) => [
      ev(...dispatch(1)),
      ev(...opened(1)),
      ev("merge.blocked", { issue: 42, pr: 12, reason }),
      ev("task.failed", { issue: 42, attempt: 1, reason: "merge_blocked" }),
    ]);
    expect(row).toMatchObject({ status, lastReason: "merge_blocked" });
    const redispatched = mustTask(42, (ev) => [
      ev(...dispatch(1)),
      ev("merge.blocked", { issue: 42, reason }),
      ev(...dispatch(2)),
    ]);
    expect(redispatched.status).toBe("running");
  });

  it("a risk-gated attempt that completes with its PR open stays with the human", () => {
    const row = mustTask(42, (ev) => [
      ev(...dispatch(1)),
      ev(...opened(1)),
      ev("merge.blocked", { issue: 42, pr: 12, reason: "risk_gated" }),
      ev("task.completed", { issue: 42, attempt: 1, pr: 12, duration_ms: 5 }),
    ]);
    expect(row.status).toBe("needs_human");
  });

  it("compensates a running attempt, but not one that already ended", () => {
    const running = mustTask(42, (ev) => [
      ev(...dispatch(1)),
      ev("task.compensated", { issue: 42, attempt: 1, action: "lease_reclaimed" }),
    ]);
    expect(running).toMatchObject({ status: "compensated", lastReason: "lease_reclaimed" });
    expect(running.attempts[0]).toMatchObject({
      outcome: "compensated",
      reason: "lease_reclaimed",
    });
    const ended = mustTask(42, (ev) => [
      ev(...dispatch(1)),
      ev("task.failed", { issue: 42, attempt: 1, reason: "timeout" }),
      ev("task.compensated", { issue: 42, attempt: 1, action: "worktree_removed" }),
    ]);
    expect(ended.status).toBe("failed");
    expect(ended.attempts[0]?.outcome).toBe("failed");
  });

  it("news about an older attempt does not move the task's status", () => {
    const row = mustTask(42, (ev) => [
      ev(...dispatch(1)),
      ev(...dispatch(2)),
      ev("task.failed", { issue: 42, attempt: 1, reason: "stale" }),
      ev(...checks(1, true)),
    ]);
    expect(row.status).toBe("running");
    expect(row.attempts.map((a) => a.outcome)).toEqual(["failed", "running"]);
  });

  it("keeps the last 20 attempts", () => {
    const row = mustTask(42, (ev) => {
      const events: StoredEvent[] = [];
      for (let a = 1; a <= 25; a++) {
        events.push(
          ev(...dispatch(a)),
          ev("task.failed", { issue: 42, attempt: a, reason: "worker_error" }),
        );
      }
      return events;
    });
    expect(row.attempt).toBe(25);
    expect(row.attempts).toHaveLength(20);
    expect(row.attempts[0]?.attempt).toBe(6);
  });

  it("does not bring back a dropped attempt, nor start a task from a stray heartbeat", () => {
    const row = mustTask(42, (ev) => {
      const events: StoredEvent[] = [];
      for (let a = 1; a <= 21; a++) events.push(ev(...dispatch(a)));
      events.push(ev("task.failed", { issue: 42, attempt: 1, reason: "stale" }));
      return events;
    });
    expect(row.attempts.map((a) => a.attempt)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    expect(row.status).toBe("running");
    expect(row.lastReason).toBeUndefined();
    expect(
      taskAfter(7, (ev) => [
        ev("task.heartbeat", { issue: 7, attempt: 1, turns: 1, tool_uses: 1, idle_ms: 0 }),
      ]),
    ).toBeUndefined();
  });

  it("bounds what it keeps of hostile text", () => {
    const row = mustTask(42, (ev) => [
      ev("task.planned", {
        issue: 42,
        title: "x".repeat(10_000),
        labels: Array.from({ length: 500 }, (_, i) => `l${i}`),
        fingerprint: "f",
      }),
      ev(...dispatch(1)),
      ev("task.failed", {
        issue: 42,
        attempt: 1,
        reason: "worker_error",
        error: "e".repeat(50_000),
        stderr_tail: `${"s".repeat(50_000)}END`,
      }),
    ]);
    expect(row.title?.length).toBe(300);
    expect(row.labels).toHaveLength(50);
    expect(row.lastError?.length).toBe(2000);
    expect(row.attempts[0]?.stderrTail?.length).toBe(4000);
    expect(row.attempts[0]?.stderrTail?.endsWith("END")).toBe(true);
  });
});

describe("tasks projection: legacy records", () => {
  it("finds the issue as a string, under `number`, or in the task id", () => {
    const { ev } = eventSequence();
    const state = foldEvents(emptyState(), [
      ev("task.planned", { issue: "427" }),
      ev("task.planned", { number: 428 }),
      ev("task.planned", {}, { taskId: "issue:429" }),
      ev("task.planned", { issue: "junk" }),
    ]);
    expect([...state.tasks.keys()]).toEqual(["427", "428", "429"]);
  });

  it("numbers attempts itself: a dispatch while the attempt runs is the same attempt", () => {
    const row = mustTask(413, (ev) => [
      ev("task.planned", { legacy_kind: "po_done", issue: 413, expanded: [413], tick: 1 }),
      ev("task.dispatched", {
        legacy_kind: "worker_start",
        issue: 413,
        branch: "loop/413",
        past_attempts: 0,
        title: "Résumé parser",
        worktree: "/wt/loop-413",
        tick: 1,
      }),
      ev("task.dispatched", {
        legacy_kind: "worker_session_transition",
        issue: 413,
        session_id: "s1",
        prior_state: "STARTING",
        new_state: "RUNNING",
        reason: "",
      }),
      ev("task.heartbeat", {
        legacy_kind: "watchdog_worker_stuck",
        issue: 413,
        idle_s: 900,
        stuck_after_s: 900,
      }),
      ev("task.failed", {
        legacy_kind: "stage_error",
        stage: "worker",
        issue: 413,
        status: "failed",
        error: "boom",
      }),
      ev("task.dispatched", {
        legacy_kind: "worker_start",
        issue: 413,
        branch: "loop/413",
        past_attempts: 1,
      }),
    ]);
    expect(row).toMatchObject({
      title: "Résumé parser",
      status: "running",
      attempt: 2,
      lastError: "boom",
      lastReason: "failed",
    });
    expect(row.attempts.map((a) => [a.attempt, a.outcome, a.branch])).toEqual([
      [1, "failed", "loop/413"],
      [2, "running", "loop/413"],
    ]);
  });

  it("reads a session transition by its new state (awaiting_critic, abandoned, merged)", () => {
    const transition = (newState: string, extra: Record<string, unknown> = {}) =>
      [
        "task.dispatched",
        {
          legacy_kind: "worker_session_transition",
          issue: 9,
          session_id: "s",
          prior_state: "x",
          new_state: newState,
          reason: "r",
          ...extra,
        },
      ] as const;
    const awaiting = mustTask(9, (ev) => [
      ev(...transition("running")),
      ev(...transition("AWAITING_CRITIC", { pr_url: "https://github.com/o/r/pull/77" })),
    ]);
    expect(awaiting).toMatchObject({ status: "pr_open", pr: 77, attempt: 1 });
    const abandoned = mustTask(9, (ev) => [
      ev(...transition("running")),
      ev(...transition("abandoned")),
    ]);
    expect(abandoned).toMatchObject({ status: "failed", lastReason: "r" });
    const merged = mustTask(9, (ev) => [ev(...transition("running")), ev(...transition("merged"))]);
    expect(merged.status).toBe("merged");
    expect(merged.attempts).toHaveLength(1);
  });

  it("folds a tick_done outcome (pr.opened, task.completed merged, pr.merged) reported twice without double counting", () => {
    const outcome = {
      legacy_kind: "tick_done",
      tick: 4,
      issue: 55,
      title: "t",
      pr_url: "https://github.com/o/r/pull/9",
      status: "merged",
      duration_s: 30,
      error: null,
    };
    const row = mustTask(55, (ev) => [
      ev("task.dispatched", { legacy_kind: "worker_start", issue: 55 }),
      ev("pr.opened", {
        legacy_kind: "tick_done",
        tick: 4,
        issue: 55,
        status: "merged",
        pr_url: outcome.pr_url,
      }),
      ev("task.completed", { ...outcome, cost_usd: 1 }),
      ev("task.completed", { ...outcome, cost_usd: 1 }),
      ev("pr.merged", {
        legacy_kind: "tick_done",
        tick: 4,
        issue: 55,
        status: "merged",
        pr_url: outcome.pr_url,
      }),
    ]);
    expect(row).toMatchObject({ status: "merged", pr: 9, prUrl: outcome.pr_url, costUsd: 1 });
    expect(row.attempts[0]).toMatchObject({
      outcome: "completed",
      phase: "merge",
      durationMs: 30_000,
    });
  });

  it("a legacy completion with its PR still open shows pr_open", () => {
    const row = mustTask(56, (ev) => [
      ev("task.dispatched", { issue: 56 }),
      ev("task.completed", {
        legacy_kind: "tick_done",
        issue: 56,
        status: "open",
        pr_url: "https://x/pull/3",
      }),
    ]);
    expect(row.status).toBe("pr_open");
  });

  it("a completion or failure for a task never seen dispatched makes its attempt", () => {
    const row = mustTask(60, (ev) => [
      ev("task.failed", { legacy_kind: "tick_done", issue: 60, status: "timeout" }),
    ]);
    expect(row).toMatchObject({ status: "failed", attempt: 1, lastReason: "timeout" });
  });
});
