/**
 * The pipeline worker's work, run on this thread: what it sends, and that a failure names
 * the line being mirrored.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { openEventLog } from "../../../src/store/log/sqlite-event-log.js";
import { decodeEvents } from "../../../src/store/mirror/encoded-events.js";
import type { PrepareJob, WorkerMessage } from "../../../src/store/mirror/pipeline-messages.js";
import { PipelineSignals } from "../../../src/store/mirror/pipeline-signals.js";
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
  openEventLog(dbPath, { mode: "writer" }).close();
  return {
    file,
    dbPath,
    nowIso: "2026-06-05T09:00:00.000Z",
    askForEveryKey: false,
    batchSize: 1,
    secrets: [],
    signals: new PipelineSignals().buffer,
  };
}

it("sends the new events in batches, then the summary", () => {
  const sent: WorkerMessage[] = [];
  prepareEvents(job(`${failed(1)}\n${failed(2)}\n${failed(1)}\n`), (m) => sent.push(m));
  const events = sent.flatMap((m) => (m.type === "events" ? decodeEvents(m.events) : []));
  expect(events.map((e) => e.fields.task_id)).toEqual(["issue:1", "issue:2"]);
  expect(sent.at(-1)).toMatchObject({
    type: "done",
    summary: { records: 3, eventsAppended: 2, duplicatesSkipped: 1 },
  });
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
  const signals = new PipelineSignals();
  signals.stop();
  const sent: WorkerMessage[] = [];
  prepareEvents({ ...job(`${failed(1)}\n`), signals: signals.buffer }, (m) => sent.push(m));
  expect(sent).toEqual([]);
});
