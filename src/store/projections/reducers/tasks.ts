/**
 * One row per issue: where it stands (planned → running → checks → critic → pr_open →
 * merged / completed, or failed, blocked, needs_human, cooldown, skipped, compensated),
 * its attempts (newest last, the last 20), the last error and what it cost.
 *
 * No clock here: a failure's `retry_at` is stored and the status stays `failed`; the UI
 * compares it with the time to show a cooldown. Legacy records carry no attempt number:
 * they apply to the latest attempt, and a dispatch while that attempt still runs is the
 * same attempt (the Python runner reports every session transition as a dispatch).
 */
import type { FoldEvent } from "../../contract/envelope.js";
import {
  addFinite,
  arrayField,
  attemptOf,
  booleanField,
  durationMsOf,
  head,
  intField,
  isRecord,
  issueOf,
  numberField,
  prOf,
  stringField,
  tail,
} from "../fields.js";
import { blockReasonOf, effectiveKind, saysMerged } from "../legacy.js";
import { furthestPhase } from "../phases.js";
import type { Projection } from "../projection.js";
import type { AttemptRow, CheckResultRow, TaskRow, TaskStatus } from "../types.js";
import { verdictOf } from "../verdict.js";

const maxAttempts = 20;
const maxLabels = 50;
const maxCheckResults = 50;
const maxErrorChars = 2000;
const maxTailChars = 4000;

/** Statuses of a task whose attempt is under way: planning and skipping leave them alone. */
const activeStatuses = new Set<TaskStatus>(["running", "checks", "critic", "pr_open", "merging"]);
/** Set by a gate about the task as a whole; a later failure of the attempt does not undo them. */
const stickyStatuses = new Set<TaskStatus>(["blocked", "needs_human"]);

export const tasksProjection: Projection<"tasks"> = {
  name: "tasks",
  route(event) {
    if (!steps.has(effectiveKind(event))) return [];
    const issue = issueOf(event);
    return issue === undefined ? [] : [String(issue)];
  },
  reduce(row, event, key) {
    if (row === undefined && event.kind === "task.heartbeat") return undefined;
    const next = copyTask(row ?? newTask(Number(key), event));
    next.updatedAt = event.occurredAt;
    next.updatedSeq = event.sequence;
    steps.get(effectiveKind(event))?.(next, event);
    return next;
  },
};

function newTask(issue: number, event: FoldEvent): TaskRow {
  return {
    issue,
    labels: [],
    status: "planned",
    attempt: 0,
    attempts: [],
    costUsd: 0,
    firstSeenAt: event.occurredAt,
    firstSeenSeq: event.sequence,
    updatedSeq: event.sequence,
  };
}

/**
 * Most events copy a task row and one attempt, so the copies name each field in one fixed
 * order: one object shape for every row, which keeps folding cheap (spreading rows grown
 * in different orders is several times slower).
 */
function copyTask(row: TaskRow): TaskRow {
  return {
    issue: row.issue,
    title: row.title,
    labels: row.labels,
    priority: row.priority,
    fingerprint: row.fingerprint,
    status: row.status,
    attempt: row.attempt,
    attempts: row.attempts,
    lastError: row.lastError,
    lastReason: row.lastReason,
    pr: row.pr,
    prUrl: row.prUrl,
    verdict: row.verdict,
    costUsd: row.costUsd,
    retryAt: row.retryAt,
    skipReason: row.skipReason,
    firstSeenAt: row.firstSeenAt,
    firstSeenSeq: row.firstSeenSeq,
    updatedAt: row.updatedAt,
    updatedSeq: row.updatedSeq,
    completedAt: row.completedAt,
  };
}

function copyAttempt(attempt: AttemptRow): AttemptRow {
  return {
    attempt: attempt.attempt,
    dispatchedAt: attempt.dispatchedAt,
    dispatchSeq: attempt.dispatchSeq,
    adapter: attempt.adapter,
    model: attempt.model,
    branch: attempt.branch,
    worktree: attempt.worktree,
    outcome: attempt.outcome,
    phase: attempt.phase,
    checks: attempt.checks,
    verdict: attempt.verdict,
    pr: attempt.pr,
    reason: attempt.reason,
    error: attempt.error,
    stderrTail: attempt.stderrTail,
    endedAt: attempt.endedAt,
    endSeq: attempt.endSeq,
    durationMs: attempt.durationMs,
    costUsd: attempt.costUsd,
    turns: attempt.turns,
    toolUses: attempt.toolUses,
    lastTool: attempt.lastTool,
    heartbeatAt: attempt.heartbeatAt,
    retryAt: attempt.retryAt,
  };
}

