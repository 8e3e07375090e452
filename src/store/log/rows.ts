/**
 * Reading `events` rows. Our tables have every column; a Python database may lack some
 * (`causal_*`, `chain_hash` before #339, or carry `event_hash` instead), so the column list
 * is built from what the table has and missing columns read as NULL. Conversion never
 * throws on content: a bad payload becomes `payloadError`.
 */
import { parseStoredPayload, type StoredEvent } from "../contract/envelope.js";
import type { ChainScheme } from "./schema.js";

/**
 * A row as `eventColumnsSql` lists its columns, read raw: better-sqlite3 builds an array
 * far faster than an object with a property per column.
 */
export type EventRow = [
  sequence: number,
  event_id: unknown,
  kind: unknown,
  payload_json: unknown,
  schema_version: unknown,
  occurred_at: unknown,
  task_id: unknown,
  saga_id: unknown,
  causal_event_id: unknown,
  causal_sequence: unknown,
  idempotency_key: unknown,
  chain_hash: unknown,
];

const plainColumns = [
  "sequence",
  "event_id",
  "kind",
  "payload_json",
  "schema_version",
  "occurred_at",
  "task_id",
  "saga_id",
  "causal_event_id",
  "causal_sequence",
  "idempotency_key",
] as const;

/** The SELECT list giving an `EventRow` (read raw) from whatever columns the table has. */
export function eventColumnsSql(columns: ReadonlySet<string>, scheme: ChainScheme): string {
  const list = plainColumns.map((c) => (columns.has(c) ? c : `NULL AS ${c}`));
  list.push(scheme === "none" ? "NULL AS chain_hash" : `${scheme} AS chain_hash`);
  return list.join(", ");
}

export function toStoredEvent([
  sequence,
  eventId,
  kind,
  payloadJson,
  schemaVersion,
  occurredAt,
  taskId,
  sagaId,
  causalEventId,
  causalSequence,
  idempotencyKey,
  chainHash,
]: EventRow): StoredEvent {
  // Our rows are well typed; a foreign row may hold anything, so coerce without throwing.
  const text = typeof payloadJson === "string" ? payloadJson : String(payloadJson ?? "");
  const parsed = parseStoredPayload(text);
  const event: StoredEvent = {
    sequence,
    eventId: String(eventId ?? ""),
    kind: String(kind ?? ""),
    payload: parsed.payload,
    payloadJson: text,
    schemaVersion: Number(schemaVersion),
    occurredAt: String(occurredAt ?? ""),
    taskId: taskId === null ? null : String(taskId),
    sagaId: sagaId === null ? null : String(sagaId),
    causalEventId: causalEventId === null ? null : String(causalEventId),
    causalSequence: causalSequence === null ? null : Number(causalSequence),
    // The Python log allows events without a key; ours never writes one.
    idempotencyKey: idempotencyKey === null ? "" : String(idempotencyKey),
    chainHash: chainHash === null ? null : String(chainHash),
  };
  if (parsed.error !== undefined) event.payloadError = parsed.error;
  return event;
}
