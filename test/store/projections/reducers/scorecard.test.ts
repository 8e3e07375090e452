import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { StoredEvent } from "../../../../src/store/contract/envelope.js";
import { emptyState, foldEvents } from "../../../../src/store/projections/fold.js";
import type { LoopState, ScorecardRow } from "../../../../src/store/projections/types.js";
import { eventSequence } from "../../../support/stored-events.js";

type Ev = ReturnType<typeof eventSequence>["ev"];

function scorecardAfter(build: (ev: Ev) => StoredEvent[]): ScorecardRow {
  const row = foldEvents(emptyState(), build(eventSequence().ev)).scorecard.get("scorecard");
  if (!row) throw new Error("no scorecard");
  return row;
}

const at = (minute: number) => ({
  occurredAt: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString(),
});
const dispatch = (issue: number, attempt: number) =>
  [
    "task.dispatched",
    { issue, attempt, adapter: "a", branch: "b", worktree: "w", brief_digest: "d" },
  ] as const;
const verdict = (issue: number, attempt: number, blocking: boolean) =>
  [
    "critique.issued",
    { issue, attempt, overall: blocking ? "block" : "approve", blocking, findings: [] },
  ] as const;

describe("scorecard projection", () => {
  it("counts attempts, failures, merges, first-pass acceptance, lead time and cost", () => {
    const row = scorecardAfter((ev) => [
      // #1: approved at once, merged 30 min after being planned.
      ev("task.planned", { issue: 1, title: "a", labels: [] }, at(0)),
      ev(...dispatch(1, 1), at(5)),
      ev(...verdict(1, 1, false), at(20)),
      ev("pr.merged", { issue: 1, pr: 10, sha: "s", method: "squash" }, at(30)),
      ev("task.completed", { issue: 1, attempt: 1, pr: 10, duration_ms: 1, cost_usd: 0.5 }, at(31)),
      // #2: blocked first, fails, approved on the retry, merged 90 min after dispatch.
      ev(...dispatch(2, 1), at(10)),
      ev(...verdict(2, 1, true), at(20)),
      ev("task.failed", { issue: 2, attempt: 1, reason: "critic_blocked" }, at(21)),
      ev(...dispatch(2, 2), at(40)),
      ev(...verdict(2, 2, false), at(60)),
      ev("pr.merged", { issue: 2, pr: 11, sha: "s", method: "squash" }, at(100)),
      ev(
        "task.completed",
        { issue: 2, attempt: 2, pr: 11, duration_ms: 1, cost_usd: 1.25 },
        at(101),
      ),
      // #3: fails without a verdict; its failure reports a cost.
      ev(...dispatch(3, 1), at(50)),
      ev("task.failed", { issue: 3, attempt: 1, reason: "worker_error", cost_usd: 0.25 }, at(55)),
    ]);
    expect(row).toMatchObject({
      attempts: 4,
      failedAttempts: 2,
      merged: 2,
      completedTasks: 2,
      criticFirstVerdicts: 2,
      criticFirstPassAccepted: 1,
      leadTimeMsTotal: (30 + 90) * 60_000,
      leadTimeCount: 2,
      costUsdTotal: 2,
      costUsdMerged: 1.75,
      recentMerges: [1, 2],
    });
    expect(row.openTasks.flat().map((m) => m.issue)).toEqual([3]);
  });

  it("counts a merge reported several times once (legacy automerge, tick outcome, transition)", () => {
    const row = scorecardAfter((ev) => [
      ev("task.dispatched", { legacy_kind: "worker_start", issue: 7 }, at(0)),
      ev(
        "pr.merged",
        { legacy_kind: "post_critic_automerge_enabled", issue: 7, pr: 70, status: "merged" },
        at(10),
      ),
      ev(
        "task.dispatched",
        { legacy_kind: "worker_session_transition", issue: 7, new_state: "merged" },
        at(11),
      ),
      ev(
        "task.completed",
        { legacy_kind: "tick_done", issue: 7, pr_url: "https://x/pull/70", status: "merged" },
        at(12),
      ),
      ev(
        "pr.merged",
        { legacy_kind: "tick_done", issue: 7, pr_url: "https://x/pull/70", status: "merged" },
        at(12),
      ),
    ]);
    expect(row).toMatchObject({
      attempts: 1,
      merged: 1,
      completedTasks: 1,
      leadTimeCount: 1,
      leadTimeMsTotal: 10 * 60_000,
    });
  });

  it("counts a failure reported twice once, and a legacy merge seen only as a completion", () => {
    const row = scorecardAfter((ev) => [
      ev("task.dispatched", { legacy_kind: "worker_start", issue: 8 }),
      ev("task.failed", {
        legacy_kind: "stage_error",
        stage: "worker",
        issue: 8,
        status: "failed",
      }),
      ev("task.failed", { legacy_kind: "tick_done", issue: 8, status: "failed" }),
      ev("task.dispatched", { legacy_kind: "worker_start", issue: 8 }),
      ev("task.dispatched", {
        legacy_kind: "worker_session_transition",
        issue: 8,
        new_state: "running",
      }),
      ev("task.completed", { legacy_kind: "tick_done", issue: 8, status: "merged", cost_usd: 2 }),
    ]);
    expect(row).toMatchObject({
      attempts: 2,
      failedAttempts: 1,
      merged: 1,
      completedTasks: 1,
      costUsdMerged: 2,
    });
  });

  it("counts an attempt that failed before its dispatch was recorded, once", () => {
    const row = scorecardAfter((ev) => [
      ev("task.planned", { issue: 5, title: "t", labels: [] }),
      // Its worktree could not be made: no task.dispatched for attempt 1.
      ev("task.failed", { issue: 5, attempt: 1, reason: "worker_error", error: "git" }),
      ev("task.failed", { issue: 5, attempt: 1, reason: "worker_error", error: "git" }),
      ev(...dispatch(5, 2)),
      ev("task.failed", { issue: 5, attempt: 1, reason: "worker_error" }),
      ev("pr.merged", { issue: 5, pr: 1, sha: "s", method: "m" }),
      ev("task.completed", { issue: 5, attempt: 2, pr: 1, duration_ms: 1 }),
    ]);
    expect(row).toMatchObject({ attempts: 2, failedAttempts: 1, merged: 1, completedTasks: 1 });
  });

  it("agrees with the tasks view on attempts and failures, whatever the engine recorded", () => {
    // Per issue, attempts in order: each failed, merged or compensated, its end possibly
    // recorded twice; a failed one may have failed before its dispatch was recorded.
    const attempt = fc
      .record({
        dispatched: fc.boolean(),
        end: fc.constantFrom("failed", "merged", "compensated"),
        twice: fc.boolean(),
      })
      .map((a) => (a.end === "failed" ? a : { ...a, dispatched: true }));
    const history = fc.array(fc.array(attempt, { minLength: 1, maxLength: 4 }), {
      minLength: 1,
      maxLength: 6,
    });
    fc.assert(
      fc.property(history, fc.infiniteStream(fc.nat()), (issues, picks) => {
        const { ev } = eventSequence();
        const queues = issues.map((attempts, i) => engineEvents(ev, i + 1, attempts));
        const events: StoredEvent[] = [];
        const order = picks[Symbol.iterator]();
        for (let open = queues.filter((q) => q.length > 0); open.length > 0; ) {
          const queue = open[(order.next().value as number) % open.length] as StoredEvent[];
          events.push(queue.shift() as StoredEvent);
          open = open.filter((q) => q.length > 0);
        }
        const state = foldEvents(emptyState(), events);
        const row = state.scorecard.get("scorecard");
        expect(row?.failedAttempts).toBe(attemptsEnded(state, "failed"));
        expect(row?.attempts).toBe(attemptsEnded(state));
      }),
    );
  });

  it("counts a reopened issue's new merge", () => {
    const row = scorecardAfter((ev) => [
      ev(...dispatch(5, 1)),
      ev("pr.merged", { issue: 5, pr: 1, sha: "s", method: "m" }),
      ev("task.completed", { issue: 5, attempt: 1, duration_ms: 1 }),
      ev(...dispatch(5, 2)),
      ev(...verdict(5, 2, true)),
      ev("pr.merged", { issue: 5, pr: 2, sha: "s", method: "m" }),
    ]);
    expect(row).toMatchObject({
      merged: 2,
      attempts: 2,
      criticFirstVerdicts: 1,
      criticFirstPassAccepted: 0,
    });
  });

  it("counts only the first verdict of a task for first-pass acceptance", () => {
    const row = scorecardAfter((ev) => [
      ev(...dispatch(4, 1)),
      ev(...verdict(4, 1, true)),
      ev(...verdict(4, 1, false)),
      ev(...verdict(4, 2, false)),
    ]);
    expect(row).toMatchObject({ criticFirstVerdicts: 1, criticFirstPassAccepted: 0 });
  });

  it("remembers at most 256 tasks under way (16 per bucket) and the latest 50 merges", () => {
    const row = scorecardAfter((ev) => [
      ...Array.from({ length: 300 }, (_, i) => ev(...dispatch(i + 1, 1))),
      ...Array.from({ length: 80 }, (_, i) =>
        ev("pr.merged", { issue: 1000 + i, pr: i + 1, sha: "s", method: "m" }),
      ),
    ]);
    // In 16 buckets by issue number, each keeping its newest 16.
    const kept = row.openTasks.flat().map((m) => m.issue);
    const issues = Array.from({ length: 300 }, (_, i) => i + 1);
    const expected = issues.filter(
      (issue) => issues.filter((n) => n % 16 === issue % 16 && n > issue).length < 16,
    );
    expect(kept.sort((a, b) => a - b)).toEqual(expected);
    expect(row.openTasks[5]?.map((m) => m.issue)).toEqual(
      Array.from({ length: 16 }, (_, i) => 53 + 16 * i),
    );
    expect(row.recentMerges).toHaveLength(50);
    expect(row.recentMerges[0]).toBe(1030);
    expect(row.merged).toBe(80);
  });

  it("ignores events without an issue and unparsable times", () => {
    const row = scorecardAfter((ev) => [
      ev("task.dispatched", { attempt: 1 }),
      ev(...dispatch(1, 1), { occurredAt: "not a time" }),
      ev("pr.merged", { issue: 1, pr: 1 }, at(5)),
    ]);
    expect(row).toMatchObject({ attempts: 1, merged: 1, leadTimeCount: 0, leadTimeMsTotal: 0 });
  });
});

function engineEvents(
  ev: Ev,
  issue: number,
  attempts: { dispatched: boolean; end: string; twice: boolean }[],
): StoredEvent[] {
  const out: StoredEvent[] = [];
  attempts.forEach(({ dispatched, end, twice }, i) => {
    const n = i + 1;
    if (dispatched) out.push(ev(...dispatch(issue, n)));
    const ends =
      end === "failed"
        ? () => ev("task.failed", { issue, attempt: n, reason: "worker_error" })
        : end === "merged"
          ? () => ev("task.completed", { issue, attempt: n, duration_ms: 1 })
          : () => ev("task.compensated", { issue, attempt: n, action: "lease_reclaimed" });
    out.push(ends());
    if (twice) out.push(ends());
  });
  return out;
}

/** Attempts the tasks view holds (with this outcome), over every task. */
function attemptsEnded(state: LoopState, outcome?: string): number {
  let count = 0;
  for (const task of state.tasks.values()) {
    count += task.attempts.filter((a) => outcome === undefined || a.outcome === outcome).length;
  }
  return count;
}
