/** What the pipeline's two threads tell each other (see pipeline.ts). */
import type { EncodedEvents } from "./encoded-events.js";
import type { MirrorSummary } from "./legacy-mirror.js";

/** The worker's `workerData`. */
export interface PrepareJob {
  file: string;
  /** The log, which the worker opens read-only for its duplicate checks. */
  dbPath: string;
  /** The log's clock when the pipeline started: the time of events whose record has none. */
  nowIso: string;
  /** Whether the log held mirrored keys already (see KeyScreen). */
  askTheLog: boolean;
  /** Events per batch sent. */
  batchSize: number;
  secrets: readonly string[];
  /** The pacing signals' shared memory (shared/thread-pacing.ts). */
  signals: SharedArrayBuffer;
}

/** From the worker: batches of new rows, in order, then the summary, or why it failed. */
export type WorkerMessage =
  | { type: "events"; events: EncodedEvents }
  | { type: "done"; summary: MirrorSummary }
  | { type: "failed"; message: string; code?: string; line?: number };
