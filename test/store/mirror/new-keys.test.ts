/** The pipeline worker's duplicate check, against a real log. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { openEventLog, type SqliteEventLog } from "../../../src/store/log/sqlite-event-log.js";
import { NewKeys } from "../../../src/store/mirror/new-keys.js";

let dir: string;
let writer: SqliteEventLog;
let reader: SqliteEventLog;
let committed: number;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "forge-new-keys-"));
  writer = openEventLog(join(dir, "events.db"), { mode: "writer" });
  reader = openEventLog(join(dir, "events.db"), { mode: "readonly" });
  committed = 0;
});
afterEach(() => {
  writer.close();
  reader.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What the inserting thread does with a batch the worker sent: commits its keys. */
function commit(batch: number, keys: string[]): void {
  writer.appendBatch(
    keys.map((key) => ({ kind: "worker.observation", payload: {}, idempotencyKey: key })),
  );
  committed = batch;
}

for (const askForEveryKey of [false, true]) {
  it(`finds keys seen earlier in the batch, in flight, and committed (asking for every key: ${askForEveryKey})`, () => {
    const keys = new NewKeys(reader, askForEveryKey, () => committed);
    expect(keys.take(["mirror:a", "mirror:b", "mirror:a"], 1)).toEqual([true, true, false]);
    // Batch 1 is sent, not committed: its keys are held here.
    expect(keys.take(["mirror:b", "mirror:c"], 2)).toEqual([false, true]);
    commit(1, ["mirror:a", "mirror:b"]);
    commit(2, ["mirror:c"]);
    // Committed: the log tells.
    expect(keys.take(["mirror:c", "mirror:a", "mirror:d"], 3)).toEqual([false, false, true]);
  });
}

it("asks the log about every key when it held mirrored keys before", () => {
  commit(0, ["mirror:old"]);
  expect(new NewKeys(reader, true, () => committed).take(["mirror:old", "mirror:new"], 1)).toEqual([
    false,
    true,
  ]);
});
