/**
 * Mirrors a legacy runner JSONL file into the event log (EVENTS.md "The legacy mirror"):
 * records are mapped in file order by `mapLegacyRecord` and appended in batches, many
 * batches to a transaction. Appending is idempotent by key, so a file mirrored again (or
 * a follow restarted) appends only what is new.
 *
 * Secrets in the records are redacted before they reach the log. The idempotency key is
 * computed from the record as written, so redaction never changes which events are "new".
 */

import { mayHoldSecret, redact } from "../../shared/redact.js";
import type { AppendInput } from "../contract/envelope.js";
import type { JsonlBatch, MalformedLine } from "../jsonl/line-parser.js";
import { streamJsonlFile } from "../jsonl/reader.js";
import { JsonlTailer } from "../jsonl/tailer.js";
import type { EventLog } from "../log/event-log.js";
import { isRecord } from "../projections/fields.js";
import { initialMirrorState, type MirrorState, mapLegacyRecord } from "./map-legacy.js";

type Payload = Record<string, unknown>;

/**
 * Events per appendBatch. Small, so that events (and the stored events appendBatch hands
 * back) are garbage before the next young-generation collection instead of being copied
 * to the old generation: at 50000 the mirror spent twice as long collecting garbage.
 */
const DEFAULT_BATCH_SIZE = 1000;
/**
 * Events per commit, give or take a file chunk. Large, because each commit rewrites the
 * index pages it touched (the `kind` and `task_id` indexes take inserts all over) and may
 * checkpoint: a million events spend 2 to 3 s less in commits at 50000 per transaction
 * than at 5000 (bench/suites/mirror.ts).
 */
const DEFAULT_EVENTS_PER_COMMIT = 50_000;
/** Records a batch from the tailer is cut into, so its commits come as often as a file's. */
const RECORDS_PER_SLICE = 5000;
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

export interface MirrorOptions {
  /** Events per appendBatch (default 1000); a transaction holds many of them. */
  batchSize?: number;
  /** Events per transaction, give or take a chunk of the file (default 50000). */
  eventsPerCommit?: number;
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
  readonly eventsPerCommit: number;
  private eventsMapped = 0;
  private state: MirrorState = initialMirrorState;
  private pending: AppendInput[] = [];
  private readonly batchSize: number;
  private readonly secrets: readonly string[];

  constructor(
    private readonly log: EventLog,
    options: MirrorOptions = {},
  ) {
    this.batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH_SIZE);
    this.eventsPerCommit = Math.max(1, options.eventsPerCommit ?? DEFAULT_EVENTS_PER_COMMIT);
    this.secrets = options.secrets ?? [];
  }

  /** Events mapped so far, appended or pending. */
  get mapped(): number {
    return this.eventsMapped;
  }

  /** Maps a batch read from the file; appends whenever a full batch of events is pending. */
  add(batch: JsonlBatch): void {
    const s = this.summary;
    s.lines += batch.records.length + batch.malformed.length;
    s.malformedCount += batch.malformed.length;
    for (const line of batch.malformed) {
      if (s.malformed.length < MAX_MALFORMED_LISTED) s.malformed.push(line);
    }
    for (const record of batch.records) {
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

  /** Appends what is pending, in one appendBatch. */
  flush(): void {
    if (this.pending.length === 0) return;
    const results = this.log.appendBatch(this.pending);
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

/** Mirrors the whole file as it is now. An unterminated last line counts as malformed. */
export async function mirrorFile(
  log: EventLog,
  path: string,
  options: MirrorOptions = {},
): Promise<MirrorSummary> {
  const mirror = new LegacyMirror(log, options);
  mirrorBatches(log, mirror, streamJsonlFile(path));
  return mirror.summary;
}

/**
 * Maps and appends the batches in transactions of about `eventsPerCommit` events, so
 * commits are few, while the mirror appends (in batches of its batchSize) as it maps, so
 * events never pile up waiting for a commit.
 */
function mirrorBatches(log: EventLog, mirror: LegacyMirror, batches: Iterable<JsonlBatch>): void {
  const iterator = batches[Symbol.iterator]();
  let next = iterator.next();
  while (!next.done) {
    log.transaction(() => {
      const until = mirror.mapped + mirror.eventsPerCommit;
      for (; !next.done && mirror.mapped < until; next = iterator.next()) mirror.add(next.value);
      mirror.flush();
    });
  }
}

/** A batch as a few smaller ones (the malformed lines go with the first). */
function* slices(batch: JsonlBatch): Generator<JsonlBatch> {
  let malformed = batch.malformed;
  for (
    let from = 0;
    from < batch.records.length || malformed.length > 0;
    from += RECORDS_PER_SLICE
  ) {
    yield { records: batch.records.slice(from, from + RECORDS_PER_SLICE), malformed };
    malformed = [];
  }
}

export interface FollowOptions extends MirrorOptions {
  /** Aborting stops following: what was read is appended and the summary returned. */
  signal: AbortSignal;
  /** Called after each batch is appended (the CLI's progress line). */
  onProgress?(summary: MirrorSummary): void;
  /** The tailer's safety-net poll (default 1000 ms). */
  pollMs?: number;
}

/**
 * Mirrors the file from its start and keeps following it (appends, truncation, rotation)
 * until `signal` aborts. Each batch is appended as soon as it is read, so the log trails
 * the file by one poll at most. Rejects when an append fails (the file is left where it
 * was: following again resumes, idempotently).
 */
export function followFile(
  log: EventLog,
  path: string,
  options: FollowOptions,
): Promise<MirrorSummary> {
  const mirror = new LegacyMirror(log, options);
  return new Promise((resolve, reject) => {
    let finished = false;
    const finish = (err?: unknown) => {
      if (finished) return;
      finished = true;
      tailer.stop();
      options.signal.removeEventListener("abort", onAbort);
      if (err !== undefined) {
        reject(err);
        return;
      }
      try {
        mirror.flush();
        resolve(mirror.summary);
      } catch (flushErr) {
        reject(flushErr);
      }
    };
    const onAbort = () => finish();
    const tailer = new JsonlTailer(path, {
      from: "start",
      ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
      onBatch: (batch) => {
        mirrorBatches(log, mirror, slices(batch));
        options.onProgress?.(mirror.summary);
      },
      onError: (err) => finish(err),
    });
    if (options.signal.aborted) {
      resolve(mirror.summary);
      return;
    }
    options.signal.addEventListener("abort", onAbort, { once: true });
    tailer.start();
  });
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
    Object.defineProperty(out, redact(key, secrets), {
      value: redactDeep(item, secrets),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
