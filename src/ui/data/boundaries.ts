/**
 * Where the replay scrubber jumps with `[ ]` and `{ }`: the nearest tick start, or the
 * nearest start or end of one of the selected task's attempts, before or after a sequence.
 * One indexed query per key press (the log indexes `kind` and `task_id`), so a jump costs
 * the same in a million-event log as in a small one.
 */
import type Database from "better-sqlite3";
import { taskId } from "../../store/contract/ids.js";
import type { SeekTarget } from "../state/keymap.js";

const attemptKinds = ["task.dispatched", "task.completed", "task.failed", "task.compensated"];

export function findBoundary(
  db: Database.Database,
  from: number,
  target: SeekTarget,
  issue?: number,
): number | undefined {
  const before = target === "prevTick" || target === "prevAttempt";
  const compare = before ? "<" : ">";
  const order = before ? "DESC" : "ASC";
  if (target === "prevTick" || target === "nextTick") {
    return first(
      db,
      `SELECT sequence FROM events WHERE kind = 'tick.started' AND sequence ${compare} ?
       ORDER BY sequence ${order} LIMIT 1`,
      [from],
    );
  }
  if (issue === undefined) return undefined;
  return first(
    db,
    `SELECT sequence FROM events WHERE task_id = ? AND kind IN (${attemptKinds.map(() => "?").join(", ")})
       AND sequence ${compare} ? ORDER BY sequence ${order} LIMIT 1`,
    [taskId(issue), ...attemptKinds, from],
  );
}

function first(db: Database.Database, sql: string, params: unknown[]): number | undefined {
  const value = db
    .prepare(sql)
    .pluck()
    .get(...params);
  return typeof value === "number" ? value : undefined;
}