type Step = (row: TaskRow, event: FoldEvent) => void;

/** What each kind does to the fresh copy of the row (its attempts array is replaced, never mutated). */
const steps = new Map<string, Step>([
  ["task.planned", planned],
  ["task.skipped", skipped],
  ["task.dispatched", dispatched],
  ["task.heartbeat", heartbeat],
  ["checks.completed", checksCompleted],
  ["critique.issued", critiqueIssued],
  ["pr.opened", prOpened],
  ["pr.merged", prMerged],
  ["merge.blocked", mergeBlocked],
  ["task.completed", completed],
  ["task.failed", failed],
  ["task.compensated", compensated],
]);

function planned(row: TaskRow, event: FoldEvent): void {
  const p = event.payload;
  setTitle(row, p);
  const labels = arrayField(p, "labels");
  if (labels.length > 0) {
    row.labels = labels
      .filter((l): l is string => typeof l === "string")
      .slice(0, maxLabels)
      .map((l) => head(l, 100) ?? l);
  }
  const fingerprint = stringField(p, "fingerprint");
  if (fingerprint !== undefined) row.fingerprint = head(fingerprint, 100);
  const priority = stringField(p, "priority");
  if (priority !== undefined) row.priority = head(priority, 100);
  if (!activeStatuses.has(row.status)) row.status = "planned";
}

function skipped(row: TaskRow, event: FoldEvent): void {
  const reason = head(stringField(event.payload, "reason"), 200) ?? "unknown";
  // A skip while the task's attempt is under way says nothing about the task: its reason
  // would only outlive the attempt as a stale note ("skipped: in_flight" on a merged task).
  const gated = reason === "risk_gated" || reason === "max_attempts";
  if (reason === "in_flight" || (!gated && activeStatuses.has(row.status))) return;
  row.skipReason = reason;
  if (reason === "risk_gated") row.status = "needs_human";
  else if (reason === "max_attempts") row.status = "blocked";
  else if (reason === "cooldown") {
    row.status = "cooldown";
    const until = stringField(event.payload, "until");
    if (until !== undefined) row.retryAt = head(until, 64);
  } else row.status = "skipped";
}

function dispatched(row: TaskRow, event: FoldEvent): void {
  const p = event.payload;
  const explicit = attemptOf(p);
  const last = row.attempts.at(-1);
  // A legacy dispatch while the latest attempt still runs is that attempt going on.
  const number =
    explicit ??
    (last?.outcome === "running"
      ? last.attempt
      : Math.max(row.attempt + 1, (intField(p, "past_attempts") ?? 0) + 1));
  const attempt = editAttempt(row, number, event, true);
  if (attempt === undefined) return;
  attempt.dispatchedAt ??= event.occurredAt;
  attempt.dispatchSeq ??= event.sequence;
  setIfString(attempt, "adapter", stringField(p, "adapter"));
  setIfString(attempt, "model", stringField(p, "model"));
  setIfString(attempt, "branch", head(stringField(p, "branch"), 300));
  setIfString(attempt, "worktree", head(stringField(p, "worktree"), 1000));
  setTitle(row, p);
  if (isLatest(row, attempt) && attempt.outcome === "running") {
    row.status = "running";
    row.retryAt = undefined;
    row.skipReason = undefined;
  }
}

function heartbeat(row: TaskRow, event: FoldEvent): void {
  const p = event.payload;
  // A heartbeat never starts an attempt: a late one must not bring an ended worker back.
  const attempt = editAttempt(row, attemptOf(p), event, false);
  if (attempt === undefined) return;
  attempt.heartbeatAt = event.occurredAt;
  const turns = intField(p, "turns");
  if (turns !== undefined) attempt.turns = turns;
  const toolUses = intField(p, "tool_uses");
  if (toolUses !== undefined) attempt.toolUses = toolUses;
  setIfString(attempt, "lastTool", head(stringField(p, "last_tool"), 200));
  const cost = numberField(p, "cost_usd");
  if (cost !== undefined && cost >= 0) attempt.costUsd = cost;
}

