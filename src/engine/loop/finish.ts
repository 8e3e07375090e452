/**
 * Finishing an attempt (ENGINE.md step 7): the terminal event, the issue's labels and
 * ledger comment, the queue item, and the worktree. Everything here happens after the
 * attempt's outcome is decided, so side effects on remote services are tolerant: a
 * failed comment is reported, never turned into a different outcome.
 */

import { isoAt } from "../../shared/clock.js";
import { describeError } from "../../shared/errors.js";
import { taskEventKey, taskId } from "../../store/contract/ids.js";
import type { PayloadOf } from "../../store/contract/kinds.js";
import type { AttemptScope } from "./attempt.js";
import type { AttemptOutcome } from "./context.js";
import { errorSignature } from "./drift.js";
import { ledgerComment } from "./ledger.js";

export type AttemptEnd =
  | { status: "merged" | "needs_human" | "halted" | "compensated"; error?: string }
  | {
      status: "failed";
      reason: PayloadOf<"task.failed">["reason"];
      error: string;
      stderrTail?: string | undefined;
    };

export async function finishAttempt(scope: AttemptScope, end: AttemptEnd): Promise<AttemptOutcome> {
  const { ctx, running } = scope;
  const durationMs = ctx.clock.now() - scope.startedAt;
  recordEnd(scope, end, durationMs);
  await settleQueue(scope, end);
  await updateIssue(scope, end, durationMs);
  await reapWorkspace(scope, end);
  return {
    issue: running.issue,
    status: end.status === "halted" ? "halted" : end.status,
    ...(end.status === "failed" ? { signature: errorSignature(end.reason, end.error) } : {}),
  };
}

function meta(scope: AttemptScope, kind: string) {
  const { issue, attempt, tick } = scope.running;
  return { key: taskEventKey(kind, issue, attempt), taskId: taskId(issue), sagaId: `tick:${tick}` };
}

function recordEnd(scope: AttemptScope, end: AttemptEnd, durationMs: number): void {
  const { ctx, running } = scope;
  const base = { issue: running.issue, attempt: running.attempt };
  switch (end.status) {
    case "merged":
    case "needs_human":
      ctx.emitter.emitAfter(
        "task.completed",
        { ...base, duration_ms: durationMs, ...(scope.pr ? { pr: scope.pr } : {}), ...cost(scope) },
        meta(scope, "task.completed"),
      );
      return;
    case "failed": {
      const retryAt = isoAt(ctx.clock.now() + ctx.config.scheduling.cooldown_s * 1000);
      ctx.emitter.emitAfter(
        "task.failed",
        {
          ...base,
          reason: end.reason,
          error: end.error.slice(0, 2000),
          ...(end.stderrTail ? { stderr_tail: end.stderrTail.slice(-4000) } : {}),
          retry_at: retryAt,
          ...cost(scope),
        },
        meta(scope, "task.failed"),
      );
      return;
    }
    case "halted":
    case "compensated":
      ctx.emitter.emitAfter(
        "task.compensated",
        {
          ...base,
          action: end.status === "halted" ? "work_rescued" : "lease_reclaimed",
          detail:
            end.status === "halted"
              ? "the loop was halted before merge; the branch and PR are kept"
              : (end.error ?? "stopped"),
        },
        meta(scope, "task.compensated"),
      );
  }
}

function cost(scope: AttemptScope): { cost_usd?: number } {
  return scope.costUsd > 0 ? { cost_usd: Math.round(scope.costUsd * 1e6) / 1e6 } : {};
}

async function settleQueue(scope: AttemptScope, end: AttemptEnd): Promise<void> {
  const { ctx, running } = scope;
  try {
    if (end.status === "halted" || end.status === "compensated") {
      ctx.queue.nack(running.claim.id, running.claim.token, {
        delayMs: 0,
        error: end.error ?? end.status,
      });
    } else {
      ctx.queue.ack(running.claim.id, running.claim.token);
    }
  } catch (err) {
    ctx.report(
      `forge-loop: queue item for #${running.issue} could not be settled: ${describeError(err)}`,
    );
  }
}

async function updateIssue(
  scope: AttemptScope,
  end: AttemptEnd,
  durationMs: number,
): Promise<void> {
  const { ctx, running } = scope;
  const { labels, scheduling } = ctx.config;
  const tolerant = async (what: string, act: () => Promise<void>) => {
    try {
      await act();
    } catch (err) {
      ctx.report(`forge-loop: could not ${what} on issue #${running.issue}: ${describeError(err)}`);
    }
  };
  await tolerant("write the attempt ledger", () =>
    ctx.tracker.comment(
      running.issue,
      ledgerComment({
        issue: running.issue,
        attempt: running.attempt,
        status: end.status,
        ...(end.status === "failed" ? { reason: end.reason } : {}),
        ...(scope.pr ? { pr: scope.pr } : {}),
        duration_ms: durationMs,
        fingerprint: scope.fingerprint,
      }),
    ),
  );
  if (end.status === "merged") {
    await tolerant("close", () =>
      ctx.tracker.close(running.issue, `Merged in PR #${scope.pr} by forge-loop.`),
    );
    await tolerant("remove the ready label", () =>
      ctx.tracker.removeLabel(running.issue, labels.ready),
    );
  }
  if (end.status === "needs_human")
    await tolerant("label", () => ctx.tracker.addLabels(running.issue, [labels.needs_human]));
  if (end.status === "failed" && failedAttempts(scope) >= scheduling.max_attempts) {
    await tolerant("mark as blocked", async () => {
      await ctx.tracker.addLabels(running.issue, [labels.blocked]);
      await ctx.tracker.comment(
        running.issue,
        `forge-loop gave up after ${scheduling.max_attempts} failed attempts. The last one ended with \`${end.reason}\`: ${end.error.slice(0, 500)}\n\nFix the cause, then run \`forge-loop retry ${running.issue} --force\` (or remove the \`${labels.blocked}\` label and re-add \`${labels.ready}\`).`,
      );
    });
  }
}

/** Failed attempts of this task, the one just recorded included. */
function failedAttempts(scope: AttemptScope): number {
  const task = scope.ctx.state().tasks.get(String(scope.running.issue));
  return task?.attempts.filter((a) => a.outcome === "failed").length ?? 0;
}

async function reapWorkspace(scope: AttemptScope, end: AttemptEnd): Promise<void> {
  const { ctx, running } = scope;
  const workspace = scope.workspace;
  if (!workspace) return;
  try {
    const kept = await workspace.reap(end.status === "merged");
    if (kept) {
      ctx.emitter.observe("worker.observation", {
        issue: running.issue,
        attempt: running.attempt,
        what: "message",
        summary: `kept worktree ${workspace.path}: ${kept}`,
      });
      return;
    }
    ctx.emitter.emitAfter(
      "worktree.reaped",
      {
        issue: running.issue,
        path: workspace.path,
        reason: `attempt ${running.attempt} ${end.status}`,
      },
      meta(scope, "worktree.reaped"),
    );
  } catch (err) {
    ctx.report(`forge-loop: could not reap worktree ${workspace.path}: ${describeError(err)}`);
  }
}
