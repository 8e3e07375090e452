/**
 * The stored event as every reader sees it, and what a writer hands to the log.
 * Column names follow the Python forge-loop's `events` table (EVENTS.md); fields here are
 * their camelCase twins.
 */

export interface StoredEvent {
  sequence: number;
  eventId: string;
  kind: string;
  /** Parsed `payload_json`; `{}` when the stored text was not a JSON object (see `payloadError`). */
  payload: Record<string, unknown>;
  /** The payload exactly as stored: the chain hash is computed over this text. */
  payloadJson: string;
  /** Set when `payload_json` did not parse as a JSON object: the reader keeps going. */
  payloadError?: string;
  schemaVersion: number;
  occurredAt: string;
  taskId: string | null;
  sagaId: string | null;
  causalEventId: string | null;
  causalSequence: number | null;
  idempotencyKey: string;
  chainHash: string | null;
}

/**
 * What a fold reads of an event. Replay and rebuild load only these columns: the others
 * (ids, key, chain hash, payload text) are a third of the bytes read and never folded.
 */
export type FoldEvent = Pick<
  StoredEvent,
  "sequence" | "kind" | "payload" | "occurredAt" | "taskId" | "sagaId" | "causalSequence"
>;

/** What a writer appends. The log fills in sequence, event id, time and chain hash. */
export interface AppendInput {
  kind: string;
  payload: Record<string, unknown>;
  idempotencyKey: string;
  taskId?: string | null;
  sagaId?: string | null;
  causalEventId?: string | null;
  causalSequence?: number | null;
  /** Defaults to the log's clock; the legacy mirror passes the record's own `ts`. */
  occurredAt?: string;
}

export interface AppendResult {
  event: StoredEvent;
  /** False when the idempotency key already existed and nothing was written. */
  inserted: boolean;
}

/** Parses stored payload text leniently: never throws on content. */
export function parseStoredPayload(text: string): {
  payload: Record<string, unknown>;
  error?: string;
} {
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      return { payload: value as Record<string, unknown> };
    }
    return {
      payload: {},
      error: `payload is ${Array.isArray(value) ? "an array" : typeof value}, not an object`,
    };
  } catch (err) {
    return { payload: {}, error: `payload is not JSON: ${(err as Error).message}` };
  }
}
