/**
 * The headless demo's closing table: every seeded issue with how it ended, from the
 * engine's projections (the same rows the TUI shows).
 */
import type { LoopState, TaskRow } from "../../store/projections/types.js";

function cell(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

function lastReason(task: TaskRow): string {
  const reasons = task.attempts
    .map((a) => a.reason ?? a.outcome)
    .filter((r) => r !== "running" && r !== "completed");
  return reasons.join(" → ") || "-";
}

export function demoSummary(state: LoopState): string {
  const rows = [...state.tasks.values()].sort((a, b) => a.issue - b.issue);
  const header = `${cell("#", 4)} ${cell("issue", 42)} ${cell("status", 12)} ${cell("attempts", 8)} ${cell("PR", 5)} earlier attempts`;
  const lines = rows.map(
    (t) =>
      `${cell(String(t.issue), 4)} ${cell(t.title ?? "", 42)} ${cell(t.status, 12)} ${cell(String(t.attempt), 8)} ${cell(t.pr ? `#${t.pr}` : "-", 5)} ${lastReason(t)}`,
  );
  const score = state.scorecard.get("scorecard");
  const totals = score
    ? `merged ${score.merged}, failed attempts ${score.failedAttempts}, events ${state.seq}`
    : `events ${state.seq}`;
  return [header, "-".repeat(header.length), ...lines, "", totals].join("\n");
}
