/**
 * The pipeline worker's work (see pipeline.ts): reads the file, maps and redacts its
 * records (LegacyMirror), drops the events whose keys the log held, prepares the others'
 * rows with the log's own `prepareEvent`, and sends them in batches to the inserting
 * thread. Ends with the summary, or with why it failed (naming the line being mirrored).
 */

import { PacingSignals } from "../../shared/thread-pacing.js";
import type { AppendInput } from "../contract/envelope.js";
import { streamJsonlFile } from "../jsonl/reader.js";
import { keyOf, type PreparedEvent, prepareEvent } from "../log/new-event.js";
import { openEventLog, type SqliteEventLog } from "../log/sqlite-event-log.js";
import { type EncodedEvents, encodeEvents } from "./encoded-events.js";
import { KeyScreen } from "./key-screen.js";
import { type EventSink, LegacyMirror } from "./legacy-mirror.js";
import type { PrepareJob, WorkerMessage } from "./pipeline-messages.js";

/**
 * Batches sent ahead of the inserting thread: enough that the worker never waits while
 * the inserts keep up, few enough that a slow insert holds little in memory.
 */
const BATCHES_AHEAD = 16;

/** Thrown to unwind when the inserting thread said to stop. */
const STOPPED = Symbol("stopped");

export function prepareEvents(
  job: PrepareJob,
  send: (message: WorkerMessage, transfer?: ArrayBuffer[]) => void,
): void {
  const signals = new PacingSignals(job.signals);
  let log: SqliteEventLog | undefined;
  let mirror: LegacyMirror | undefined;
  try {
    log = openEventLog(job.dbPath, { mode: "readonly" });
    const keys = new KeyScreen(log, job.askTheLog);
    const sink = new PreparingSink(keys, job.nowIso, (events, sent) => {
      if (!signals.waitForRoom(sent, BATCHES_AHEAD)) throw STOPPED;
      send({ type: "events", events }, [events.bytes, events.lengths.buffer as ArrayBuffer]);
    });
    mirror = new LegacyMirror(sink, { batchSize: job.batchSize, secrets: job.secrets });
    for (const batch of streamJsonlFile(job.file, { lineNumbers: true })) mirror.add(batch);
    mirror.flush();
    send({ type: "done", summary: mirror.summary });
  } catch (err) {
    if (err === STOPPED) return;
    const { message, code } = err as { message?: unknown; code?: unknown };
    send({
      type: "failed",
      message: typeof message === "string" ? message : String(err),
      ...(typeof code === "string" ? { code } : {}),
      ...(mirror?.line === undefined ? {} : { line: mirror.line }),
    });
  } finally {
    log?.close();
  }
}

/**
 * LegacyMirror's sink in the worker: events the log does not hold become prepared rows,
 * sent in batches. Its summary counts an `unsure` event as appended: the inserting thread
 * corrects that for those it finds held.
 */
class PreparingSink implements EventSink {
  private sentBatches = 0;
  private readonly now: () => string;

  constructor(
    private readonly keys: KeyScreen,
    nowIso: string,
    /** Sends a batch; `sent` batches went before it. */
    private readonly send: (events: EncodedEvents, sent: number) => void,
  ) {
    this.now = () => nowIso;
  }

  appendBatch(inputs: readonly AppendInput[]): { inserted: boolean }[] {
    const verdicts = this.keys.screen(inputs.map(keyOf));
    const rows: PreparedEvent[] = [];
    const unsure: number[] = [];
    inputs.forEach((input, i) => {
      if (verdicts[i] === "held") return;
      if (verdicts[i] === "unsure") unsure.push(rows.length);
      rows.push(prepareEvent(input, this.now));
    });
    if (rows.length > 0) {
      this.send(encodeEvents(rows, unsure), this.sentBatches);
      this.sentBatches += 1;
    }
    return verdicts.map((verdict) => ({ inserted: verdict !== "held" }));
  }
}
