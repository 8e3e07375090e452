/**
 * The scorecard: merges, attempts and their failures, first-pass critic acceptance, mean
 * lead time (first planned or dispatched → merged) and cost, in one row. Cost is taken
 * only from final results (`task.completed`, or a failure that reports one).
 *
 * A reducer sees one event at a time, so the row remembers the tasks under way (when first
 * seen, whether their attempt runs, whether a verdict came yet) in a bounded list that a
 * task leaves when it completes; and the latest merges, so legacy logs that report one
 * merge several times (automerge record, tick outcome, session transition) count it once.
 */
import type { FoldEvent } from "../../contract/envelope.js";
import { addFinite, attemptOf, issueOf, msBetween, numberField } from "../fields.js";
import { effectiveKind, saysMerged } from "../legacy.js";
import type { Projection } from "../projection.js";
import type { ScorecardRow, ScorecardTaskMark } from "../types.js";
import { isBlockingVerdict } from "../verdict.js";

const key = "scorecard";
const keys = [key] as const;
/**
 * Tasks under way are kept in buckets by issue number, so an update copies one small
 * bucket rather than the whole list: 16 buckets of at most 16, oldest dropped first.
 */
const bucketCount = 16;
const marksPerBucket = 16;
const maxRecentMerges = 50;

export const scorecardProjection: Projection<"scorecard"> = {
  name: "scorecard",
  route: (event) => (steps.has(effectiveKind(event)) && issueOf(event) !== undefined ? keys : []),
  reduce(row, event) {
    const issue = issueOf(event);
    if (issue === undefined) return row;
    const next = copyScorecard(row ?? emptyScorecard());
    steps.get(effectiveKind(event))?.(next, event, issue);
    return next;
  },
};

function emptyScorecard(): ScorecardRow {
  return {
    merged: 0,
    failedAttempts: 0,
    completedTasks: 0,
    attempts: 0,
    criticFirstPassAccepted: 0,
    criticFirstVerdicts: 0,
    leadTimeMsTotal: 0,
    leadTimeCount: 0,
    costUsdTotal: 0,
    costUsdMerged: 0,
    openTasks: Array.from({ length: bucketCount }, () => []),
    recentMerges: [],
  };
}

/** Copied by most task events: one fixed field order keeps it one cheap object shape. */
function copyScorecard(row: ScorecardRow): ScorecardRow {
  return {
    merged: row.merged,
    failedAttempts: row.failedAttempts,
    completedTasks: row.completedTasks,
    attempts: row.attempts,
    criticFirstPassAccepted: row.criticFirstPassAccepted,
    criticFirstVerdicts: row.criticFirstVerdicts,
    leadTimeMsTotal: row.leadTimeMsTotal,
    leadTimeCount: row.leadTimeCount,
    costUsdTotal: row.costUsdTotal,
    costUsdMerged: row.costUsdMerged,
    openTasks: row.openTasks,
    recentMerges: row.recentMerges,
  };
}

type Step = (row: ScorecardRow, event: FoldEvent, issue: number) => void;

/** What each kind does to the fresh copy of the row (its lists are replaced, never mutated). */
const steps = new Map<string, Step>([
  ["task.planned", planned],
  ["task.dispatched", dispatched],
  ["critique.issued", critiqued],
  ["pr.merged", countMerge],
  ["task.completed", completed],
  ["task.failed", (row, event, issue) => ended(row, event, issue, true)],
  ["task.compensated", (row, event, issue) => ended(row, event, issue, false)],
]);

function planned(row: ScorecardRow, event: FoldEvent, issue: number): void {
  if (findMark(row, issue) === undefined) editMark(row, issue, event);
}

function dispatched(row: ScorecardRow, event: FoldEvent, issue: number): void {
  const mark = editMark(row, issue, event);
  const explicit = attemptOf(event.payload);
  // Ours number attempts; a legacy dispatch while the attempt runs is that attempt going on.
  const isNew = explicit !== undefined ? explicit > mark.attempt : !mark.running;
  if (!isNew) return;
  row.attempts += 1;
  mark.attempt = explicit ?? mark.attempt + 1;
  mark.running = true;
  mark.merged = false;
  // New work on the issue: a later merge of it is a new merge.
  if (row.recentMerges.includes(issue))
    row.recentMerges = row.recentMerges.filter((i) => i !== issue);
}

function critiqued(row: ScorecardRow, event: FoldEvent, issue: number): void {
  if (findMark(row, issue)?.critiqued) return;
  const mark = editMark(row, issue, event);
  mark.critiqued = true;
  row.criticFirstVerdicts += 1;
  if (!isBlockingVerdict(event)) row.criticFirstPassAccepted += 1;
}

