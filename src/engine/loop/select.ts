/**
 * The Select phase (ENGINE.md step 3) as a pure function: which ready issues to work now,
 * in which order, and which to skip and why. No I/O: the tick gathers the inputs.
 */
import { createHash } from "node:crypto";
import type { TaskRow } from "../../store/projections/types.js";
import type { Issue, IssueComment } from "../forge/types.js";

export interface SelectPolicy {
  riskLabel: string;
  priorityPrefix: string;
  maxAttempts: number;
}

export interface Candidate {
  issue: Issue;
  fingerprint: string;
  priority?: string;
}

export interface Skip {
  issue: number;
  reason: "cooldown" | "in_flight" | "risk_gated" | "max_attempts";
  until?: string;
}

export interface SelectInput {
  issues: readonly { issue: Issue; fingerprint: string }[];
  tasks: ReadonlyMap<string, TaskRow>;
  /** Issues with an attempt running or leased right now. */
  inFlight: ReadonlySet<number>;
  /** One-shot operator overrides from `retry` (force also bypasses max_attempts). */
  retries: ReadonlyMap<number, { force: boolean }>;
  nowMs: number;
  policy: SelectPolicy;
}

/** Priority rank from labels like `priority:p1`; unlabelled issues come after p3. */
export function priorityOf(labels: readonly string[], prefix: string): string | undefined {
  const ranks = labels
    .filter((l) => l.startsWith(prefix))
    .map((l) => l.slice(prefix.length).toLowerCase())
    .filter((p) => /^p\d$/.test(p))
    .sort();
  return ranks[0];
}

/** A comment that blocks until answered: a human's "blocking: …"/"blocker: …" or our marker. */
export function isBlockingComment(comment: IssueComment): boolean {
  return (
    /^\s*(blocking|blocker)\b/i.test(comment.body) ||
    comment.body.includes("<!-- forge-loop:blocking -->")
  );
}

/** sha256(title + body + blocking comments + brief template digest): a change resets cooldown. */
export function issueFingerprint(
  issue: Issue,
  comments: readonly IssueComment[],
  briefDigest: string,
): string {
  const hash = createHash("sha256");
  hash.update(issue.title).update("\0").update(issue.body).update("\0");
  for (const c of comments.filter(isBlockingComment)) hash.update(c.body).update("\0");
  return hash.update(briefDigest).digest("hex").slice(0, 16);
}

function failedAttempts(task: TaskRow | undefined): number {
  return task ? task.attempts.filter((a) => a.outcome === "failed").length : 0;
}

function skipFor(entry: SelectInput["issues"][number], input: SelectInput): Skip | undefined {
  const { issue, fingerprint } = entry;
  const task = input.tasks.get(String(issue.number));
  const retry = input.retries.get(issue.number);
  if (input.inFlight.has(issue.number)) return { issue: issue.number, reason: "in_flight" };
  if (task?.status === "needs_human") return { issue: issue.number, reason: "risk_gated" };
  if (!retry?.force && failedAttempts(task) >= input.policy.maxAttempts) {
    return { issue: issue.number, reason: "max_attempts" };
  }
  const retryAt = task?.retryAt ? Date.parse(task.retryAt) : Number.NaN;
  const sameIssue = task?.fingerprint === undefined || task.fingerprint === fingerprint;
  if (!retry && sameIssue && retryAt > input.nowMs && task?.status !== "completed") {
    return { issue: issue.number, reason: "cooldown", until: task?.retryAt };
  }
  return undefined;
}

export function selectIssues(input: SelectInput): { selected: Candidate[]; skipped: Skip[] } {
  const selected: Candidate[] = [];
  const skipped: Skip[] = [];
  for (const entry of input.issues) {
    const task = input.tasks.get(String(entry.issue.number));
    if (task && (task.status === "merged" || task.status === "completed")) continue;
    const skip = skipFor(entry, input);
    if (skip) skipped.push(skip);
    else {
      const priority = priorityOf(entry.issue.labels, input.policy.priorityPrefix);
      selected.push({
        issue: entry.issue,
        fingerprint: entry.fingerprint,
        ...(priority ? { priority } : {}),
      });
    }
  }
  selected.sort(byPriorityThenAge);
  return { selected, skipped };
}

function byPriorityThenAge(a: Candidate, b: Candidate): number {
  const pa = a.priority ?? "p9";
  const pb = b.priority ?? "p9";
  if (pa !== pb) return pa < pb ? -1 : 1;
  const age = Date.parse(a.issue.createdAt) - Date.parse(b.issue.createdAt);
  return age !== 0 && !Number.isNaN(age) ? age : a.issue.number - b.issue.number;
}
