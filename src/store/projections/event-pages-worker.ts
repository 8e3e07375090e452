/**
 * The worker thread reading the log for a fold (see event-pages.ts): the events up to the
 * job's head, converted as the folding thread would convert them (`toFoldEvent`), sent page
 * by page, at most a few pages ahead of the fold.
 */
import { workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { PacingSignals } from "../../shared/thread-pacing.js";
import { parseStoredPayload } from "../contract/envelope.js";
import { type EventPagesJob, PageEncoder, type PageMessage } from "./event-page-codec.js";
import { type FoldRow, payloadText, toFoldEvent } from "./event-source.js";

const job = workerData as EventPagesJob;
const signals = new PacingSignals(job.signals);
let sent = 0;

function send(message: PageMessage): void {
  job.port.postMessage(message);
  signals.sent(++sent);
}

function sendPages(db: Database.Database): void {
  const select = db.prepare(job.sql).raw();
  const encoder = new PageEncoder();
  let after = 0;
  while (after < job.head) {
    if (!signals.waitForRoom(sent, job.ahead)) return;
    const rows = (select.all(after, job.pageSize) as FoldRow[]).filter(([seq]) => seq <= job.head);
    for (const row of rows) {
      const text = payloadText(row);
      const parsed = parseStoredPayload(text);
      encoder.add(toFoldEvent(row, parsed.payload), parsed.error === undefined ? text : "{}");
    }
    send({ type: "page", page: encoder.page() });
    if (rows.length < job.pageSize) break;
    after = (rows[rows.length - 1] as FoldRow)[0];
  }
  send({ type: "end" });
}

try {
  const db = new Database(job.dbPath, { readonly: true, fileMustExist: true });
  try {
    db.pragma("busy_timeout = 5000");
    sendPages(db);
  } finally {
    db.close();
  }
} catch (err) {
  send({ type: "failed", message: (err as Error).message ?? String(err) });
}
