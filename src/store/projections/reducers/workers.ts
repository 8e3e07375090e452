/**
 * The attempts running now, keyed `<issue>:<attempt>`: created by a dispatch, refreshed by
 * heartbeats and gate events, removed when the attempt ends. `pr.merged` names no attempt
 * and `task.completed` follows it at once, so a worker never shows the merge phase.
 * Legacy records carry no attempt number: a legacy worker is keyed `<issue>:0` from its
 * dispatch to its end.
 */
import type { FoldEvent } from "../../contract/envelope.js";
import { attemptOf, head, intField, issueOf, numberField, stringField } from "../fields.js";
import { effectiveKind, isWorkerKilledHeartbeat } from "../legacy.js";
import { furthestPhase } from "../phases.js";
import type { Projection } from "../projection.js";
import type { WorkerRow } from "../types.js";

const routedKinds = new Set([
  "task.dispatched",
  "task.heartbeat",
  "worker.observation",
  "checks.completed",
  "critique.issued",
  "pr.opened",
  "task.completed",
  "task.failed",
  "task.compensated",
]);

const ending = new Set(["task.completed", "task.failed", "task.compensated"]);

export const workersProjection: Projection<"workers"> = {
  name: "workers",
  route(event) {
    if (!routedKinds.has(effectiveKind(event))) return [];
    const issue = issueOf(event);
    return issue === undefined ? [] : [`${issue}:${attemptOf(event.payload) ?? 0}`];
  },
  reduce(row, event, key) {
    const kind = effectiveKind(event);
    if (ending.has(kind) || isWorkerKilledHeartbeat(event)) return undefined;
    if (kind === "task.dispatched") return dispatched(row, event, key);
    // News about an attempt not running (ended, or never seen dispatched) makes no worker.
    if (row === undefined) return undefined;
    switch (kind) {
      case "task.heartbeat":
        return heartbeat(row, event);
      case "worker.observation":
        return observed(row, event);
      case "checks.completed":
        return reach(row, "checks");
      case "critique.issued":
        return reach(row, "critic");
      case "pr.opened":
        return reach(row, "pr");
      default:
        return row;
    }
  },
};

function reach(row: WorkerRow, phase: WorkerRow["phase"]): WorkerRow {
  const furthest = furthestPhase(row.phase, phase);
  if (furthest === row.phase) return row;
  const next = copyWorker(row);
  next.phase = furthest;
  return next;
}

function dispatched(row: WorkerRow | undefined, event: FoldEvent, key: string): WorkerRow {
  const p = event.payload;
  const next: WorkerRow = row
    ? copyWorker(row)
    : {
        issue: issueOf(event) ?? Number(key.slice(0, key.indexOf(":"))),
        attempt: attemptOf(p) ?? (intField(p, "past_attempts") ?? 0) + 1,
        startedAt: event.occurredAt,
        turns: 0,
        toolUses: 0,
        idleMs: 0,
        phase: "dispatched",
      };
  const adapter = stringField(p, "adapter");
  if (adapter !== undefined) next.adapter = head(adapter, 100);
  const model = stringField(p, "model");
  if (model !== undefined) next.model = head(model, 100);
  return next;
}

function heartbeat(row: WorkerRow, event: FoldEvent): WorkerRow {
  const p = event.payload;
  const next = copyWorker(row);
  next.lastHeartbeatAt = event.occurredAt;
  const turns = intField(p, "turns");
  if (turns !== undefined) next.turns = turns;
  const toolUses = intField(p, "tool_uses");
  if (toolUses !== undefined) next.toolUses = toolUses;
  const lastTool = stringField(p, "last_tool");
  if (lastTool !== undefined) next.lastTool = head(lastTool, 200);
  const cost = numberField(p, "cost_usd");
  if (cost !== undefined && cost >= 0) next.costUsd = cost;
  const tokens = intField(p, "tokens");
  if (tokens !== undefined) next.tokens = tokens;
  const idleMs = numberField(p, "idle_ms") ?? secondsAsMs(numberField(p, "idle_s"));
  if (idleMs !== undefined && idleMs >= 0) next.idleMs = idleMs;
  return next;
}

/** A durable tool observation names the tool in use (when `durable_observations` is on). */
function observed(row: WorkerRow, event: FoldEvent): WorkerRow {
  if (event.payload.what !== "tool") return row;
  const summary = stringField(event.payload, "summary");
  return summary === undefined ? row : { ...row, lastTool: head(summary, 200) };
}

function secondsAsMs(seconds: number | undefined): number | undefined {
  if (seconds === undefined) return undefined;
  const ms = seconds * 1000;
  return Number.isFinite(ms) ? ms : undefined;
}

/** Heartbeats copy the row: one fixed field order keeps every row one cheap object shape. */
function copyWorker(row: WorkerRow): WorkerRow {
  return {
    issue: row.issue,
    attempt: row.attempt,
    adapter: row.adapter,
    model: row.model,
    startedAt: row.startedAt,
    lastHeartbeatAt: row.lastHeartbeatAt,
    turns: row.turns,
    toolUses: row.toolUses,
    lastTool: row.lastTool,
    costUsd: row.costUsd,
    tokens: row.tokens,
    idleMs: row.idleMs,
    phase: row.phase,
  };
}
