/**
 * Landing a pull request: wait for the platform's checks, refuse to merge while the loop
 * is halted or when the issue is risk-gated, then merge. The merge is the irreversible
 * act: everything after it is recorded tolerantly (`emitAfter`).
 */
import { taskEventKey, taskId } from "../../store/contract/ids.js";
import { MergeRefusedError, type PullRequestStatus } from "../forge/types.js";
import { AttemptFailed, type AttemptScope } from "./attempt.js";

export type LandingResult = "merged" | "needs_human" | "halted";

export async function landPullRequest(scope: AttemptScope): Promise<LandingResult> {
  const { ctx, issue } = scope;
  const pr = scope.pr!;
  const status = await settledChecks(scope, pr);
  if (status.pr.state === "merged")
    return recordMerge(scope, status.pr.headSha ?? "unknown", "already merged");
  if (status.rollup === "failing") {
    blockMerge(
      scope,
      `platform checks failing: ${status.checks
        .filter((c) => c.state === "failing")
        .map((c) => c.name)
        .join(", ")}`,
    );
    throw new AttemptFailed("checks_failed", "the pull request's checks failed");
  }
  if (issue.labels.includes(ctx.config.labels.risk)) {
    blockMerge(scope, `risk-gated (${ctx.config.labels.risk}): left open for a human`);
    return "needs_human";
  }
  if (ctx.state().loop.get("loop")?.status === "halted") {
    blockMerge(scope, "the loop was halted before merge");
    return "halted";
  }
  if (!ctx.config.merge.enabled) {
    blockMerge(scope, "merging is disabled (merge.enabled: false): left open for a human");
    return "needs_human";
  }
  try {
    const { sha } = await ctx.platform.merge(pr, ctx.config.merge.method);
    return recordMerge(scope, sha, ctx.config.merge.method);
  } catch (err) {
    if (!(err instanceof MergeRefusedError)) throw err;
    blockMerge(scope, err.reason);
    throw new AttemptFailed("merge_blocked", err.reason);
  }
}

/** Polls the PR status until its checks leave `pending` (or the wait runs out). */
async function settledChecks(scope: AttemptScope, pr: number): Promise<PullRequestStatus> {
  const { ctx, running, issue } = scope;
  const deadline = ctx.clock.now() + ctx.config.checks_timeout_s * 1000;
  let lastState: string | undefined;
  for (let poll = 0; ; poll++) {
    const status = await ctx.platform.status(pr);
    if (status.rollup !== lastState) {
      lastState = status.rollup;
      ctx.emitter.emit(
        "pr.checks_changed",
        { issue: issue.number, pr, state: status.rollup, checks: status.checks },
        {
          key: taskEventKey(
            "pr.checks_changed",
            issue.number,
            running.attempt,
            `${pr}:${poll}:${status.rollup}`,
          ),
          taskId: taskId(issue.number),
          sagaId: `tick:${running.tick}`,
        },
      );
    }
    if (status.rollup !== "pending" || status.pr.state !== "open" || ctx.clock.now() > deadline)
      return status;
    if (running.stopRequested)
      throw new AttemptFailed("killed", "stopped while waiting for the PR's checks");
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(5_000, 250 * 2 ** Math.min(poll, 4))),
    );
  }
}

function recordMerge(scope: AttemptScope, sha: string, method: string): "merged" {
  const { ctx, running, issue } = scope;
  ctx.emitter.emitAfter(
    "pr.merged",
    { issue: issue.number, pr: scope.pr!, sha, method },
    {
      key: taskEventKey("pr.merged", issue.number, running.attempt),
      taskId: taskId(issue.number),
      sagaId: `tick:${running.tick}`,
    },
  );
  return "merged";
}

function blockMerge(scope: AttemptScope, reason: string): void {
  const { ctx, running, issue } = scope;
  ctx.emitter.emit(
    "merge.blocked",
    { issue: issue.number, pr: scope.pr!, reason },
    {
      key: taskEventKey("merge.blocked", issue.number, running.attempt),
      taskId: taskId(issue.number),
      sagaId: `tick:${running.tick}`,
    },
  );
}
