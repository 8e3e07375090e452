/** The pipeline worker's duplicate check, against a real log. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { openEventLog, type SqliteEventLog } from "../../../src/store/log/sqlite-event-log.js";
import { KeyScreen } from "../../../src/store/mirror/key-screen.js";

let dir: string;
let writer: SqliteEventLog;
let reader: SqliteEventLog;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "forge-key-screen-"));
  writer = openEventLog(join(dir, "events.db"), { mode: "writer" });
  reader = openEventLog(join(dir, "events.db"), { mode: "readonly" });
});
afterEach(() => {
  writer.close();
  reader.close();
  rmSync(dir, { recursive: true, force: true });
});

const hold = (...keys: string[]) =>
  writer.appendBatch(
    keys.map((key) => ({ kind: "worker.observation", payload: {}, idempotencyKey: key })),
  );

it("a key seen before in this run is unsure, in the same batch or a later one", () => {
  const screen = new KeyScreen(reader, false);
  expect(screen.screen(["mirror:a", "mirror:b", "mirror:a"])).toEqual(["new", "new", "unsure"]);
  expect(screen.screen(["mirror:b", "mirror:c"])).toEqual(["unsure", "new"]);
});

it("asks the log only when told to: what it held is held, what it did not, new", () => {
  hold("mirror:old");
  expect(new KeyScreen(reader, false).screen(["mirror:old"])).toEqual(["new"]);
  const screen = new KeyScreen(reader, true);
  expect(screen.screen(["mirror:old", "mirror:new"])).toEqual(["held", "new"]);
  // Committed since: held; sent but not committed: the fingerprint says unsure.
  hold("mirror:new");
  expect(screen.screen(["mirror:new", "mirror:old"])).toEqual(["held", "held"]);
  expect(screen.screen(["mirror:x"])).toEqual(["new"]);
  expect(screen.screen(["mirror:x"])).toEqual(["unsure"]);
});
