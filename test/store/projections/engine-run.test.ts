/**
 * A realistic generated engine run (planned → dispatched → heartbeats → checks → critique →
 * PR → merge → completed, with failures, retries, skips, compensation and operator halts)
 * folded, and checked against what a plain reading of the same events says.
 */
import { describe, expect, it } from "vitest";
import type { AppendInput } from "../../../src/store/contract/envelope.js";
import { emptyState, foldEvents, serializeState } from "../../../src/store/projections/fold.js";
import type { TaskStatus } from "../../../src/store/projections/types.js";
import { engineEvents } from "../../support/engine-stream.js";
import { storedEvents } from "../../support/stored-events.js";

interface Expected {
  status: Map<number, TaskStatus>;
  lastAttempt: Map<number, number>;
  dispatches: Map<number, number>;
  cost: Map<number, number>;
  running: Set<string>;
  prs: Map<number, string>;
  merged: number;
  attempts: number;
  failed: number;
  completed: number;
  firstVerdicts: number;
  firstAccepted: number;
  leadMs: number;
  leadCount: number;
  costTotal: number;
}

const skipStatus = {
  cooldown: "cooldown",
  risk_gated: "needs_human",
  max_attempts: "blocked",
} as const;

/** What the run says, read straight off the generated events (engine shapes only). */
function expectedOf(inputs: AppendInput[]): Expected {
  const e: Expected = {
    status: new Map(),
    lastAttempt: new Map(),
    dispatches: new Map(),
    cost: new Map(),
    running: new Set(),
    prs: new Map(),
    merged: 0,
    attempts: 0,
    failed: 0,
    completed: 0,
    firstVerdicts: 0,
    firstAccepted: 0,
    leadMs: 0,
    leadCount: 0,
    costTotal: 0,
  };
  // Per task lifetime (until it completes): when first seen, whether a verdict came yet.
  const firstSeen = new Map<number, string>();
  const critiqued = new Set<number>();
  for (const input of inputs) {
    // The generator's payloads pass the contract's strict validation: these fields are there.
    const p = input.payload as {
      issue: number;
      attempt: number;
      pr: number;
      reason: "cooldown" | "risk_gated" | "max_attempts";
      blocking: boolean;
      cost_usd?: number;
    };
    const issue = p.issue;
    const at = input.occurredAt as string;
    switch (input.kind) {
      case "task.planned":
        if (!firstSeen.has(issue)) firstSeen.set(issue, at);
        if (!["running", "checks", "critic", "pr_open"].includes(e.status.get(issue) ?? ""))
          e.status.set(issue, "planned");
        break;
      case "task.skipped":
        e.status.set(issue, skipStatus[p.reason]);
        break;
      case "task.dispatched":
        if (!firstSeen.has(issue)) firstSeen.set(issue, at);
        e.status.set(issue, "running");
        e.lastAttempt.set(issue, p.attempt);
        e.dispatches.set(issue, (e.dispatches.get(issue) ?? 0) + 1);
        e.running.add(`${issue}:${p.attempt}`);
        e.attempts += 1;
        break;
      case "checks.completed":
        e.status.set(issue, "checks");
        break;
      case "pr.opened":
        e.status.set(issue, "pr_open");
        e.prs.set(p.pr, "open");
        break;
      case "critique.issued":
        e.status.set(issue, "critic");
        if (!critiqued.has(issue)) {
          critiqued.add(issue);
          e.firstVerdicts += 1;
          if (!p.blocking) e.firstAccepted += 1;
        }
        break;
      case "merge.blocked":
        e.prs.set(p.pr, "blocked");
        break;
      case "pr.merged": {
        e.status.set(issue, "merged");
        e.prs.set(p.pr, "merged");
        e.merged += 1;
        const seen = firstSeen.get(issue);
        if (seen !== undefined) {
          e.leadMs += Date.parse(at) - Date.parse(seen);
          e.leadCount += 1;
        }
        break;
      }
      case "task.completed":
        e.running.delete(`${issue}:${p.attempt}`);
        e.completed += 1;
        e.cost.set(issue, (e.cost.get(issue) ?? 0) + (p.cost_usd ?? 0));
        e.costTotal += p.cost_usd ?? 0;
        firstSeen.delete(issue);
        critiqued.delete(issue);
        break;
      case "task.failed":
        e.running.delete(`${issue}:${p.attempt}`);
        e.status.set(issue, "failed");
        e.failed += 1;
        break;
      case "task.compensated":
        e.running.delete(`${issue}:${p.attempt}`);
        break;
    }
  }
  return e;
}

describe("a generated engine run", () => {
  it.each([1, 2, 3])("folds to the statuses and scorecard the events say (seed %i)", (seed) => {
    // A small backlog keeps every task in the scorecard's memory of tasks under way.
    const inputs = engineEvents(6000, { seed, issues: 40, controlEveryTicks: 50 });
    const state = foldEvents(emptyState(), storedEvents(inputs));
    const expected = expectedOf(inputs);

    expect(state.seq).toBe(inputs.length);
    for (const [issue, status] of expected.status) {
      const task = state.tasks.get(String(issue));
      expect({ issue, status: task?.status }).toEqual({ issue, status });
      expect(task?.attempt ?? 0).toBe(expected.lastAttempt.get(issue) ?? 0);
      expect(task?.attempts.length).toBe(Math.min(20, expected.dispatches.get(issue) ?? 0));
      expect(task?.costUsd).toBeCloseTo(expected.cost.get(issue) ?? 0, 9);
    }
    expect(new Set(state.workers.keys())).toEqual(expected.running);
    for (const [pr, prState] of expected.prs)
      expect(state.prs.get(String(pr))?.state).toBe(prState);

    const scorecard = state.scorecard.get("scorecard");
    expect(scorecard).toMatchObject({
      merged: expected.merged,
      attempts: expected.attempts,
      failedAttempts: expected.failed,
      completedTasks: expected.completed,
      criticFirstVerdicts: expected.firstVerdicts,
      criticFirstPassAccepted: expected.firstAccepted,
      leadTimeMsTotal: expected.leadMs,
      leadTimeCount: expected.leadCount,
    });
    expect(scorecard?.costUsdTotal).toBeCloseTo(expected.costTotal, 9);
    expect(scorecard?.costUsdMerged).toBeCloseTo(expected.costTotal, 9);
    expect(expected.merged).toBeGreaterThan(50);
    expect(expected.failed).toBeGreaterThan(10);

    const loop = state.loop.get("loop");
    expect(loop).toMatchObject({
      status: "running",
      runnerId: "runner-bench",
      lastSeq: inputs.length,
      pendingControls: {},
    });
    expect(loop?.recentControls.length).toBeGreaterThan(0);
    expect(state.ticks.size).toBeGreaterThan(100);
    expect(state.verdicts.size).toBe(200);
  });

  it("stays within its bounds on a long run over a large backlog, and replays identically", () => {
    const events = storedEvents(engineEvents(40_000, { seed: 9, issues: 3000 }));
    const state = foldEvents(emptyState(), events);
    expect(state.ticks.size).toBe(500);
    expect(state.verdicts.size).toBe(200);
    expect(state.scorecard.get("scorecard")?.openTasks.flat().length).toBeLessThanOrEqual(256);
    expect(serializeState(foldEvents(emptyState(), events))).toBe(serializeState(state));
  });
});
