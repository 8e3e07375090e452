/** Rows of the Workers view: the attempts running now, with how recently each was heard. */
import type { LoopState, WorkerRow } from "../../store/projections/types.js";
import { ageMs, duration, money } from "../format.js";
import { seg } from "./line.js";
import { lazyRows, type Rows } from "./rows.js";

/**
 * The engine writes a coalesced heartbeat at most every 30 s while a worker makes progress
 * (EVENTS.md), and its watchdog stops a worker silent for 15 minutes (the default
 * stall_timeout_s). Five silent minutes is when the operator should start looking.
 */
export const STALE_AFTER_MS = 5 * 60_000;

export function sortedWorkers(state: LoopState): WorkerRow[] {
  return [...state.workers.values()].sort((a, b) => a.issue - b.issue || a.attempt - b.attempt);
}

export function heartbeatAgeMs(worker: WorkerRow, nowMs: number): number | undefined {
  return ageMs(worker.lastHeartbeatAt ?? worker.startedAt, nowMs);
}

export function isStale(worker: WorkerRow, nowMs: number): boolean {
  const ageOf = heartbeatAgeMs(worker, nowMs);
  return ageOf !== undefined && ageOf > STALE_AFTER_MS;
}

export function workerRows(state: LoopState, nowMs: number): Rows {
  return lazyRows(sortedWorkers(state), workerKey, (worker) => {
    const stale = isStale(worker, nowMs);
    const heard = heartbeatAgeMs(worker, nowMs);
    return {
      issue: worker.issue,
      line: [
        seg(`#${worker.issue} a${worker.attempt}  `),
        seg(stale ? "STALE " : "", "red", { bold: true }),
        seg(`hb ${duration(heard).padStart(6)}  `, stale ? "red" : "green"),
        seg(`${String(worker.turns).padStart(3)} turns  `),
        seg(`${money(worker.costUsd).padStart(5)}  `),
        seg(`${worker.adapter ?? "-"}  `, "gray"),
        seg(worker.lastTool ?? worker.phase, undefined, { dim: true }),
      ],
    };
  });
}

export function workerKey(worker: WorkerRow): string {
  return `${worker.issue}:${worker.attempt}`;
}
