/**
 * Reading the log for a fold: only the columns a fold uses (`FoldEvent`), as raw rows.
 * Rebuild and replay read up to the whole log through here; the full `StoredEvent` rows
 * (`EventLog.since`) would create three times the strings for ids, keys and hashes that no
 * reducer reads. Conversion never throws on content, exactly as `toStoredEvent`.
 */
import type Database from "better-sqlite3";
import { type FoldEvent, parseStoredPayload } from "../contract/envelope.js";
import type { EventSource } from "./snapshots.js";

type FoldRow = [number, unknown, unknown, unknown, unknown, unknown, unknown];

/** `columns`: the events table's columns (a Python log may lack some; they read as NULL). */
export function foldEventSource(db: Database.Database, columns: ReadonlySet<string>): EventSource {
  const column = (name: string) => (columns.has(name) ? name : `NULL AS ${name}`);
  const select = db
    .prepare(
      `SELECT sequence, ${["kind", "payload_json", "occurred_at", "task_id", "saga_id", "causal_sequence"].map(column).join(", ")}
       FROM events WHERE sequence > ? ORDER BY sequence LIMIT ?`,
    )
    .raw();
  return (after, limit) => (select.all(after, limit) as FoldRow[]).map(toFoldEvent);
}

function toFoldEvent([
  sequence,
  kind,
  payloadJson,
  occurredAt,
  task,
  saga,
  causal,
]: FoldRow): FoldEvent {
  const text = typeof payloadJson === "string" ? payloadJson : String(payloadJson ?? "");
  return {
    sequence,
    kind: String(kind ?? ""),
    payload: parseStoredPayload(text).payload,
    occurredAt: String(occurredAt ?? ""),
    taskId: task === null ? null : String(task),
    sagaId: saga === null ? null : String(saga),
    causalSequence: causal === null ? null : Number(causal),
  };
}
