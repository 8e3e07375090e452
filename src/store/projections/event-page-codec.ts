/**
 * Pages of fold events as the worker reading the log sends them to the folding thread
 * (event-pages.ts), and what else they tell each other.
 *
 * A page is one JSON text, so the folding thread turns it into events with one `JSON.parse`:
 * cheaper than the strings and row arrays SQLite hands over column by column, and than
 * objects copied between threads. Each event is an array `[sequence, kind, occurredAt,
 * taskId, sagaId, causalSequence, payload]` whose payload is the stored text itself, put in
 * as it is only when the worker parsed it to a JSON object (else `{}`, as `parseStoredPayload`
 * gives), so no stored text can change the page's structure. Kinds, a few dozen in a log,
 * go once each and then by their index.
 */
import type { MessagePort } from "node:worker_threads";
import type { FoldEvent } from "../contract/envelope.js";
import { foldEventOf } from "./event-source.js";

/** The worker's `workerData`. */
export interface EventPagesJob {
  dbPath: string;
  /** `foldEventSql` of the log's columns. */
  sql: string;
  /** The last sequence to read. */
  head: number;
  pageSize: number;
  /** Most pages sent and not yet taken. */
  ahead: number;
  /** The pacing signals' shared memory (shared/thread-pacing.ts). */
  signals: SharedArrayBuffer;
  /** Where to post `PageMessage`s, read by the folding thread without its event loop. */
  port: MessagePort;
}

export interface EncodedPage {
  /** Kinds first seen in this page: their indexes follow those of the pages before. */
  kinds: string[];
  text: string;
}

/** From the worker: pages in order, then the end, or why it failed. */
export type PageMessage =
  | { type: "page"; page: EncodedPage }
  | { type: "end" }
  | { type: "failed"; message: string };

type EncodedEvent = [
  number,
  number,
  string,
  string | null,
  string | null,
  number | string | null,
  Record<string, unknown>,
];

export class PageEncoder {
  private readonly kindIndexes = new Map<string, number>();
  private kinds: string[] = [];
  private events: string[] = [];

  /** `payloadJson`: the JSON object text the event's payload was parsed from. */
  add(event: FoldEvent, payloadJson: string): void {
    let kind = this.kindIndexes.get(event.kind);
    if (kind === undefined) {
      kind = this.kindIndexes.size;
      this.kindIndexes.set(event.kind, kind);
      this.kinds.push(event.kind);
    }
    const { sequence, occurredAt, taskId, sagaId, causalSequence } = event;
    const causal = causalSequence === null ? "null" : numberJson(causalSequence);
    this.events.push(
      `[${sequence},${kind},${JSON.stringify(occurredAt)},${JSON.stringify(taskId)},${JSON.stringify(sagaId)},${causal},${payloadJson}]`,
    );
  }

  /** The events added since the last page, as the next page. */
  page(): EncodedPage {
    const page = { kinds: this.kinds, text: `[${this.events.join(",")}]` };
    this.kinds = [];
    this.events = [];
    return page;
  }
}

export class PageDecoder {
  private readonly kinds: string[] = [];

  decode(page: EncodedPage): FoldEvent[] {
    for (const kind of page.kinds) this.kinds.push(kind);
    const encoded = JSON.parse(page.text) as EncodedEvent[];
    const events = new Array<FoldEvent>(encoded.length);
    for (let i = 0; i < encoded.length; i++) {
      // Indexes, not a destructuring: this runs a million times a rebuild.
      const event = encoded[i] as EncodedEvent;
      const causal = event[5];
      events[i] = foldEventOf(
        event[0],
        this.kinds[event[1]] as string,
        event[6],
        event[2],
        event[3],
        event[4],
        causal === null ? null : Number(causal),
      );
    }
    return events;
  }
}

/** A number as JSON that `Number` reads back the same: NaN, ±Infinity and -0 go as text. */
function numberJson(value: number): string {
  if (Object.is(value, -0)) return '"-0"';
  return Number.isFinite(value) ? String(value) : `"${value}"`;
}
