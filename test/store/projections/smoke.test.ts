import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { isEngineKind, validatePayload } from "../../../src/store/contract/kinds.js";
import { emptyState, foldEvents, serializeState } from "../../../src/store/projections/fold.js";
import { openStore } from "../../../src/store/store.js";
import { engineEvents } from "../../support/engine-stream.js";

it("smoke", () => {
  const dir = mkdtempSync(join(tmpdir(), "smoke-"));
  const store = openStore(join(dir, "events.db"), { mode: "writer", snapshotEvery: 500 });
  const events = engineEvents(5000, { seed: 3 });
  for (const e of events) if (isEngineKind(e.kind)) validatePayload(e.kind, e.payload);
  let t = Date.now();
  store.log.appendBatch(events.slice(0, 3000));
  for (const e of events.slice(3000)) store.log.append(e);
  console.log("append ms", Date.now() - t);
  const full = foldEvents(emptyState(), store.log.since(0));
  t = Date.now();
  const read = store.readState();
  console.log("readState ms", Date.now() - t, serializeState(read).length);
  const v = store.verify();
  console.log(JSON.stringify(v).slice(0, 2000));
  expect(v.ok).toBe(true);
  const at = store.stateAt(2345);
  const ref = foldEvents(emptyState(), store.log.since(0, 2345));
  expect(JSON.parse(serializeState(at))).toEqual(JSON.parse(serializeState(ref)));
  expect(JSON.parse(serializeState(read))).toEqual(JSON.parse(serializeState(full)));
  console.log(store.db.prepare("select count(*) from snapshots").pluck().get());
  for (const n of ["loop", "ticks", "tasks", "workers", "verdicts", "prs", "scorecard"])
    console.log(n, store.db.prepare(`select count(*) from proj_${n}`).pluck().get());
  store.close();
});
