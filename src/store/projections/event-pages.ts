/**
 * The whole log up to its head, page by page, for a fold from sequence 0 (`rebuild`,
 * `verify`). Reading and parsing the events is as much work as folding them, so a large log
 * is read by a worker thread (event-pages-worker.ts) while this thread folds: it only
 * parses each page's JSON text (event-page-codec.ts), and the two threads run side by side.
 * A small log, or one the worker cannot open beside this connection, is read here.
 *
 * The worker has a connection of its own, and reads only up to the head this one saw:
 * events are never changed or removed, so it reads exactly what this connection would,
 * whatever is appended meanwhile. It needs the log in WAL mode: in rollback-journal mode,
 * its reads would keep a writing fold (`rebuild`) from committing.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort } from "node:worker_threads";
import type Database from "better-sqlite3";
import { startModuleWorker } from "../../shared/module-worker.js";
import { PacingSignals } from "../../shared/thread-pacing.js";
import type { FoldEvent } from "../contract/envelope.js";
import { type EventPagesJob, PageDecoder, type PageMessage } from "./event-page-codec.js";
import { foldEventSql } from "./event-source.js";
import type { EventSource } from "./snapshots.js";

/**
 * Events read at a time. A page's parsed payloads live until it is folded, so a large page
 * outlives young-generation collections and gets copied and promoted: at 10,000 events a
 * rebuild spent a fifth of its time collecting garbage, at 1,000 a twentieth.
 */
const pageSize = 1000;
/** Pages the worker may read ahead of the fold. */
const pagesAhead = 4;
/**
 * Below this, a worker costs about what it saves: it takes ~40 ms to start (more from the
 * TypeScript sources), and saves ~1 µs of each event's reading on this thread.
 */
const defaultMinEventsForWorker = 50_000;
/** How long the fold waits for a page before taking the worker for lost. */
const stallMs = 60_000;

export interface EventPagesOptions {
  minEventsForWorker?: number;
}

/** The whole log as of now, oldest first, in pages: what a fold from sequence 0 reads. */
export type LogPages = () => Iterable<FoldEvent[]>;

/** The events up to `head`, oldest first, in pages. */
export function eventPages(
  db: Database.Database,
  columns: ReadonlySet<string>,
  readEvents: EventSource,
  head: number,
  options: EventPagesOptions = {},
): Iterable<FoldEvent[]> {
  const minEvents = options.minEventsForWorker ?? defaultMinEventsForWorker;
  const inWorker = head >= minEvents && !db.memory && db.name !== "" && isWal(db);
  return inWorker
    ? pagesFromWorker(db.name, foldEventSql(columns), head)
    : pagesHere(readEvents, head);
}

function isWal(db: Database.Database): boolean {
  return db.pragma("journal_mode", { simple: true }) === "wal";
}

function* pagesHere(readEvents: EventSource, head: number): Generator<FoldEvent[]> {
  let after = 0;
  while (after < head) {
    const read = readEvents(after, pageSize);
    const last = read[read.length - 1];
    const page =
      last === undefined || last.sequence <= head ? read : read.filter((e) => e.sequence <= head);
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    after = (page[page.length - 1] as FoldEvent).sequence;
  }
}

function* pagesFromWorker(dbPath: string, sql: string, head: number): Generator<FoldEvent[]> {
  const signals = new PacingSignals();
  const { port1, port2 } = new MessageChannel();
  const job: EventPagesJob = {
    dbPath,
    sql,
    head,
    pageSize,
    ahead: pagesAhead,
    signals: signals.buffer,
    port: port2,
  };
  const worker = startModuleWorker(new URL("./event-pages-worker.js", import.meta.url), {
    workerData: job,
    transferList: [port2],
  });
  // Its failures come as messages; this only keeps one reported after the fold stopped
  // listening from ending the process.
  worker.on("error", () => {});
  const decoder = new PageDecoder();
  let taken = 0;
  try {
    for (;;) {
      const message = nextMessage(port1, signals);
      signals.taken(++taken);
      if (message.type === "end") return;
      if (message.type === "failed") {
        throw new Error(`reading the log ${dbPath} for a fold failed: ${message.message}`);
      }
      yield decoder.decode(message.page);
    }
  } finally {
    signals.stop();
    port1.close();
    void worker.terminate();
  }
}

/** Blocks until the worker's next message (this thread folds in a synchronous transaction). */
function nextMessage(port: MessagePort, signals: PacingSignals): PageMessage {
  const since = Date.now();
  for (;;) {
    // Read before looking: a message posted after the look bumps it, so the wait returns.
    const seen = signals.sentSoFar();
    const received = receiveMessageOnPort(port);
    if (received !== undefined) return received.message as PageMessage;
    if (Date.now() - since > stallMs) {
      throw new Error(`the worker reading the log sent nothing for ${stallMs / 1000} s`);
    }
    signals.waitForMore(seen, 1000);
  }
}
