/**
 * Prepared rows on their way from the mirror's worker to the thread that chains and
 * inserts them, in a form that is cheap to send: every field of every row back to back in
 * one string, plus their lengths. Cloning that for postMessage is a copy; cloning rows as
 * objects would walk millions of small strings, at about twice the cost on the inserting
 * thread, which is the one the pipeline waits for.
 */
import type { PreparedEvent } from "../log/new-event.js";
import { SCHEMA_VERSION_OF_EVENTS } from "../log/new-event.js";

export interface EncodedEvents {
  count: number;
  text: string;
  /** Per row, the length of each of its FIELDS, in the order `encodeEvents` puts them; NULL is -1. */
  lengths: Int32Array;
}

/** Fields sent per row: all but `schema_version`, the same for every row. */
const FIELDS = 10;

export function encodeEvents(events: readonly PreparedEvent[]): EncodedEvents {
  const lengths = new Int32Array(events.length * FIELDS);
  const parts: string[] = [];
  let at = 0;
  const put = (field: string | null) => {
    if (field === null) {
      lengths[at++] = -1;
    } else {
      lengths[at++] = field.length;
      parts.push(field);
    }
  };
  for (const { fields, canonical, causalEventId, causalSequence } of events) {
    put(fields.event_id);
    put(fields.idempotency_key);
    put(fields.kind);
    put(fields.occurred_at);
    put(fields.payload_json);
    put(fields.saga_id);
    put(fields.task_id);
    put(canonical);
    put(causalEventId);
    put(causalSequence === null ? null : String(causalSequence));
  }
  return { count: events.length, text: parts.join(""), lengths };
}

export function decodeEvents({ count, text, lengths }: EncodedEvents): PreparedEvent[] {
  const events: PreparedEvent[] = new Array(count);
  let at = 0;
  let offset = 0;
  const take = (): string | null => {
    const length = lengths[at++] as number;
    if (length < 0) return null;
    offset += length;
    return text.slice(offset - length, offset);
  };
  for (let row = 0; row < count; row++) {
    const eventId = take() as string;
    const idempotencyKey = take();
    const kind = take() as string;
    const occurredAt = take() as string;
    const payloadJson = take() as string;
    const sagaId = take();
    const taskId = take();
    const canonical = take() as string;
    const causalEventId = take();
    const causalSequence = take();
    events[row] = {
      fields: {
        event_id: eventId,
        idempotency_key: idempotencyKey,
        kind,
        occurred_at: occurredAt,
        payload_json: payloadJson,
        saga_id: sagaId,
        schema_version: SCHEMA_VERSION_OF_EVENTS,
        task_id: taskId,
      },
      canonical,
      causalEventId,
      causalSequence: causalSequence === null ? null : Number(causalSequence),
    };
  }
  return events;
}
