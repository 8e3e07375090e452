/**
 * Folding what the Python forge-loop wrote: the rows of a real Python database (the chain
 * vectors recorded from one), and a legacy runner's records as the mirror stores them.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseStoredPayload, type StoredEvent } from "../../../src/store/contract/envelope.js";
import { emptyState, foldEvents } from "../../../src/store/projections/fold.js";
import { tickKey } from "../../../src/store/projections/reducers/ticks.js";
import { eventSequence } from "../../support/stored-events.js";

interface VectorRow {
  sequence: number;
  event_id: string;
  kind: string;
  payload_json: string;
  schema_version: number;
  occurred_at: string;
  task_id: string | null;
  saga_id: string | null;
  idempotency_key: string;
}

const vectors = JSON.parse(
  readFileSync(
    new URL("../../support/fixtures/python-chain-vectors.json", import.meta.url),
    "utf8",
  ),
) as {
  scheme_339_chain_hash: { from_reference_db: VectorRow[] };
  scheme_338_event_hash: { from_variant_db: VectorRow[] };
};

function stored(row: VectorRow): StoredEvent {
  const parsed = parseStoredPayload(row.payload_json);
  return {
    sequence: row.sequence,
    eventId: row.event_id,
    kind: row.kind,
    payload: parsed.payload,
    payloadJson: row.payload_json,
    schemaVersion: row.schema_version,
    occurredAt: row.occurred_at,
    taskId: row.task_id,
    sagaId: row.saga_id,
    causalEventId: null,
    causalSequence: null,
    idempotencyKey: row.idempotency_key,
    chainHash: null,
  };
}

describe("a Python forge-loop database", () => {
  it.each([
    ["#339 reference", vectors.scheme_339_chain_hash.from_reference_db],
    ["#338 variant", vectors.scheme_338_event_hash.from_variant_db],
  ])("folds the %s rows", (_name, rows) => {
    const events = rows.map(stored);
    const state = foldEvents(emptyState(), events);
    const last = events.at(-1) as StoredEvent;
    expect(state.seq).toBe(last.sequence);
    expect(state.loop.get("loop")).toMatchObject({
      status: "halted",
      haltReason: "loop_stop",
      tick: 2,
      lastSeq: last.sequence,
      lastEventAt: last.occurredAt,
    });
    expect(state.ticks.get(tickKey(0, 1))).toMatchObject({ tick: 1, candidates: 3 });
    const task = state.tasks.get("413");
    expect(task).toMatchObject({
      issue: 413,
      title: "Résumé parser – handle “smart quotes” in PR bodies",
      status: "running",
      attempt: 1,
    });
    expect(task?.attempts[0]).toMatchObject({
      attempt: 1,
      outcome: "running",
      branch: "loop/413",
      worktree: "/home/loop/.forge/worktrees/forge-loop/loop-413",
    });
    expect([...state.workers.keys()]).toEqual(["413:0"]);
    expect(state.scorecard.get("scorecard")).toMatchObject({ attempts: 1, merged: 0 });
  });
});

describe("a legacy runner's records, as mirrored", () => {
  it("follow the mapping of EVENTS.md to the same rows our engine's events give", () => {
    const { ev } = eventSequence();
    const issue = { task: { taskId: "issue:427" }, tick: (n: number) => ({ sagaId: `tick:${n}` }) };
    const events = [
      ev(
        "tick.started",
        { legacy_kind: "tick_start", tick: 1, run: 0, issues: [427, 428] },
        issue.tick(1),
      ),
      ev(
        "task.planned",
        { legacy_kind: "po_done", tick: 1, issue: 427, expanded: [427], skipped: [] },
        { ...issue.task, ...issue.tick(1) },
      ),
      ev(
        "task.dispatched",
        {
          legacy_kind: "worker_start",
          tick: 1,
          issue: "427",
          branch: "loop/427",
          past_attempts: 0,
          title: "Fix it",
          worktree: "/wt/427",
        },
        issue.task,
      ),
      ev(
        "task.heartbeat",
        { legacy_kind: "watchdog_worker_stuck", issue: 427, idle_s: 950, stuck_after_s: 900 },
        issue.task,
      ),
      ev(
        "critique.issued",
        {
          legacy_kind: "critic_done",
          issue: 427,
          pr: 31,
          verdict: "block",
          reasons: ["sev1: crash"],
          duration_s: 40,
          sev_counts: { sev1: 1, sev2: 0, sev3: 0 },
          parse_retries: 0,
        },
        issue.task,
      ),
      ev(
        "merge.blocked",
        { legacy_kind: "critic_verdict_blocked", issue: 427, pr: 31, reasons: ["sev1: crash"] },
        issue.task,
      ),
      ev(
        "tick.completed",
        {
          legacy_kind: "tick_done",
          tick: 1,
          run: 0,
          merged: 0,
          outcomes: [
            {
              issue: 427,
              title: "Fix it",
              pr_url: "https://github.com/o/r/pull/31",
              status: "failed",
              duration_s: 600,
              error: "critic blocked",
            },
          ],
        },
        issue.tick(1),
      ),
      ev(
        "pr.opened",
        {
          legacy_kind: "tick_done",
          tick: 1,
          issue: 427,
          status: "failed",
          pr_url: "https://github.com/o/r/pull/31",
        },
        { ...issue.task, ...issue.tick(1) },
      ),
      ev(
        "task.failed",
        {
          legacy_kind: "tick_done",
          tick: 1,
          issue: 427,
          title: "Fix it",
          pr_url: "https://github.com/o/r/pull/31",
          status: "failed",
          duration_s: 600,
          error: "critic blocked",
        },
        { ...issue.task, ...issue.tick(1) },
      ),
      // The runner restarts (a new run): its tick counter starts again at 1.
      ev("loop.halted", { legacy_kind: "loop_stop", reason: "loop_stop", tick: 1 }),
      ev(
        "tick.started",
        { legacy_kind: "tick_start", tick: 1, run: 1, issues: [427] },
        issue.tick(1),
      ),
      ev(
        "task.dispatched",
        { legacy_kind: "worker_start", tick: 1, issue: 427, branch: "loop/427", past_attempts: 1 },
        issue.task,
      ),
      ev(
        "task.dispatched",
        {
          legacy_kind: "worker_session_transition",
          issue: 427,
          session_id: "s2",
          prior_state: "RUNNING",
          new_state: "AWAITING_CRITIC",
          pr_url: "https://github.com/o/r/pull/31",
        },
        issue.task,
      ),
      ev(
        "critique.issued",
        { legacy_kind: "critic_verdict_merged", issue: 427, pr: 31 },
        issue.task,
      ),
      ev(
        "pr.merged",
        { legacy_kind: "post_critic_automerge_enabled", issue: 427, pr: 31, status: "merged" },
        issue.task,
      ),
      ev(
        "tick.completed",
        {
          legacy_kind: "tick_done",
          tick: 1,
          run: 1,
          merged: 1,
          outcomes: [{ issue: 427, status: "merged", pr_url: "https://github.com/o/r/pull/31" }],
        },
        issue.tick(1),
      ),
      ev(
        "pr.opened",
        {
          legacy_kind: "tick_done",
          tick: 1,
          issue: 427,
          status: "merged",
          pr_url: "https://github.com/o/r/pull/31",
        },
        issue.task,
      ),
      ev(
        "task.completed",
        {
          legacy_kind: "tick_done",
          tick: 1,
          issue: 427,
          status: "merged",
          pr_url: "https://github.com/o/r/pull/31",
          duration_s: 300,
        },
        issue.task,
      ),
      ev(
        "pr.merged",
        {
          legacy_kind: "tick_done",
          tick: 1,
          issue: 427,
          status: "merged",
          pr_url: "https://github.com/o/r/pull/31",
        },
        issue.task,
      ),
      ev(
        "worktree.reaped",
        { legacy_kind: "worktree_reaped", issue: 427, path: "/wt/427", reason: "merged" },
        issue.task,
      ),
    ];
    const state = foldEvents(emptyState(), events);

    const task = state.tasks.get("427");
    expect(task).toMatchObject({
      status: "merged",
      attempt: 2,
      pr: 31,
      prUrl: "https://github.com/o/r/pull/31",
      title: "Fix it",
      verdict: "approve",
    });
    expect(task?.attempts.map((a) => [a.attempt, a.outcome, a.phase, a.verdict?.overall])).toEqual([
      [1, "failed", "pr", "block"],
      [2, "completed", "merge", "approve"],
    ]);
    expect(task?.attempts[0]).toMatchObject({
      reason: "failed",
      error: "critic blocked",
      durationMs: 600_000,
    });
    expect(state.workers.size).toBe(0);
    expect([...state.ticks.keys()]).toEqual([tickKey(0, 1), tickKey(1, 1)]);
    expect(state.ticks.get(tickKey(1, 1))?.outcomes).toEqual([{ issue: 427, status: "merged" }]);
    expect(state.prs.get("31")).toMatchObject({ state: "merged", issue: 427 });
    expect([...state.verdicts.values()].map((v) => [v.overall, v.blocking])).toEqual([
      ["block", true],
      ["approve", false],
    ]);
    expect(state.loop.get("loop")).toMatchObject({ status: "running", tick: 1, run: 1 });
    expect(state.scorecard.get("scorecard")).toMatchObject({
      attempts: 2,
      failedAttempts: 1,
      merged: 1,
      completedTasks: 1,
      criticFirstVerdicts: 1,
      criticFirstPassAccepted: 0,
      leadTimeCount: 1,
    });
  });
});
