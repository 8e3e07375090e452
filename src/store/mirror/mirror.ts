/**
 * Mirrors a legacy runner JSONL file into the event log (EVENTS.md "The legacy mirror"):
 * records are mapped in file order (legacy-mirror.ts) and appended in batches, many
 * batches to a transaction. Appending is idempotent by key, so a file mirrored again (or
 * a follow restarted) appends only what is new.
 *
 * A large file is mirrored by a pipeline (pipeline.ts): a worker thread reads, maps and
 * prepares rows while this thread chains and inserts them. Everything else (a small file, a log that is not
 * SQLite, following) runs here, one step after the other: same events, same rows.
 */

import { statSync } from "node:fs";
import type { JsonlBatch } from "../jsonl/line-parser.js";
import { streamJsonlFile } from "../jsonl/reader.js";
import { JsonlTailer } from "../jsonl/tailer.js";
import type { EventLog } from "../log/event-log.js";
import { SqliteEventLog } from "../log/sqlite-event-log.js";
import { openStore } from "../store.js";
import { LegacyMirror, type LegacyMirrorOptions, type MirrorSummary } from "./legacy-mirror.js";
import { mirrorInWorker } from "./pipeline.js";

export type { MirrorSummary } from "./legacy-mirror.js";

/**
 * Events per commit, give or take a file chunk. Large, because each commit rewrites the
 * index pages it touched (the `kind` and `task_id` indexes take inserts all over) and may
 * checkpoint: a million events spend 2 to 3 s less in commits at 50000 per transaction
 * than at 5000 (bench/suites/mirror.ts).
 */
export const DEFAULT_EVENTS_PER_COMMIT = 50_000;
/**
 * Files from this size up are mirrored by the pipeline. Below it, starting a worker (tens
 * of milliseconds, and a second connection to the log) costs more than it saves.
 */
const DEFAULT_WORKER_FROM_BYTES = 1024 * 1024;
/** Records a batch from the tailer is cut into, so its commits come as often as a file's. */
const RECORDS_PER_SLICE = 5000;

export interface MirrorOptions extends LegacyMirrorOptions {
  /** Events per transaction, give or take a chunk of the file (default 50000). */
  eventsPerCommit?: number;
  /** Files of at least this many bytes are mirrored by the pipeline (default 1 MiB). */
  workerFromBytes?: number;
}

/**
 * Mirrors the whole file as it is now. An unterminated last line counts as malformed.
 * Called inside a transaction of the caller's, it appends inside it, on this thread.
 */
export async function mirrorFile(
  log: EventLog,
  path: string,
  options: MirrorOptions = {},
): Promise<MirrorSummary> {
  const eventsPerCommit = Math.max(1, options.eventsPerCommit ?? DEFAULT_EVENTS_PER_COMMIT);
  const pipelined =
    log instanceof SqliteEventLog &&
    log.mode === "writer" &&
    !log.db.inTransaction &&
    statSync(path).size >= (options.workerFromBytes ?? DEFAULT_WORKER_FROM_BYTES);
  if (pipelined) return mirrorInWorker(log, path, { ...options, eventsPerCommit });
  const mirror = new LegacyMirror(log, options);
  mirrorBatches(log, mirror, streamJsonlFile(path), eventsPerCommit);
  return mirror.summary;
}

/**
 * Maps and appends the batches in transactions of about `eventsPerCommit` events, so
 * commits are few, while the mirror appends (in batches of its batchSize) as it maps, so
 * events never pile up waiting for a commit.
 */
function mirrorBatches(
  log: EventLog,
  mirror: LegacyMirror,
  batches: Iterable<JsonlBatch>,
  eventsPerCommit: number,
): void {
  const iterator = batches[Symbol.iterator]();
  let next = iterator.next();
  while (!next.done) {
    log.transaction(() => {
      const until = mirror.mapped + eventsPerCommit;
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

/**
 * Mirrors `file` into `log` (opened as the writer, without the projections), then folds
 * what it appended into the projection tables in one pass: opening the store catches them
 * up, by a rebuild when the import is a large part of the log (store.ts). For a large
 * file, several times faster than folding every batch as it commits (bench: 1M lines,
 * 48 s folded batch by batch).
 */
export async function mirrorThenFold(
  log: SqliteEventLog,
  file: string,
  options: MirrorOptions = {},
): Promise<MirrorSummary> {
  const summary = await mirrorFile(log, file, options);
  openStore(log.path, { mode: "writer" }).close();
  return summary;
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
 *
 * Always on this thread, without the pipeline: after the catch-up, batches are a poll's
 * worth of lines, which a worker would only delay; and the catch-up itself comes from the
 * tailer in pieces as it reads, which the pipeline (reading the file itself) cannot take.
 */
export function followFile(
  log: EventLog,
  path: string,
  options: FollowOptions,
): Promise<MirrorSummary> {
  const mirror = new LegacyMirror(log, options);
  const eventsPerCommit = Math.max(1, options.eventsPerCommit ?? DEFAULT_EVENTS_PER_COMMIT);
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
        mirrorBatches(log, mirror, slices(batch), eventsPerCommit);
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
