/** Rows of the Tasks view: one per issue, in issue order (TUI.md's sketch). */
import type { LoopState, TaskRow, VerdictRow } from "../../store/projections/types.js";
import { age, money, shortTime } from "../format.js";
import { type Line, type Seg, seg } from "./line.js";
import { lazyRows, type Rows } from "./rows.js";
import { taskLook } from "./status.js";

const activeStatuses = new Set(["running", "checks", "critic", "pr_open", "merging"]);

export function isActive(task: TaskRow): boolean {
  return activeStatuses.has(task.status);
}

export function sortedTasks(state: LoopState): TaskRow[] {
  return [...state.tasks.values()].sort((a, b) => a.issue - b.issue);
}

export function taskRows(state: LoopState, nowMs: number): Rows {
  const tasks = sortedTasks(state);
  const widest = tasks.at(-1)?.issue ?? 0;
  const width = Math.max(3, String(widest).length + 1);
  return lazyRows(
    tasks,
    (task) => String(task.issue),
    (task) => ({ issue: task.issue, line: taskLine(task, nowMs, width) }),
  );
}

/**
 * The status as the operator should read it now: a failed task whose retry time is still
 * ahead is cooling down (the projection has no clock, so it cannot say so itself).
 */
export function displayStatus(task: TaskRow, nowMs: number): string {
  const retryAt = task.retryAt === undefined ? Number.NaN : Date.parse(task.retryAt);
  return task.status === "failed" && retryAt > nowMs ? "cooldown" : task.status;
}

function taskLine(task: TaskRow, nowMs: number, issueWidth: number): Line {
  const status = displayStatus(task, nowMs);
  const look = taskLook(status);
  return [
    seg(`#${task.issue}`.padEnd(issueWidth + 1)),
    seg(`${look.icon} ${status.padEnd(9)} `, look.color),
    seg(task.attempt > 0 ? `a${task.attempt}`.padEnd(4) : "    ", "gray"),
    ...statusDetail(task, status, nowMs),
    seg(task.title ? `  ${task.title}` : "", undefined, { dim: true }),
  ];
}

function statusDetail(task: TaskRow, status: string, nowMs: number): Seg[] {
  const last = task.attempts[task.attempts.length - 1];
  if (isActive(task)) {
    const cost = last?.costUsd ?? task.costUsd;
    return [
      seg(`${age(last?.dispatchedAt, nowMs).padStart(3)}  `),
      seg(`${last?.adapter ?? "-"}  `, "gray"),
      seg(money(cost)),
    ];
  }
  switch (status) {
    case "merged":
    case "completed":
      return [seg(task.pr !== undefined ? `PR #${task.pr}` : "done", "green")];
    case "failed":
    case "blocked":
    case "compensated":
      return [seg(failureSummary(task, last?.verdict), "red")];
    case "cooldown":
      return [
        seg(task.retryAt ? `until ${shortTime(task.retryAt)}  ` : "cooling down  ", "yellow"),
        seg(task.lastReason ?? "", "gray"),
      ];
    case "skipped":
      return [seg(task.skipReason ?? "skipped", "gray")];
    case "needs_human":
      return [seg(task.pr !== undefined ? `PR #${task.pr} needs a human` : "needs a human")];
    default:
      return [seg(task.priority ?? "", "gray")];
  }
}

/** `critic sev2` when the critic blocked, else the failure reason. */
function failureSummary(task: TaskRow, verdict: VerdictRow | undefined): string {
  if (verdict?.blocking) {
    const worst = (["sev1", "sev2", "sev3"] as const).find((s) => verdict.sevCounts[s] > 0);
    return worst ? `critic ${worst}` : `critic ${verdict.overall}`;
  }
  return task.lastReason ?? task.lastError ?? task.status;
}
