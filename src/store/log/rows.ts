/**
 * Reading `events` rows. Our tables have every column; a Python database may lack some
 * (`causal_*`, `chain_hash` before #339, or carry `event_hash` instead), so the column list
 * is built from what the table has and missing columns read as NULL. Conversion never
 * throws on content: a bad payload becomes `payloadError`.
 */
import { parseStoredPayload, type StoredEvent } from "../contract/envelope.js";
import type { ChainScheme } from "./schema.js";

export interface EventRow {
  sequence: number;
  event_id: string;
  kind: string;
  payload_json: string;
  schema_version: number;
  occurred_at: string;
  task_id: string | null;
  saga_id: string | null;
  causal_event_id: string | null;
  causal_sequence: number | null;
  idempotency_key: string | null;
  chain_hash: string | null;
}

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

/** The SELECT list giving an `EventRow` from whatever columns the table has. */
export function eventColumnsSql(columns: ReadonlySet<string>, scheme: ChainScheme): string {
  const list = plainColumns.map((c) => (columns.has(c) ? c : `NULL AS ${c}`));
  list.push(scheme === "none" ? "NULL AS chain_hash" : `${scheme} AS chain_hash`);
  return list.join(", ");
}

export function toStoredEvent(row: EventRow): StoredEvent {
  // Our rows are well typed; a foreign row may hold anything, so coerce without throwing.
  const payloadJson =
    typeof row.payload_json === "string" ? row.payload_json : String(row.payload_json ?? "");
  const parsed = parseStoredPayload(payloadJson);
  const event: StoredEvent = {
    sequence: row.sequence,
    eventId: String(row.event_id ?? ""),
    kind: String(row.kind ?? ""),
    payload: parsed.payload,
    payloadJson,
    schemaVersion: Number(row.schema_version),
    occurredAt: String(row.occurred_at ?? ""),
    taskId: row.task_id === null ? null : String(row.task_id),
    sagaId: row.saga_id === null ? null : String(row.saga_id),
    causalEventId: row.causal_event_id === null ? null : String(row.causal_event_id),
    causalSequence: row.causal_sequence === null ? null : Number(row.causal_sequence),
    // The Python log allows events without a key; ours never writes one.
    idempotencyKey: row.idempotency_key === null ? "" : String(row.idempotency_key),
    chainHash: row.chain_hash === null ? null : String(row.chain_hash),
  };
  if (parsed.error !== undefined) event.payloadError = parsed.error;
  return event;
}
