import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "vitest";
import { openEventLog } from "../../../src/store/log/sqlite-event-log.js";
import { serializeState } from "../../../src/store/projections/fold.js";
import { openStore } from "../../../src/store/store.js";
import { engineEvents } from "../../support/engine-stream.js";

it("prof", () => {
  const dir = mkdtempSync(join(tmpdir(), "prof-"));
  const events = engineEvents(60000, { seed: 3 });
  const raw = openEventLog(join(dir, "raw.db"), { mode: "writer" });
  const store = openStore(join(dir, "events.db"), { mode: "writer", snapshotEvery: 2000 });
  let t = performance.now();
  for (let i = 0; i < 40000; i += 1000) raw.appendBatch(events.slice(i, i + 1000));
  console.log("raw batch us/event", ((performance.now() - t) * 1000) / 40000);
  t = performance.now();
  for (let i = 0; i < 40000; i += 1000) store.log.appendBatch(events.slice(i, i + 1000));
  console.log("proj batch us/event", ((performance.now() - t) * 1000) / 40000);
  t = performance.now();
  for (const e of events.slice(40000, 42000)) raw.append(e);
  console.log("raw single us", ((performance.now() - t) * 1000) / 2000);
  t = performance.now();
  for (const e of events.slice(40000, 42000)) store.log.append(e);
  console.log("proj single us", ((performance.now() - t) * 1000) / 2000);
  const s = store.readState();
  for (const n of ["loop", "ticks", "tasks", "workers", "verdicts", "prs", "scorecard"] as const)
    console.log(
      n,
      (s[n] as Map<string, unknown>).size,
      JSON.stringify([...(s[n] as Map<string, unknown>)]).length,
    );
  console.log("state bytes", serializeState(s).length);
});
