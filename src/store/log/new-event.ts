/**
 * An appended event's row, built from what a writer hands to the log: its id, its columns
 * as stored and its chain hash. The one definition behind every append, in two steps so
 * that the costly one can run ahead of the transaction on another thread (the legacy
 * mirror's pipeline, mirror/pipeline.ts): `prepareEvent` builds the columns and the text
 * the chain hash covers; `chainEvent`, inside the transaction, hashes it after the
 * previous row.
 */
import { canonicalJson } from "../contract/canonical-json.js";
import type { AppendInput, StoredEvent } from "../contract/envelope.js";
import { type ChainFields, canonicalChainFields, chainHashOf } from "./chain.js";
import { newEventId } from "./event-id.js";

/** A row ready to insert: a stored event but for its sequence and parsed payload. */
export type NewEvent = Omit<StoredEvent, "sequence" | "payload" | "payloadError">;

/** An event's row before it is chained. */
export interface PreparedEvent {
  /** The columns the chain hash covers, as stored. */
  fields: ChainFields;
  /** `canonicalChainFields(fields)`: what the chain hash covers after the previous hash. */
  canonical: string;
  causalEventId: string | null;
  causalSequence: number | null;
}

export const SCHEMA_VERSION_OF_EVENTS = 1;

/** The row for `input`, chained after `prev`. */
export function newEvent(input: AppendInput, prev: string, nowIso: () => string): NewEvent {
  return chainEvent(prepareEvent(input, nowIso), prev);
}

/** `input`'s row but for its chain hash. `nowIso` times an input without its own time. */
export function prepareEvent(input: AppendInput, nowIso: () => string): PreparedEvent {
  const fields: ChainFields = {
    event_id: newEventId(),
    idempotency_key: keyOf(input),
    kind: wellFormed(input.kind),
    occurred_at: input.occurredAt === undefined ? nowIso() : wellFormed(input.occurredAt),
    payload_json: canonicalJson(input.payload),
    saga_id: wellFormedOrNull(input.sagaId),
    schema_version: SCHEMA_VERSION_OF_EVENTS,
    task_id: wellFormedOrNull(input.taskId),
  };
  return {
    fields,
    canonical: canonicalChainFields(fields),
    causalEventId: wellFormedOrNull(input.causalEventId),
    causalSequence: input.causalSequence ?? null,
  };
}

/** The prepared row, chained after `prev`. */
export function chainEvent(event: PreparedEvent, prev: string): NewEvent {
  const { fields } = event;
  return {
    eventId: fields.event_id,
    kind: fields.kind,
    payloadJson: fields.payload_json,
    schemaVersion: fields.schema_version,
    occurredAt: fields.occurred_at,
    taskId: fields.task_id,
    sagaId: fields.saga_id,
    causalEventId: event.causalEventId,
    causalSequence: event.causalSequence,
    idempotencyKey: fields.idempotency_key as string,
    chainHash: chainHashOf(prev, event.canonical),
  };
}

/** The input's idempotency key as stored: the form keys are looked up and compared in. */
export function keyOf(input: AppendInput): string {
  return wellFormed(input.idempotencyKey);
}

/** ES2024's well-formed string methods: in V8 since Node 20, not in this project's ES2023 lib. */
type WellFormedText = string & { isWellFormed(): boolean; toWellFormed(): string };

/**
 * SQLite keeps text as UTF-8, where a lone UTF-16 surrogate cannot exist: better-sqlite3
 * writes U+FFFD in its place. Columns are replaced the same way before hashing, so the
 * chain covers what is stored and the returned event equals what a reader gets back.
 * (Payloads need nothing: JSON.stringify escapes lone surrogates as `\udXXX`.)
 */
function wellFormed(text: string): string {
  const t = text as WellFormedText;
  return t.isWellFormed() ? text : t.toWellFormed();
}

function wellFormedOrNull(text: string | null | undefined): string | null {
  return text === undefined || text === null ? null : wellFormed(text);
}
