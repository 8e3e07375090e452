/**
 * A pull request head's checks as one rollup: GitHub's check runs (Actions and apps) and
 * its older commit statuses together. Any failure fails the rollup; anything still
 * running keeps it pending; the rest pass.
 *
 * A head with no checks at all is ambiguous: CI may not have registered its runs yet, or
 * the repository has none. It counts as pending for a grace period after it was first
 * seen, then as passing.
 */
import type { CheckRollup } from "../types.js";

export interface CheckRunData {
  name: string;
  status: string;
  conclusion?: string | null;
}

export interface CommitStatusData {
  context: string;
  state: string;
}

export type CheckState = "pending" | "passing" | "failing" | "skipped";

export interface NamedCheck {
  name: string;
  state: CheckState;
}

const passingConclusions = new Set(["success", "neutral"]);
const skippedConclusions = new Set(["skipped"]);

export function checkRunState(run: CheckRunData): CheckState {
  if (run.status !== "completed") return "pending";
  const conclusion = run.conclusion ?? "";
  if (passingConclusions.has(conclusion)) return "passing";
  if (skippedConclusions.has(conclusion)) return "skipped";
  // failure, timed_out, cancelled, action_required, startup_failure, stale: the merge is
  // blocked until someone acts.
  return "failing";
}

export function commitStatusState(status: CommitStatusData): CheckState {
  if (status.state === "success") return "passing";
  if (status.state === "pending") return "pending";
  return "failing";
}

export function namedChecks(
  runs: readonly CheckRunData[],
  statuses: readonly CommitStatusData[],
): NamedCheck[] {
  return [
    ...runs.map((run) => ({ name: run.name, state: checkRunState(run) })),
    ...statuses.map((status) => ({ name: status.context, state: commitStatusState(status) })),
  ];
}

export function rollupOf(checks: readonly NamedCheck[], withinGrace: boolean): CheckRollup {
  if (checks.some((c) => c.state === "failing")) return "failing";
  if (checks.some((c) => c.state === "pending")) return "pending";
  if (checks.length === 0 && withinGrace) return "pending";
  return "passing";
}