function checksCompleted(row: TaskRow, event: FoldEvent): void {
  const p = event.payload;
  const attempt = editAttempt(row, attemptOf(p), event, true);
  if (attempt === undefined) return;
  const results: CheckResultRow[] = [];
  for (const item of arrayField(p, "results")) {
    if (results.length >= maxCheckResults) break;
    if (isRecord(item)) results.push(checkResultOf(item));
  }
  const passed = booleanField(p, "passed") ?? results.every((r) => r.exitCode === 0);
  attempt.checks = { passed, results };
  reachPhase(row, attempt, "checks", "checks");
}

function checkResultOf(item: Record<string, unknown>): CheckResultRow {
  const exitCode = item.exit_code;
  return {
    command: head(stringField(item, "command"), 500) ?? "",
    exitCode: typeof exitCode === "number" && Number.isSafeInteger(exitCode) ? exitCode : null,
    durationMs: durationMsOf(item) ?? 0,
    outputTail: tail(stringField(item, "output_tail"), maxTailChars) ?? "",
  };
}

function critiqueIssued(row: TaskRow, event: FoldEvent): void {
  const attempt = editAttempt(row, attemptOf(event.payload), event, true);
  if (attempt === undefined) return;
  const verdict = verdictOf(event, row.issue, attempt.attempt);
  attempt.verdict = verdict;
  if (verdict.pr !== undefined) attempt.pr = verdict.pr;
  row.verdict = verdict.overall;
  reachPhase(row, attempt, "critic", "critic");
}

function prOpened(row: TaskRow, event: FoldEvent): void {
  const pr = prOf(event.payload);
  if (pr?.number !== undefined) row.pr = pr.number;
  if (pr?.url !== undefined) row.prUrl = head(pr.url, 500);
  const attempt = editAttempt(row, attemptOf(event.payload), event, true);
  if (attempt === undefined) return;
  if (pr?.number !== undefined) attempt.pr = pr.number;
  reachPhase(row, attempt, "pr", "pr_open");
}

/** A merge is final: it holds whatever the attempt's outcome, and whichever record came first. */
function prMerged(row: TaskRow, event: FoldEvent): void {
  const pr = prOf(event.payload);
  if (pr?.number !== undefined) row.pr = pr.number;
  if (pr?.url !== undefined) row.prUrl = head(pr.url, 500);
  const attempt = editAttempt(row, attemptOf(event.payload), event, false);
  if (attempt !== undefined) {
    attempt.phase = "merge";
    if (pr?.number !== undefined) attempt.pr = pr.number;
  }
  row.status = "merged";
  row.completedAt = event.occurredAt;
}

function mergeBlocked(row: TaskRow, event: FoldEvent): void {
  const reason = blockReasonOf(event);
  row.lastReason = reason;
  if (row.status === "merged") return;
  if (/risk/i.test(reason)) row.status = "needs_human";
  else if (/max.?attempts|loop:blocked/i.test(reason)) row.status = "blocked";
}

function completed(row: TaskRow, event: FoldEvent): void {
  const p = event.payload;
  const attempt = editAttempt(row, attemptOf(p), event, true);
  if (attempt?.outcome === "completed") return; // the same end reported twice (legacy)
  const cost = finalCost(p);
  row.costUsd = addFinite(row.costUsd, cost);
  if (attempt === undefined) return; // an attempt dropped from the bounded list: old news
  const pr = prOf(p);
  endAttempt(attempt, event, "completed");
  if (pr?.number !== undefined) attempt.pr = pr.number;
  if (cost !== undefined) attempt.costUsd = cost;
  if (!isLatest(row, attempt)) return;
  if (pr?.number !== undefined) row.pr = pr.number;
  if (pr?.url !== undefined) row.prUrl = head(pr.url, 500);
  row.completedAt = event.occurredAt;
  if (row.status === "merged" || saysMerged(event) || attempt.phase === "merge") {
    row.status = "merged";
    attempt.phase = "merge";
  } else if (!stickyStatuses.has(row.status)) {
    row.status = stringField(p, "status")?.toLowerCase() === "open" ? "pr_open" : "completed";
  }
}

