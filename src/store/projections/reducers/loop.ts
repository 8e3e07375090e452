/**
 * The loop row: whether the engine runs, who runs it, the current tick, when it was last
 * heard from, and the operator commands in flight. Every event touches it (last seen).
 *
 * A halt is shown as `halted` with its mode; whether workers are still draining is the
 * workers projection's business (the UI combines the two), since one row cannot know it.
 */
import type { FoldEvent } from "../../contract/envelope.js";
import { intField, numberField, stringField } from "../fields.js";
import type { Projection } from "../projection.js";
import type { AnsweredControl, LoopRow, PendingControl } from "../types.js";

const key = "loop";
const keys = [key] as const;
/** Commands answered, newest last. */
const maxRecentControls = 20;
/** Commands no engine answered (none running) must not grow the row without bound. */
const maxPendingControls = 50;

export const loopProjection: Projection<"loop"> = {
  name: "loop",
  route: () => keys,
  reduce(row, event) {
    const next = copyLoop(row ?? initial());
    next.lastSeq = event.sequence;
    next.lastEventAt = event.occurredAt;
    apply(next, event);
    return next;
  },
};

function initial(): LoopRow {
  return { status: "unknown", lastSeq: 0, pendingControls: {}, recentControls: [] };
}

/**
 * Every event copies this row, so the copy names each field in one fixed order: one
 * object shape for every row, which keeps the copy cheap (a spread of rows grown in
 * different orders is several times slower).
 */
function copyLoop(row: LoopRow): LoopRow {
  return {
    status: row.status,
    runnerId: row.runnerId,
    pid: row.pid,
    host: row.host,
    version: row.version,
    repo: row.repo,
    tracker: row.tracker,
    platform: row.platform,
    parallel: row.parallel,
    tickIntervalS: row.tickIntervalS,
    maxTicks: row.maxTicks,
    startedAt: row.startedAt,
    haltReason: row.haltReason,
    haltMode: row.haltMode,
    tick: row.tick,
    run: row.run,
    lastEventAt: row.lastEventAt,
    lastSeq: row.lastSeq,
    pendingControls: row.pendingControls,
    recentControls: row.recentControls,
  };
}

/** Updates the fresh copy `row` in place. */
function apply(row: LoopRow, event: FoldEvent): void {
  const payload = event.payload;
  switch (event.kind) {
    case "loop.started":
      started(row, event);
      return;
    case "loop.halted":
      row.status = "halted";
      row.haltReason = stringField(payload, "reason") ?? "unknown";
      row.haltMode = haltModeOf(payload.mode);
      row.tick = intField(payload, "tick") ?? row.tick; // legacy halts carry the runner's tick
      return;
    case "loop.resumed":
      row.status = "running";
      row.haltReason = undefined;
      row.haltMode = undefined;
      return;
    case "loop.stopped": {
      row.status = "stopped";
      // The reason is one of a fixed few; the detail says which case ("backlog idle").
      const detail = stringField(payload, "detail");
      const reason = stringField(payload, "reason") ?? "unknown";
      row.haltReason = detail === undefined ? reason : `${reason}: ${detail}`;
      row.haltMode = undefined;
      setTick(row, payload);
      return;
    }
    case "tick.started":
      // A halt without a mode is a legacy runner stopping: a later tick means it runs again.
      if (
        row.status === "unknown" ||
        row.status === "stopped" ||
        (row.status === "halted" && row.haltMode === undefined)
      ) {
        row.status = "running";
        row.haltReason = undefined;
      }
      setTick(row, payload);
      return;
    case "tick.completed":
      // Ticks overlap (a tick ends when its attempts do): an earlier tick ending after a
      // later one started must not turn the current tick back.
      if (!isEarlierTick(row, payload)) setTick(row, payload);
      return;
    case "control.requested":
      requested(row, event);
      return;
    case "control.applied":
      applied(row, event);
      return;
  }
}

function started(row: LoopRow, event: FoldEvent): void {
  const p = event.payload;
  row.status = "running";
  row.haltReason = undefined;
  row.haltMode = undefined;
  row.startedAt = event.occurredAt;
  row.runnerId = stringField(p, "runner_id");
  row.pid = intField(p, "pid");
  row.host = stringField(p, "host");
  row.version = stringField(p, "version");
  row.repo = stringField(p, "repo");
  row.tracker = stringField(p, "tracker");
  row.platform = stringField(p, "platform");
  row.parallel = intField(p, "parallel");
  row.tickIntervalS = numberField(p, "tick_interval_s");
  row.maxTicks = intField(p, "max_ticks");
}

function setTick(row: LoopRow, payload: Record<string, unknown>): void {
  const tick = intField(payload, "tick");
  if (tick === undefined) return;
  row.tick = tick;
  row.run = intField(payload, "run") ?? 0;
}

function isEarlierTick(row: LoopRow, payload: Record<string, unknown>): boolean {
  const tick = intField(payload, "tick");
  if (tick === undefined || row.tick === undefined) return false;
  const run = intField(payload, "run") ?? 0;
  const currentRun = row.run ?? 0;
  return run < currentRun || (run === currentRun && tick < row.tick);
}

function haltModeOf(mode: unknown): LoopRow["haltMode"] {
  return mode === "drain" || mode === "now" ? mode : undefined;
}

function requested(row: LoopRow, event: FoldEvent): void {
  const p = event.payload;
  const requestId = stringField(p, "request_id");
  if (requestId === undefined) return;
  const pending: PendingControl = {
    requestId,
    command: stringField(p, "command") ?? "unknown",
    requestedAt: event.occurredAt,
    seq: event.sequence,
  };
  const target = intField(p, "target");
  if (target !== undefined) pending.target = target;
  const mode = stringField(p, "mode");
  if (mode !== undefined) pending.mode = mode;
  const controls = { ...row.pendingControls, [requestId]: pending };
  const ids = Object.keys(controls);
  for (let i = 0; i < ids.length - maxPendingControls; i++) delete controls[ids[i] as string];
  row.pendingControls = controls;
}

function applied(row: LoopRow, event: FoldEvent): void {
  const p = event.payload;
  const requestId = stringField(p, "request_id");
  if (requestId === undefined) return;
  const pending = Object.hasOwn(row.pendingControls, requestId)
    ? row.pendingControls[requestId]
    : undefined;
  const answered: AnsweredControl = {
    ...(pending ?? unseenRequest(event, requestId)),
    result: p.result === "rejected" ? "rejected" : "applied",
    answeredAt: event.occurredAt,
  };
  const detail = stringField(p, "detail");
  if (detail !== undefined) answered.detail = detail;
  if (pending !== undefined) {
    const controls = { ...row.pendingControls };
    delete controls[requestId];
    row.pendingControls = controls;
  }
  const recent = row.recentControls.slice(-(maxRecentControls - 1));
  recent.push(answered);
  row.recentControls = recent;
}

/** An answer to a request this fold never saw (e.g. written by hand): built from the answer. */
function unseenRequest(event: FoldEvent, requestId: string): PendingControl {
  return {
    requestId,
    command: stringField(event.payload, "command") ?? "unknown",
    requestedAt: event.occurredAt,
    seq: event.causalSequence ?? event.sequence,
  };
}