/** Counts a merge once, with its lead time when the task was seen before. */
function countMerge(row: ScorecardRow, event: FoldEvent, issue: number): void {
  if (row.recentMerges.includes(issue)) return;
  row.merged += 1;
  const recent = row.recentMerges.slice(-(maxRecentMerges - 1));
  recent.push(issue);
  row.recentMerges = recent;
  const found = findMark(row, issue);
  if (found === undefined) return;
  const leadMs = msBetween(found.firstSeenAt, event.occurredAt);
  if (leadMs !== undefined) {
    row.leadTimeMsTotal = addFinite(row.leadTimeMsTotal, leadMs);
    row.leadTimeCount += 1;
  }
  editMark(row, issue, event).merged = true;
}

function completed(row: ScorecardRow, event: FoldEvent, issue: number): void {
  if (saysMerged(event)) countMerge(row, event, issue);
  const cost = finalCost(event);
  row.costUsdTotal = addFinite(row.costUsdTotal, cost);
  const mark = findMark(row, issue);
  if (mark?.merged || (mark === undefined && row.recentMerges.includes(issue))) {
    row.costUsdMerged = addFinite(row.costUsdMerged, cost);
  }
  if (mark?.running) row.completedTasks += 1;
  if (mark !== undefined) dropMark(row, issue);
}

function ended(row: ScorecardRow, event: FoldEvent, issue: number, failed: boolean): void {
  row.costUsdTotal = addFinite(row.costUsdTotal, finalCost(event));
  const explicit = attemptOf(event.payload);
  if (!endsAnAttempt(findMark(row, issue), explicit)) return;
  const mark = editMark(row, issue, event);
  // An attempt can fail before its dispatch is recorded (its worktree could not be made):
  // it is an attempt all the same, as the tasks view and the engine's retry limit count it.
  if (explicit !== undefined && explicit > mark.attempt) {
    row.attempts += 1;
    mark.attempt = explicit;
  }
  mark.running = false;
  if (failed) row.failedAttempts += 1;
}

/**
 * Whether an end is news: ours name their attempt, which counts unless an earlier end of it
 * (or of a later one) was counted; a legacy end counts while the task's attempt runs.
 */
function endsAnAttempt(mark: ScorecardTaskMark | undefined, attempt: number | undefined): boolean {
  if (attempt === undefined) return mark?.running === true;
  const latest = mark?.attempt ?? 0;
  return attempt > latest || (attempt === latest && mark?.running === true);
}

function finalCost(event: FoldEvent): number | undefined {
  const cost = numberField(event.payload, "cost_usd", "total_cost_usd");
  return cost !== undefined && cost >= 0 ? cost : undefined;
}

function findMark(row: ScorecardRow, issue: number): ScorecardTaskMark | undefined {
  const bucket = row.openTasks[issue % bucketCount] ?? [];
  for (let i = bucket.length - 1; i >= 0; i--) {
    if (bucket[i]?.issue === issue) return bucket[i];
  }
  return undefined;
}

/** Replaces one bucket (a copy of the outer list too: rows are never mutated). */
function setBucket(row: ScorecardRow, issue: number, bucket: ScorecardTaskMark[]): void {
  const buckets = row.openTasks.slice();
  buckets[issue % bucketCount] = bucket;
  row.openTasks = buckets;
}

function dropMark(row: ScorecardRow, issue: number): void {
  const bucket = row.openTasks[issue % bucketCount] ?? [];
  setBucket(
    row,
    issue,
    bucket.filter((m) => m.issue !== issue),
  );
}

/**
 * The issue's mark as a fresh copy in a fresh bucket on `row`, for the caller to change;
 * created (first seen now) when missing, dropping the bucket's oldest past its bound.
 */
function editMark(row: ScorecardRow, issue: number, event: FoldEvent): ScorecardTaskMark {
  const bucket = row.openTasks[issue % bucketCount] ?? [];
  for (let i = bucket.length - 1; i >= 0; i--) {
    const found = bucket[i];
    if (found?.issue !== issue) continue;
    const copy = { ...found };
    const next = bucket.slice();
    next[i] = copy;
    setBucket(row, issue, next);
    return copy;
  }
  const mark: ScorecardTaskMark = {
    issue,
    firstSeenAt: event.occurredAt,
    attempt: 0,
    running: false,
    critiqued: false,
    merged: false,
  };
  const next = bucket.length >= marksPerBucket ? bucket.slice(1) : bucket.slice();
  next.push(mark);
  setBucket(row, issue, next);
  return mark;
}
