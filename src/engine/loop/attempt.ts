/**
 * One attempt at one issue (ENGINE.md steps 5–7): worktree → brief → worker → commits? →
 * checks → pull request → critic → platform checks → merge, each milestone an event.
 * A failed gate ends the attempt with `task.failed` and a reason; the next attempt's brief
 * carries what to fix. The order puts the PR before the critic so the critic's findings
 * land on the PR as a review, where a human can read them too.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { describeError } from "../../shared/errors.js";
import { taskEventKey, taskId } from "../../store/contract/ids.js";
import type { PayloadOf } from "../../store/contract/kinds.js";
import { renderBrief } from "../briefs/render.js";
import type { Issue } from "../forge/types.js";
import { runChecks } from "../gates/checks.js";
import { type CriticOutcome, reviewFromFindings, runCriticGate } from "../gates/critic.js";
import type { AttemptOutcome, EngineContext } from "./context.js";
import { feedbackFor } from "./feedback.js";
import { finishAttempt } from "./finish.js";
import { type LandingResult, landPullRequest } from "./land.js";
import type { RunningAttempt } from "./runtime.js";
import { superviseWorker } from "./supervise.js";
import { criticSpec, workerSpec } from "./worker-spec.js";
import { openWorkspace, type Workspace } from "./workspace.js";

type FailReason = PayloadOf<"task.failed">["reason"];

/** Thrown inside an attempt to end it with `task.failed`. */
export class AttemptFailed extends Error {
  constructor(
    readonly reason: FailReason,
    message: string,
    readonly stderrTail?: string,
  ) {
    super(message);
  }
}

export interface AttemptScope {
  ctx: EngineContext;
  running: RunningAttempt;
  issue: Issue;
  fingerprint: string;
  logDir: string;
  startedAt: number;
  workspace?: Workspace;
  pr?: number;
  /** Sum of the worker's and critic's reported costs so far (final result lines only). */
  costUsd: number;
}

export async function runAttempt(
  ctx: EngineContext,
  running: RunningAttempt,
  issue: Issue,
  fingerprint: string,
): Promise<AttemptOutcome> {
  const logDir = join(
    ctx.paths.logsDir,
    taskId(running.issue).replace(":", "-"),
    `a${running.attempt}`,
  );
  mkdirSync(logDir, { recursive: true });
  const scope: AttemptScope = {
    ctx,
    running,
    issue,
    fingerprint,
    logDir,
    startedAt: ctx.clock.now(),
    costUsd: 0,
  };
  try {
    const status = await work(scope);
    return await finishAttempt(scope, { status });
  } catch (err) {
    if (err instanceof AttemptFailed) {
      return await finishAttempt(scope, {
        status: "failed",
        reason: err.reason,
        error: err.message,
        stderrTail: err.stderrTail,
      });
    }
    if (running.stopRequested === "halted")
      return await finishAttempt(scope, { status: "compensated", error: "halted now" });
    const message = describeError(err);
    ctx.report(
      `forge-loop: attempt #${running.issue} a${running.attempt} failed unexpectedly: ${message}`,
    );
    return await finishAttempt(scope, { status: "failed", reason: "worker_error", error: message });
  }
}

async function work(scope: AttemptScope): Promise<LandingResult> {
  const { ctx, running, issue } = scope;
  scope.workspace = await openWorkspace(ctx, issue);
  const brief = renderBrief(ctx.briefs.worker, {
    issue_number: issue.number,
    issue_title: issue.title,
    issue_body: issue.body,
    branch: scope.workspace.branch,
    base_branch: ctx.config.base_branch,
    attempt: running.attempt,
    max_attempts: ctx.config.scheduling.max_attempts,
    checks: ctx.config.checks.map((c) => c.join(" ")).join("; ") || "(none configured)",
    feedback: feedbackFor(ctx.state().tasks.get(String(issue.number))),
  });
  emitTask(scope, "task.dispatched", {
    issue: issue.number,
    attempt: running.attempt,
    adapter: ctx.config.worker.adapter,
    ...(ctx.config.worker.model ? { model: ctx.config.worker.model } : {}),
    branch: scope.workspace.branch,
    worktree: scope.workspace.path,
    brief_digest: ctx.briefs.worker.digest,
  });
  await runWorker(scope, brief);
  await scope.workspace.commitLeftovers(running.attempt);
  if (!(await scope.workspace.hasCommits())) {
    throw new AttemptFailed("no_changes", "the worker finished without committing any change");
  }
  await gateChecks(scope);
  scope.pr = await openPullRequest(scope);
  const critic = await gateCritic(scope);
  if (critic?.blocking) {
    throw new AttemptFailed("critic_blocked", critic.reason ?? `critic verdict ${critic.overall}`);
  }
  return await landPullRequest(scope);
}

function stopIfRequested(scope: AttemptScope): void {
  const stop = scope.running.stopRequested;
  if (stop === "killed") throw new AttemptFailed("killed", "killed by the operator");
  if (stop === "halted") throw new Error("halted now");
}

