/** How statuses look: one icon and colour per task status and outcome, used everywhere. */
import type { AttemptOutcome, TaskStatus } from "../../store/projections/types.js";
import type { Color } from "./line.js";

export interface Look {
  icon: string;
  color: Color;
}

const taskLooks: Record<TaskStatus, Look> = {
  planned: { icon: "·", color: "gray" },
  running: { icon: "▶", color: "cyan" },
  checks: { icon: "▶", color: "cyan" },
  critic: { icon: "▶", color: "magenta" },
  pr_open: { icon: "▶", color: "blue" },
  merging: { icon: "▶", color: "blue" },
  merged: { icon: "✔", color: "green" },
  completed: { icon: "✔", color: "green" },
  failed: { icon: "✖", color: "red" },
  cooldown: { icon: "‖", color: "yellow" },
  blocked: { icon: "✖", color: "red" },
  needs_human: { icon: "?", color: "yellow" },
  skipped: { icon: "↷", color: "gray" },
  compensated: { icon: "↺", color: "yellow" },
};

export function taskLook(status: string): Look {
  return taskLooks[status as TaskStatus] ?? { icon: "•", color: "white" };
}

const attemptLooks: Record<AttemptOutcome, Look> = {
  running: { icon: "▶", color: "cyan" },
  completed: { icon: "✔", color: "green" },
  failed: { icon: "✖", color: "red" },
  compensated: { icon: "↺", color: "yellow" },
};

export function attemptLook(outcome: string): Look {
  return attemptLooks[outcome as AttemptOutcome] ?? { icon: "•", color: "white" };
}

export type OutcomeClass = "good" | "bad" | "other";

/** Tick outcomes and legacy statuses by what they mean for the operator. */
export function outcomeClass(status: string): OutcomeClass {
  const s = status.toLowerCase();
  if (["merged", "completed", "open", "pr_open", "approved", "ok"].includes(s)) return "good";
  if (/fail|block|error|timeout|stale|killed|abandon|no_pr|no_changes/.test(s)) return "bad";
  return "other";
}

export const classColor: Record<OutcomeClass, Color> = { good: "green", bad: "red", other: "gray" };

/** Critic verdicts: approve green, request_changes yellow, block and error red. */
export function verdictColor(overall: string, blocking: boolean): Color {
  if (blocking || overall === "block" || overall === "error") return "red";
  if (overall === "request_changes") return "yellow";
  return overall === "approve" ? "green" : "white";
}
