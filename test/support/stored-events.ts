/**
 * Stored events for fold tests, built the way the log stores them: sequences from 1,
 * canonical-enough payload text, envelope ids. `storedEvents` turns what a writer appends
 * (e.g. `engineStream` output) into what a reader gets back.
 */
import type { AppendInput, StoredEvent } from "../../src/store/contract/envelope.js";

const baseMs = Date.UTC(2026, 10, 20, 9, 0, 0);

/** One stored event; `sequence` and `occurredAt` default from each other's absence. */
export function storedEvent(
  kind: string,
  payload: Record<string, unknown>,
  fields: Partial<Omit<StoredEvent, "kind" | "payload">> = {},
): StoredEvent {
  const sequence = fields.sequence ?? 1;
  return {
    sequence,
    eventId: fields.eventId ?? sequence.toString(16).padStart(32, "0"),
    kind,
    payload,
    payloadJson: fields.payloadJson ?? JSON.stringify(payload),
    schemaVersion: fields.schemaVersion ?? 1,
    occurredAt: fields.occurredAt ?? new Date(baseMs + sequence * 1000).toISOString(),
    taskId: fields.taskId ?? null,
    sagaId: fields.sagaId ?? null,
    causalEventId: fields.causalEventId ?? null,
    causalSequence: fields.causalSequence ?? null,
    idempotencyKey: fields.idempotencyKey ?? `${kind}:${sequence}`,
    chainHash: fields.chainHash ?? null,
    ...(fields.payloadError === undefined ? {} : { payloadError: fields.payloadError }),
  };
}

/** Appended inputs as stored events, numbered from `firstSequence`. */
export function storedEvents(inputs: Iterable<AppendInput>, firstSequence = 1): StoredEvent[] {
  const out: StoredEvent[] = [];
  let sequence = firstSequence;
  for (const input of inputs) {
    out.push(
      storedEvent(input.kind, input.payload, {
        sequence,
        idempotencyKey: input.idempotencyKey,
        taskId: input.taskId ?? null,
        sagaId: input.sagaId ?? null,
        causalEventId: input.causalEventId ?? null,
        causalSequence: input.causalSequence ?? null,
        ...(input.occurredAt === undefined ? {} : { occurredAt: input.occurredAt }),
      }),
    );
    sequence += 1;
  }
  return out;
}

/**
 * A builder numbering events in order, for table tests: `s.ev("task.planned", {...})`.
 * Times advance one second per event from a fixed start.
 */
export function eventSequence(firstSequence = 1): {
  ev: (
    kind: string,
    payload: Record<string, unknown>,
    fields?: Partial<Omit<StoredEvent, "kind" | "payload" | "sequence">>,
  ) => StoredEvent;
} {
  let sequence = firstSequence;
  return {
    ev: (kind, payload, fields = {}) =>
      storedEvent(kind, payload, { ...fields, sequence: sequence++ }),
  };
}
