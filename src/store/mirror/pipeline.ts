/**
 * The legacy mirror of a large file as a pipeline over two threads: a worker
 * (prepare-events.ts) reads the file, maps its records, screens their keys, and prepares
 * the rows up to the text their chain hash covers; this thread hashes and inserts them,
 * while the worker prepares the next. The split is where the work halves: on one thread,
 * each half takes about as long as the other (bench/suites/mirror.ts measures both).
 *
 * Both halves are the log's own functions (`keyOf`, `prepareEvent`, `chainEvent`), so the
 * rows are those a one-thread mirror appends, and chained after whatever the log's head is
 * when they are inserted (should another process have appended meanwhile: the UI, an
 * operator command).
 *
 * Rows are inserted as they arrive, in transactions of about `eventsPerCommit` events: a
 * crash or kill leaves whole transactions, and mirroring again appends the rest. A failure
 * on either side stops both and rejects, naming the file (and the line, from the worker).
 */
import type { Worker } from "node:worker_threads";
import { startModuleWorker } from "../../shared/module-worker.js";
import { PacingSignals } from "../../shared/thread-pacing.js";
import type { OpenTransaction, SqliteEventLog } from "../log/sqlite-event-log.js";
import { decodeEvents } from "./encoded-events.js";
import type { LegacyMirrorOptions, MirrorSummary } from "./legacy-mirror.js";
import { MIRROR_KEY_PREFIX } from "./map-legacy.js";
import type { PrepareJob, WorkerMessage } from "./pipeline-messages.js";

/** Events per batch the worker sends: a few milliseconds of inserts each. */
const DEFAULT_EVENTS_PER_BATCH = 2000;
/**
 * The worker's young generation (V8's default is 16 MB for this size of heap): what it
 * allocates for a record is garbage within a batch, and a larger nursery lets it die there
 * instead of being copied to the old generation: a third less time collecting garbage.
 */
const WORKER_YOUNG_GENERATION_MB = 128;

export interface PipelineOptions extends LegacyMirrorOptions {
  eventsPerCommit: number;
}

export function mirrorInWorker(
  log: SqliteEventLog,
  path: string,
  options: PipelineOptions,
): Promise<MirrorSummary> {
  const signals = new PacingSignals();
  const worker = startPrepareWorker(log, path, options, signals);
  return new Promise((resolve, reject) => {
    let settled = false;
    let transaction: OpenTransaction | undefined;
    let uncommitted = 0;
    let taken = 0;
    /** Events the worker counted as appended whose keys this thread found held. */
    let held = 0;
    const settle = (outcome: { summary: MirrorSummary } | { error: unknown }) => {
      if (settled) return;
      settled = true;
      signals.stop();
      transaction?.rollback();
      // Settled once the worker is gone: no thread of the mirror outlives its promise.
      void worker.terminate().then(() => {
        if ("summary" in outcome) resolve(outcome.summary);
        else reject(outcome.error);
      });
    };
    const commit = () => {
      const ending = transaction;
      transaction = undefined;
      uncommitted = 0;
      ending?.commit();
    };
    worker.on("message", (message: WorkerMessage) => {
      if (settled) return;
      try {
        if (message.type === "events") {
          // Taken before inserting: the worker prepares the next batches meanwhile.
          signals.taken(++taken);
          transaction ??= log.openTransaction();
          held += log.appendPrepared(decodeEvents(message.events), message.events.unsure);
          uncommitted += message.events.count;
          if (uncommitted >= options.eventsPerCommit) commit();
        } else if (message.type === "done") {
          commit();
          const { summary } = message;
          summary.eventsAppended -= held;
          summary.duplicatesSkipped += held;
          settle({ summary });
        } else {
          settle({ error: failure(path, message) });
        }
      } catch (err) {
        const { message, code } = err as { message?: unknown; code?: unknown };
        settle({
          error: failure(path, {
            message: `${log.path}: ${typeof message === "string" ? message : String(err)}`,
            ...(typeof code === "string" ? { code } : {}),
            cause: err,
          }),
        });
      }
    });
    worker.on("error", (err) =>
      settle({ error: failure(path, { message: err.message, cause: err }) }),
    );
    worker.on("exit", (code) =>
      settle({ error: failure(path, { message: `the worker stopped (exit code ${code})` }) }),
    );
  });
}

/**
 * The worker preparing `path`'s rows for `log` (which it opens read-only), told by
 * `signals`. What it sends is `WorkerMessage`s.
 */
export function startPrepareWorker(
  log: SqliteEventLog,
  path: string,
  options: LegacyMirrorOptions,
  signals: PacingSignals,
): Worker {
  const job: PrepareJob = {
    file: path,
    dbPath: log.path,
    nowIso: log.nowIso(),
    askTheLog: log.holdsKeyStartingWith(MIRROR_KEY_PREFIX),
    batchSize: Math.max(1, options.batchSize ?? DEFAULT_EVENTS_PER_BATCH),
    secrets: options.secrets ?? [],
    signals: signals.buffer,
  };
  return startModuleWorker(new URL("./prepare-worker.js", import.meta.url), {
    workerData: job,
    resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
  });
}

/** An error that names the file (and the line, when the worker knew it), keeping the code. */
function failure(
  path: string,
  what: { message: string; code?: string; line?: number; cause?: unknown },
): Error {
  const where = what.line === undefined ? "" : ` at line ${what.line}`;
  const error = new Error(`mirroring ${path} failed${where}: ${what.message}`, {
    cause: what.cause,
  });
  if (what.code !== undefined) Object.assign(error, { code: what.code });
  return error;
}