function failed(row: TaskRow, event: FoldEvent): void {
  const p = event.payload;
  const attempt = editAttempt(row, attemptOf(p), event, true);
  if (attempt?.outcome === "failed") return; // the same end reported twice (legacy)
  const cost = finalCost(p);
  row.costUsd = addFinite(row.costUsd, cost);
  if (attempt === undefined) return; // an attempt dropped from the bounded list: old news
  const reason =
    head(stringField(p, "reason", "status", "new_state", "legacy_kind"), 200) ?? "unknown";
  const error = head(stringField(p, "error", "detail"), maxErrorChars);
  const retryAt = head(stringField(p, "retry_at"), 64);
  endAttempt(attempt, event, "failed");
  attempt.reason = reason;
  if (error !== undefined) attempt.error = error;
  const stderrTail = tail(stringField(p, "stderr_tail"), maxTailChars);
  if (stderrTail !== undefined) attempt.stderrTail = stderrTail;
  if (retryAt !== undefined) attempt.retryAt = retryAt;
  if (cost !== undefined) attempt.costUsd = cost;
  if (!isLatest(row, attempt)) return;
  row.lastReason = reason;
  if (error !== undefined) row.lastError = error;
  row.retryAt = retryAt;
  if (row.status !== "merged" && !stickyStatuses.has(row.status)) row.status = "failed";
}

function compensated(row: TaskRow, event: FoldEvent): void {
  const p = event.payload;
  const action = head(stringField(p, "action", "status", "legacy_kind"), 200) ?? "compensated";
  row.lastReason = action;
  const attempt = editAttempt(row, attemptOf(p), event, true);
  if (attempt === undefined || attempt.outcome !== "running") return;
  const latest = isLatest(row, attempt);
  endAttempt(attempt, event, "compensated");
  attempt.reason = action;
  if (latest && row.status !== "merged" && !stickyStatuses.has(row.status)) {
    row.status = "compensated";
  }
}

/** Cost is only taken from final results; `cost_usd` on a failure is read when present. */
function finalCost(payload: Record<string, unknown>): number | undefined {
  const cost = numberField(payload, "cost_usd", "total_cost_usd");
  return cost !== undefined && cost >= 0 ? cost : undefined;
}

function endAttempt(attempt: AttemptRow, event: FoldEvent, outcome: AttemptRow["outcome"]): void {
  attempt.outcome = outcome;
  attempt.endedAt = event.occurredAt;
  attempt.endSeq = event.sequence;
  const durationMs = durationMsOf(event.payload);
  if (durationMs !== undefined) attempt.durationMs = durationMs;
}

/**
 * Copies the attempt numbered `number` (the latest when undefined) into a fresh attempts
 * array on `row` and returns the copy for the caller to change. A missing attempt newer
 * than any seen (or the first one) is created when `create` is set; an old one that was
 * dropped from the bounded list is not brought back.
 */
function editAttempt(
  row: TaskRow,
  number: number | undefined,
  event: FoldEvent,
  create: boolean,
): AttemptRow | undefined {
  const attempts = row.attempts;
  let index = attempts.length - 1;
  if (number !== undefined) {
    while (index >= 0 && attempts[index]?.attempt !== number) index--;
  }
  const found = attempts[index];
  if (found !== undefined) {
    const copy = copyAttempt(found);
    const list = attempts.slice();
    list[index] = copy;
    row.attempts = list;
    return copy;
  }
  const fresh = number ?? row.attempt + 1;
  if (!create || fresh <= row.attempt) return undefined;
  const attempt = copyAttempt({
    attempt: fresh,
    dispatchedAt: event.occurredAt,
    dispatchSeq: event.sequence,
    outcome: "running",
    phase: "dispatched",
  });
  const list = attempts.length >= maxAttempts ? attempts.slice(1) : attempts.slice();
  list.push(attempt);
  row.attempts = list;
  row.attempt = fresh;
  // Work under way that this fold never saw dispatched (a log that starts mid-run).
  if (row.status !== "merged" && !stickyStatuses.has(row.status)) row.status = "running";
  return attempt;
}

function isLatest(row: TaskRow, attempt: AttemptRow): boolean {
  return row.attempts.at(-1) === attempt;
}

/** Moves the attempt's furthest gate on, and the task's status with it while that attempt runs. */
function reachPhase(
  row: TaskRow,
  attempt: AttemptRow,
  phase: AttemptRow["phase"],
  status: TaskStatus,
): void {
  attempt.phase = furthestPhase(attempt.phase, phase);
  if (isLatest(row, attempt) && attempt.outcome === "running" && activeStatuses.has(row.status)) {
    row.status = status;
  }
}

function setTitle(row: TaskRow, payload: Record<string, unknown>): void {
  const title = head(stringField(payload, "title"), 300);
  if (title !== undefined) row.title = title;
}

function setIfString<K extends "adapter" | "model" | "branch" | "worktree" | "lastTool">(
  attempt: AttemptRow,
  field: K,
  value: string | undefined,
): void {
  if (value !== undefined) attempt[field] = value;
}
