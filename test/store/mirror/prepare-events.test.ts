/**
 * The pipeline worker's work, run on this thread: what it sends, and that a failure names
 * the line being mirrored.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { PacingSignals } from "../../../src/shared/thread-pacing.js";
import { openEventLog } from "../../../src/store/log/sqlite-event-log.js";
import { decodeEvents } from "../../../src/store/mirror/encoded-events.js";
import type { PrepareJob, WorkerMessage } from "../../../src/store/mirror/pipeline-messages.js";
import { prepareEvents } from "../../../src/store/mirror/prepare-events.js";
import { pyDumps } from "../../support/legacy-lines.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "forge-prepare-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const failed = (issue: number) =>
  pyDumps({ ts: "2026-06-05T09:00:00.000Z", kind: "worker_failed", issue });

function job(body: string): PrepareJob {
  const file = join(dir, "runner.jsonl");
  writeFileSync(file, body);
  const dbPath = join(dir, "events.db");
  if (!existsSync(dbPath)) openEventLog(dbPath, { mode: "writer" }).close();
  return {
    file,
    dbPath,
    nowIso: "2026-06-05T09:00:00.000Z",
    askTheLog: false,
    batchSize: 1,
    secrets: [],
    signals: new PacingSignals().buffer,
  };
}

it("sends the rows the log does not hold, a repeated one marked unsure, then the summary", () => {
  const sent: WorkerMessage[] = [];
  const body = `${failed(1)}\n${failed(2)}\n${failed(1)}\n`;
  prepareEvents(job(body), (m) => sent.push(m));
  const batches = sent.flatMap((m) => (m.type === "events" ? [m.events] : []));
  expect(batches.flatMap((b) => decodeEvents(b).map((e) => e.fields.task_id))).toEqual([
    "issue:1",
    "issue:2",
    "issue:1",
  ]);
  expect(batches.map((b) => b.unsure)).toEqual([[], [], [0]]);
  // The inserting thread corrects the counts for the unsure rows it finds held.
  expect(sent.at(-1)).toMatchObject({
    type: "done",
    summary: { records: 3, eventsAppended: 3, duplicatesSkipped: 0 },
  });
});

it("drops the rows whose keys the log held, when told to ask it", () => {
  const first: WorkerMessage[] = [];
  const body = `${failed(1)}\n${failed(2)}\n`;
  const grown = job(body);
  prepareEvents(grown, (m) => first.push(m));
  const log = openEventLog(grown.dbPath, { mode: "writer" });
  for (const m of first) if (m.type === "events") log.appendPrepared(decodeEvents(m.events));
  log.close();
  writeFileSync(grown.file, `${body}${failed(3)}\n`);
  const sent: WorkerMessage[] = [];
  prepareEvents({ ...grown, askTheLog: true }, (m) => sent.push(m));
  const rows = sent.flatMap((m) => (m.type === "events" ? decodeEvents(m.events) : []));
  expect(rows.map((e) => e.fields.task_id)).toEqual(["issue:3"]);
  expect(sent.at(-1)).toMatchObject({ summary: { eventsAppended: 1, duplicatesSkipped: 2 } });
});

it("a failure names the line of the record being mirrored", () => {
  const body = [failed(1), "", "{not json", failed(2), failed(3), failed(4)].join("\n");
  const sent: WorkerMessage[] = [];
  prepareEvents(job(body), (message) => {
    // The third batch (the record on line 5) cannot be sent.
    if (message.type === "events" && sent.length === 2) throw new Error("the port is closed");
    sent.push(message);
  });
  expect(sent.at(-1)).toEqual({ type: "failed", message: "the port is closed", line: 5 });
});

it("stops without a word when told to", () => {
  const signals = new PacingSignals();
  signals.stop();
  const sent: WorkerMessage[] = [];
  prepareEvents({ ...job(`${failed(1)}\n`), signals: signals.buffer }, (m) => sent.push(m));
  expect(sent).toEqual([]);
});