async function runWorker(scope: AttemptScope, brief: string): Promise<void> {
  const { ctx } = scope;
  stopIfRequested(scope);
  const result = await superviseWorker(
    scope,
    workerSpec(ctx.config),
    brief,
    scope.workspace!.path,
    join(scope.logDir, "worker"),
  );
  stopIfRequested(scope);
  if (result.outcome === "completed") return;
  const reason: FailReason =
    result.outcome === "timeout"
      ? "timeout"
      : result.outcome === "stale"
        ? "stale"
        : result.outcome === "killed"
          ? "killed"
          : "worker_error";
  throw new AttemptFailed(
    reason,
    result.error ?? `worker ended with ${result.outcome}`,
    result.stderrTail,
  );
}

async function gateChecks(scope: AttemptScope): Promise<void> {
  const { ctx, running, issue } = scope;
  if (ctx.config.checks.length === 0) return;
  stopIfRequested(scope);
  const outcome = await runChecks(ctx.config.checks, scope.workspace!.path, {
    timeoutMs: ctx.config.checks_timeout_s * 1000,
  });
  emitTask(scope, "checks.completed", {
    issue: issue.number,
    attempt: running.attempt,
    passed: outcome.passed,
    results: outcome.results,
  });
  if (!outcome.passed) {
    const failed = outcome.results.find((r) => r.exit_code !== 0);
    throw new AttemptFailed(
      "checks_failed",
      `check \`${failed?.command}\` failed (exit ${failed?.exit_code ?? "none"})`,
      failed?.output_tail,
    );
  }
}

async function openPullRequest(scope: AttemptScope): Promise<number> {
  const { ctx, running, issue } = scope;
  stopIfRequested(scope);
  const draft = issue.labels.includes(ctx.config.labels.risk);
  await ctx.platform.pushBranch(scope.workspace!.branch, scope.workspace!.path);
  const pr = await ctx.platform.openPullRequest({
    issue: issue.number,
    branch: scope.workspace!.branch,
    base: ctx.config.base_branch,
    title: pullRequestTitle(issue),
    body: `Closes #${issue.number}\n\nOpened by forge-loop, attempt ${running.attempt}.`,
    draft,
  });
  emitTask(scope, "pr.opened", {
    issue: issue.number,
    attempt: running.attempt,
    pr: pr.number,
    url: pr.url,
    branch: pr.branch,
    base: pr.base,
    draft: pr.draft,
  });
  return pr.number;
}

/** One line, bounded: issue titles are untrusted text. */
export function pullRequestTitle(issue: Issue): string {
  const title = issue.title
    .replace(/[\r\n\t]+/g, " ")
    .trim()
    .slice(0, 200);
  return `#${issue.number}: ${title || "(untitled issue)"}`;
}

async function gateCritic(scope: AttemptScope): Promise<CriticOutcome | undefined> {
  const { ctx, running, issue } = scope;
  if (!ctx.config.critic.enabled) return undefined;
  stopIfRequested(scope);
  const diff = await scope.workspace!.diff();
  const task = ctx.state().tasks.get(String(issue.number));
  const prior = task?.attempts.flatMap((a) => a.verdict?.findings ?? []) ?? [];
  const brief = renderBrief(ctx.briefs.critic, {
    issue_number: issue.number,
    issue_title: issue.title,
    issue_body: issue.body,
    manifesto: await scope.workspace!.manifesto(),
    prior_findings:
      prior.length > 0
        ? prior.map((f) => `- [${f.severity}/${f.category}] ${f.message}`).join("\n")
        : "(none)",
    changed_lines: diff.changedLines,
    diff: diff.text,
  });
  const spec = criticSpec(ctx.config);
  const outcome = await runCriticGate(
    (text, dir) => superviseWorker(scope, spec, text, scope.workspace!.path, dir),
    brief,
    scope.logDir,
    diff.changedLines,
    {
      blockOnSev2: ctx.config.critic.block_on_sev2,
      suspiciousApproveLines: ctx.config.critic.suspicious_approve_lines,
    },
  );
  stopIfRequested(scope);
  emitTask(scope, "critique.issued", {
    issue: issue.number,
    attempt: running.attempt,
    overall: outcome.overall,
    blocking: outcome.blocking,
    findings: outcome.findings,
    sev_counts: outcome.sevCounts,
    duration_ms: outcome.durationMs,
    parse_retries: outcome.parseRetries,
    summary: outcome.summary,
    ...(scope.pr ? { pr: scope.pr } : {}),
  });
  if (scope.pr) await postReview(scope, outcome);
  return outcome;
}

async function postReview(scope: AttemptScope, outcome: CriticOutcome): Promise<void> {
  const review = reviewFromFindings(outcome);
  try {
    await scope.ctx.platform.review(scope.pr!, review.body, review.comments);
  } catch (err) {
    scope.ctx.report(
      `forge-loop: could not post the critic review on PR #${scope.pr}: ${describeError(err)}`,
    );
  }
}

/** Emits an event of this attempt (key: kind, task and attempt), strictly. */
export function emitTask<
  K extends "task.dispatched" | "checks.completed" | "pr.opened" | "critique.issued",
>(scope: AttemptScope, kind: K, payload: PayloadOf<K>): void {
  scope.ctx.emitter.emit(kind, payload, {
    key: taskEventKey(kind, scope.running.issue, scope.running.attempt),
    taskId: taskId(scope.running.issue),
    sagaId: `tick:${scope.running.tick}`,
  });
}
