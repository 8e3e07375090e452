/**
 * What a legacy record stored under a durable kind really means. The Python forge-loop's
 * own mirror stores every `worker_session_transition` as `task.dispatched` and both
 * watchdog records as `task.heartbeat`; EVENTS.md maps them by their content instead. The
 * reducers read events through `effectiveKind`, so a Python database folds like a
 * database our mirror wrote.
 */
import type { FoldEvent } from "../contract/envelope.js";
import { arrayField, head, stringField } from "./fields.js";

/** The kind a reducer should treat the event as. */
export function effectiveKind(event: FoldEvent): string {
  if (event.kind === "task.dispatched") {
    if (event.payload.legacy_kind !== "worker_session_transition") return event.kind;
    return transitionKind(stringField(event.payload, "new_state"));
  }
  return event.kind;
}

/** EVENTS.md: awaiting_critic → pr.opened; abandoned → task.failed; merged → task.completed. */
function transitionKind(newState: string | undefined): string {
  switch (newState?.toLowerCase()) {
    case "awaiting_critic":
      return "pr.opened";
    case "abandoned":
      return "task.failed";
    case "merged":
      return "task.completed";
    default:
      return "task.dispatched";
  }
}

/** A watchdog that killed its worker: the attempt is over, whatever follows. */
export function isWorkerKilledHeartbeat(event: FoldEvent): boolean {
  return event.payload.legacy_kind === "watchdog_worker_killed";
}

/** A legacy record saying the attempt ended merged (`status: "merged"` or a merged transition). */
export function saysMerged(event: FoldEvent): boolean {
  const status = stringField(event.payload, "status", "new_state");
  return status?.toLowerCase() === "merged";
}

/** Ours carry `reason`; legacy blocks carry `reasons` or only their legacy kind. */
export function blockReasonOf(event: FoldEvent): string {
  const p = event.payload;
  const reasons = arrayField(p, "reasons").filter((r) => typeof r === "string");
  const text =
    stringField(p, "reason", "error") ??
    (reasons.length > 0 ? reasons.join("; ") : undefined) ??
    stringField(p, "legacy_kind") ??
    "unknown";
  return head(text, 2000) ?? text;
}
