/**
 * Reading the log for a fold: only the columns a fold uses (`FoldEvent`), as raw rows.
 * Rebuild and replay read up to the whole log with this query and conversion (on this
 * thread, or in the worker of event-pages.ts); the full `StoredEvent` rows
 * (`EventLog.since`) would create three times the strings for ids, keys and hashes that no
 * reducer reads. Conversion never throws on content, exactly as `toStoredEvent`.
 */
import type Database from "better-sqlite3";
import { type FoldEvent, parseStoredPayload } from "../contract/envelope.js";
import type { EventSource } from "./snapshots.js";

/** A row of `foldEventSql`, read raw. */
export type FoldRow = [number, unknown, unknown, unknown, unknown, unknown, unknown];

/**
 * The events after a sequence, oldest first, at most a number of them (the two parameters),
 * as `FoldRow`s. `columns`: the events table's columns (a Python log may lack some; they
 * read as NULL).
 */
export function foldEventSql(columns: ReadonlySet<string>): string {
  const column = (name: string) => (columns.has(name) ? name : `NULL AS ${name}`);
  const read = ["kind", "payload_json", "occurred_at", "task_id", "saga_id", "causal_sequence"];
  return `SELECT sequence, ${read.map(column).join(", ")}
    FROM events WHERE sequence > ? ORDER BY sequence LIMIT ?`;
}

export function foldEventSource(db: Database.Database, columns: ReadonlySet<string>): EventSource {
  const select = db.prepare(foldEventSql(columns)).raw();
  return (after, limit) =>
    (select.all(after, limit) as FoldRow[]).map((row) =>
      toFoldEvent(row, parseStoredPayload(payloadText(row)).payload),
    );
}

/** The stored payload as text, whatever type a foreign row holds it in. */
export function payloadText(row: FoldRow): string {
  const stored = row[2];
  return typeof stored === "string" ? stored : String(stored ?? "");
}

/** The event of a row whose payload, parsed, is `payload`. */
export function toFoldEvent(row: FoldRow, payload: Record<string, unknown>): FoldEvent {
  // Indexes, not a destructuring: this runs a million times a rebuild.
  const task = row[4];
  const saga = row[5];
  const causal = row[6];
  return foldEventOf(
    row[0],
    String(row[1] ?? ""),
    payload,
    String(row[3] ?? ""),
    task === null ? null : String(task),
    saga === null ? null : String(saga),
    causal === null ? null : Number(causal),
  );
}

/**
 * Every fold event is built here, whoever read it, so that all of them have one object
 * shape: the reducers reading them stay monomorphic.
 */
export function foldEventOf(
  sequence: number,
  kind: string,
  payload: Record<string, unknown>,
  occurredAt: string,
  taskId: string | null,
  sagaId: string | null,
  causalSequence: number | null,
): FoldEvent {
  return { sequence, kind, payload, occurredAt, taskId, sagaId, causalSequence };
}
