/**
 * The mirror's bookkeeping, whichever thread runs it: maps records in file order with
 * `mapLegacyRecord`, redacts secrets, hands the events to a sink in batches and keeps the
 * counts of the summary.
 *
 * Secrets in the records are redacted before they reach the log. The idempotency key is
 * computed from the record as written, so redaction never changes which events are "new".
 */

import { mayHoldSecret, redact } from "../../shared/redact.js";
import { setField } from "../contract/canonical-json.js";
import type { AppendInput } from "../contract/envelope.js";
import type { JsonlBatch, MalformedLine } from "../jsonl/line-parser.js";
import { isRecord } from "../projections/fields.js";
import { initialMirrorState, type MirrorState, mapLegacyRecord } from "./map-legacy.js";

type Payload = Record<string, unknown>;

/**
 * Events per sink batch. Small, so that events (and the stored events appendBatch hands
 * back) are garbage before the next young-generation collection instead of being copied
 * to the old generation: at 50000 the mirror spent twice as long collecting garbage.
 */
const DEFAULT_BATCH_SIZE = 1000;
/** Malformed lines listed in a summary (all are counted). */
const MAX_MALFORMED_LISTED = 50;
/** Distinct unmapped kinds counted by name; a file of random kinds cannot grow the summary. */
const MAX_UNMAPPED_KINDS = 200;
const NO_KIND = "(no kind)";
const OTHER_KINDS = "(other kinds)";

export interface MirrorSummary {
  /** Non-blank lines: records plus malformed lines. */
  lines: number;
  records: number;
  eventsAppended: number;
  /** Events whose key was already in the log (mirrored before). */
  duplicatesSkipped: number;
  /** Records of kinds the mapping does not know, by kind: counted, never turned into events. */
  unmapped: Map<string, number>;
  /** Records nested too deeply to store (see MAX_RECORD_DEPTH): skipped. */
  tooDeep: number;
  malformedCount: number;
  /** The first malformed lines (line number, byte offset, reason, excerpt). */
  malformed: MalformedLine[];
}

/** Where mapped events go: appended, each said to be new or already there. An EventLog is one. */
export interface EventSink {
  appendBatch(inputs: readonly AppendInput[]): readonly { inserted: boolean }[];
}

export interface LegacyMirrorOptions {
  /** Events per sink batch (default 1000). */
  batchSize?: number;
  /** Secret values to redact besides the known token patterns (default: none). */
  secrets?: readonly string[];
}

/** Maps records and appends their events in batches, keeping the counts. */
export class LegacyMirror {
  readonly summary: MirrorSummary = {
    lines: 0,
    records: 0,
    eventsAppended: 0,
    duplicatesSkipped: 0,
    unmapped: new Map(),
    tooDeep: 0,
    malformedCount: 0,
    malformed: [],
  };
  private eventsMapped = 0;
  private recordLine: number | undefined;
  private state: MirrorState = initialMirrorState;
  private pending: AppendInput[] = [];
  private readonly batchSize: number;
  private readonly secrets: readonly string[];

  constructor(
    private readonly sink: EventSink,
    options: LegacyMirrorOptions = {},
  ) {
    this.batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH_SIZE);
    this.secrets = options.secrets ?? [];
  }

  /** Events mapped so far, appended or pending. */
  get mapped(): number {
    return this.eventsMapped;
  }

  /** The line of the record being mapped (or last mapped), when batches carry line numbers. */
  get line(): number | undefined {
    return this.recordLine;
  }

  /** Maps a batch read from the file; appends whenever a full batch of events is pending. */
  add(batch: JsonlBatch): void {
    const s = this.summary;
    s.lines += batch.records.length + batch.malformed.length;
    s.malformedCount += batch.malformed.length;
    for (const line of batch.malformed) {
      if (s.malformed.length < MAX_MALFORMED_LISTED) s.malformed.push(line);
    }
    const { records, recordLines } = batch;
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as Payload;
      this.recordLine = recordLines?.[i];
      s.records += 1;
      const step = mapLegacyRecord(this.state, record);
      this.state = step.state;
      if (step.outcome === "unmapped") this.countUnmapped(record.kind);
      if (step.outcome === "too_deep") s.tooDeep += 1;
      // Payloads hold only the record's strings and fixed names: a clean record, clean events.
      const clean = step.events.length === 0 || !holdsSecret(record, this.secrets);
      this.eventsMapped += step.events.length;
      for (const event of step.events) {
        this.pending.push(
          clean ? event : { ...event, payload: redactDeep(event.payload, this.secrets) as Payload },
        );
      }
      if (this.pending.length >= this.batchSize) this.flush();
    }
  }

  /** Appends what is pending, in one sink batch. */
  flush(): void {
    if (this.pending.length === 0) return;
    const results = this.sink.appendBatch(this.pending);
    this.pending = [];
    for (const result of results) {
      if (result.inserted) this.summary.eventsAppended += 1;
      else this.summary.duplicatesSkipped += 1;
    }
  }

  private countUnmapped(kind: unknown): void {
    const unmapped = this.summary.unmapped;
    let name = typeof kind === "string" ? kind : NO_KIND;
    if (!unmapped.has(name) && unmapped.size >= MAX_UNMAPPED_KINDS) name = OTHER_KINDS;
    unmapped.set(name, (unmapped.get(name) ?? 0) + 1);
  }
}

/**
 * Whether anything in the value may be a secret `redact` recognises. Most records hold
 * none: one test of all their strings joined (keys included) tells. No false negatives:
 * each string is in the joined text as it is, and a match across a separator only costs
 * a copy that redacts nothing.
 */
function holdsSecret(value: Payload, secrets: readonly string[]): boolean {
  return mayHoldSecret(joinedStrings(value, ""), secrets);
}

/** `text` followed by every string in `value` (object keys too), NUL-separated. */
function joinedStrings(value: unknown, text: string): string {
  if (typeof value === "string") return `${text}\u0000${value}`;
  if (value === null || typeof value !== "object") return text;
  let out = text;
  if (Array.isArray(value)) {
    for (const item of value) out = joinedStrings(item, out);
  } else {
    for (const key of Object.keys(value)) {
      out = joinedStrings((value as Payload)[key], `${out}\u0000${key}`);
    }
  }
  return out;
}

function redactDeep(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === "string") return redact(value, secrets);
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, secrets));
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    setField(out, redact(key, secrets), redactDeep(item, secrets));
  }
  return out;
}
