/**
 * The store façade on real SQLite files: reopen and replay, catching up on events appended
 * without projections, a Python forge-loop log read-only, and a UI appending operator
 * commands from another process while the engine appends.
 */
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { asciiEscapeJson } from "../../src/store/contract/canonical-json.js";
import type { AppendInput } from "../../src/store/contract/envelope.js";
import { LAST_CHECKPOINT_KEY, readMeta } from "../../src/store/log/schema.js";
import { openEventLog } from "../../src/store/log/sqlite-event-log.js";
import { PROJECTIONS_VERSION, readCursors } from "../../src/store/projections/tables.js";
import type { LoopState } from "../../src/store/projections/types.js";
import { openStateDir, openStore, type Store } from "../../src/store/store.js";
import { engineEvents, prng } from "../support/engine-stream.js";
import { foldUpTo, stateEntries } from "../support/loop-state.js";
import { createPython339Db, type Vector339 } from "../support/python-events-db.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "forge-store-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function fullFold(store: Store): LoopState {
  return foldUpTo(store.log.since(0), store.log.head());
}

describe("openStore", () => {
  it("reopens and replays: readState after a restart equals the fold of the log", () => {
    const path = join(dir, "events.db");
    const inputs = engineEvents(1500, { seed: 31, issues: 60 });
    const writer = openStore(path, { mode: "writer", snapshotEvery: 128 });
    writer.log.appendBatch(inputs.slice(0, 1000));
    for (const input of inputs.slice(1000)) writer.log.append(input);
    const before = stateEntries(writer.readState());
    writer.close();

    for (const mode of ["writer", "observer", "readonly"] as const) {
      const store = openStore(path, { mode });
      const state = store.readState();
      expect(state.seq).toBe(1500);
      expect(stateEntries(state)).toEqual(before);
      expect(stateEntries(state)).toEqual(stateEntries(fullFold(store)));
      expect(stateEntries(store.stateAt(1500))).toEqual(before);
      store.close();
    }
  });

  it("catches a log far ahead of its tables up by a rebuild, a little ahead by folding", () => {
    const path = join(dir, "events.db");
    const inputs = engineEvents(26_000, { seed: 8, issues: 40 });
    const store = openStore(path, { mode: "writer", snapshotEvery: 500 });
    store.log.appendBatch(inputs.slice(0, 4000));
    store.close();
    const snapshotRowIds = () => {
      const log = openEventLog(path, { mode: "readonly" });
      try {
        return log.db.prepare("SELECT min(id), max(id) FROM snapshot_rows").raw().get() as number[];
      } finally {
        log.close();
      }
    };
    // Appended through the log alone (a one-shot mirror): 85 % of the log unfolded.
    const plain = openEventLog(path, { mode: "writer" });
    plain.appendBatch(inputs.slice(4000, 25_800));
    plain.close();
    const [, lastBefore] = snapshotRowIds();
    const rebuilt = openStore(path, { mode: "writer", snapshotEvery: 500 });
    expect(rebuilt.verify().ok).toBe(true);
    expect(stateEntries(rebuilt.readState())).toEqual(stateEntries(fullFold(rebuilt)));
    rebuilt.close();
    // A rebuild wrote every snapshot row anew, after the old ones.
    const [firstAfter, lastAfter] = snapshotRowIds();
    expect(firstAfter).toBeGreaterThan(lastBefore as number);
    // 200 more: folded onto the tables, the snapshot rows before them kept.
    const more = openEventLog(path, { mode: "writer" });
    more.appendBatch(inputs.slice(25_800));
    more.close();
    const caughtUp = openStore(path, { mode: "writer", snapshotEvery: 500 });
    expect(caughtUp.log.head()).toBe(26_000);
    expect(readCursors(caughtUp.db).get("tasks")).toBe(26_000);
    expect(caughtUp.verify().ok).toBe(true);
    caughtUp.close();
    expect(snapshotRowIds()[0]).toBe(firstAfter);
    expect(snapshotRowIds()[1]).toBeGreaterThanOrEqual(lastAfter as number);
  });

  it("opens <state dir>/events.db", () => {
    const store = openStateDir(join(dir, "state"), { mode: "writer" });
    store.log.appendBatch(engineEvents(10));
    store.close();
    expect(existsSync(join(dir, "state", "events.db"))).toBe(true);
    const again = openStateDir(join(dir, "state"), { mode: "readonly" });
    expect(again.readState().seq).toBe(10);
    again.close();
  });

  it("folds events appended without projections: read-only readers fold the tail, a writer catches up", () => {
    const path = join(dir, "events.db");
    const inputs = engineEvents(900, { seed: 32, issues: 40 });
    const writer = openStore(path, { mode: "writer", snapshotEvery: 100 });
    writer.log.appendBatch(inputs.slice(0, 500));
    writer.close();
    // Something that writes the log without our projector (an older build, a repair tool).
    const plain = openEventLog(path, { mode: "writer" });
    plain.appendBatch(inputs.slice(500));
    plain.close();

    const reader = openStore(path, { mode: "readonly" });
    expect(readCursors(reader.db).get("tasks")).toBe(500);
    expect(stateEntries(reader.readState())).toEqual(stateEntries(fullFold(reader)));
    expect(reader.verify().difference).toMatchObject({
      where: "cursor",
      expected: "900",
      actual: "500",
    });
    reader.close();

    const reopened = openStore(path, { mode: "writer", snapshotEvery: 100 });
    expect(readCursors(reopened.db).get("tasks")).toBe(900);
    expect(reopened.verify().ok).toBe(true);
    reopened.close();
  });

  it("rebuilds on open when the cursors disagree (a projection new to this database)", () => {
    const path = join(dir, "events.db");
    const writer = openStore(path, { mode: "writer", snapshotEvery: 100 });
    writer.log.appendBatch(engineEvents(400, { seed: 33, issues: 30 }));
    writer.db.prepare("DELETE FROM projection_cursors WHERE projection_name = 'verdicts'").run();
    writer.db.prepare("DELETE FROM proj_verdicts").run();
    writer.close();

    const reader = openStore(path, { mode: "readonly" });
    // Without a complete set of tables, the reader folds the log itself.
    expect(stateEntries(reader.readState())).toEqual(stateEntries(fullFold(reader)));
    reader.close();

    const reopened = openStore(path, { mode: "writer", snapshotEvery: 100 });
    expect(readCursors(reopened.db).get("verdicts")).toBe(400);
    expect(reopened.verify().ok).toBe(true);
    reopened.close();
  });

  it("does not trust tables folded by other reducers: readers fold the log, the writer rebuilds them", () => {
    const path = join(dir, "events.db");
    const writer = openStore(path, { mode: "writer", snapshotEvery: 100 });
    writer.log.appendBatch(engineEvents(400, { seed: 35, issues: 30 }));
    const expected = stateEntries(writer.readState());
    // What an older build's reducers left: another version, and rows this build would not make.
    writer.db
      .prepare("UPDATE forge_loop_meta SET value = '1' WHERE key = 'projections_version'")
      .run();
    writer.db.prepare("UPDATE proj_tasks SET json = '{\"old\":true}'").run();
    writer.close();

    const reader = openStore(path, { mode: "readonly" });
    expect(stateEntries(reader.readState())).toEqual(expected);
    expect(stateEntries(reader.stateAt(250))).toEqual(
      stateEntries(foldUpTo(reader.log.since(0), 250)),
    );
    reader.close();

    const reopened = openStore(path, { mode: "writer", snapshotEvery: 100 });
    expect(
      reopened.db
        .prepare("SELECT value FROM forge_loop_meta WHERE key = 'projections_version'")
        .pluck()
        .get(),
    ).toBe(String(PROJECTIONS_VERSION));
    expect(
      reopened.db
        .prepare("SELECT count(*) FROM proj_tasks WHERE json LIKE '%\"old\"%'")
        .pluck()
        .get(),
    ).toBe(0);
    expect(reopened.verify().ok).toBe(true);
    reopened.close();
    const again = openStore(path, { mode: "readonly" });
    expect(stateEntries(again.readState())).toEqual(expected);
    again.close();
  });

  it("records the reducers' version in a new database without rebuilding it on the next open", () => {
    const path = join(dir, "events.db");
    const fresh = openStore(path, { mode: "writer", snapshotEvery: 100 });
    fresh.log.appendBatch(engineEvents(300, { seed: 36, issues: 20 }));
    const firstRow = () => fresh.db.prepare("SELECT min(id) FROM snapshot_rows").pluck().get();
    const before = firstRow();
    fresh.close();
    const reopened = openStore(path, { mode: "writer", snapshotEvery: 100 });
    // A rebuild would have replaced every stored row version with new ids.
    expect(reopened.db.prepare("SELECT min(id) FROM snapshot_rows").pluck().get()).toBe(before);
    expect(reopened.verify().ok).toBe(true);
    reopened.close();
  });

  it("keeps a reader's seeks right across a rebuild by another connection", () => {
    const path = join(dir, "events.db");
    const writer = openStore(path, { mode: "writer", snapshotEvery: 50 });
    writer.log.appendBatch(engineEvents(600, { seed: 36, issues: 25 }));
    const reader = openStore(path, { mode: "readonly" });
    const events = reader.log.since(0);
    for (const seq of [120, 260, 410, 590]) reader.stateAt(seq); // rows decoded and kept
    writer.close();
    const rebuilder = openStore(path, { mode: "writer", snapshotEvery: 70 });
    rebuilder.rebuild();
    rebuilder.close();
    for (const seq of [285, 145, 435, 560]) {
      expect(stateEntries(reader.stateAt(seq))).toEqual(stateEntries(foldUpTo(events, seq)));
    }
    reader.close();
  });

  it("lets an observer that opened before the engine made its tables read the state once they exist", () => {
    const path = join(dir, "events.db");
    const plain = openEventLog(path, { mode: "writer" });
    plain.appendBatch(engineEvents(200, { seed: 34 }));
    plain.close();
    const observer = openStore(path, { mode: "observer" });
    expect(observer.readState().seq).toBe(200);
    observer.log.append({
      kind: "control.requested",
      payload: { request_id: "r1", command: "resume", by: "test" },
      idempotencyKey: "control.requested:r1",
    });
    const writer = openStore(path, { mode: "writer" });
    writer.log.appendBatch(engineEvents(260, { seed: 34 }).slice(200));
    expect(writer.verify().ok).toBe(true);
    expect(stateEntries(observer.readState())).toEqual(stateEntries(fullFold(writer)));
    writer.close();
    observer.close();
  });
});

/** Rows the way the Python forge-loop writes them: `json.dumps` text, ASCII-escaped, legacy kinds. */
function pythonRows(count: number): Vector339[] {
  const rnd = prng(77);
  const rows: Vector339[] = [];
  let sequence = 0;
  for (const input of engineEvents(count, { seed: 78, issues: 25 })) {
    sequence += rnd() < 0.02 ? 2 : 1; // Python logs can have gaps.
    const payloadJson =
      rnd() < 0.01
        ? "{not json"
        : asciiEscapeJson(
            JSON.stringify({ ...input.payload, legacy_kind: "x" }, null, 1).replace(/\n\s*/g, " "),
          );
    rows.push({
      sequence,
      event_id: sequence.toString(16).padStart(32, "0"),
      kind: rnd() < 0.02 ? "vision.updated" : input.kind,
      payload_json: payloadJson,
      schema_version: 1,
      occurred_at: (input.occurredAt ?? "").replace("Z", "000+00:00"),
      task_id: input.taskId ?? null,
      saga_id: input.sagaId ?? null,
      idempotency_key: `legacy-runner:${input.idempotencyKey}`,
      chain_hash: null,
    } as unknown as Vector339);
  }
  return rows;
}

describe("a Python forge-loop events.db, read-only", () => {
  it("seeks and reads its state by folding in memory, and refuses to write", () => {
    const path = join(dir, "python.db");
    createPython339Db(path, pythonRows(1200));
    const store = openStore(path, { mode: "readonly", snapshotEvery: 64 });
    expect(store.log.isForeign).toBe(true);
    const events = store.log.since(0);
    const head = store.log.head();
    expect(head).toBeGreaterThan(1200);
    for (const seq of [head, 5, 700, 699, 64, 1100, 3, head - 1]) {
      expect(stateEntries(store.stateAt(seq))).toEqual(stateEntries(foldUpTo(events, seq)));
    }
    expect(stateEntries(store.readState())).toEqual(stateEntries(foldUpTo(events, head)));
    expect(store.verify()).toMatchObject({
      ok: true,
      materialized: false,
      events: 1200,
      seq: head,
    });
    expect(() => store.rebuild()).toThrow(/writer/);
    store.close();

    expect(() => openStore(path, { mode: "observer" })).toThrow(/Python forge-loop/);
    expect(() => openStore(path, { mode: "writer" })).toThrow(/Python forge-loop/);
  });

  it("keeps following a Python log that grows while it is open", () => {
    const path = join(dir, "python.db");
    const rows = pythonRows(600);
    createPython339Db(path, rows.slice(0, 300));
    const store = openStore(path, { mode: "readonly", snapshotEvery: 50 });
    expect(store.readState().seq).toBe(rows[299]?.sequence);
    createPython339Db(path, rows.slice(300));
    const events = store.log.since(0);
    expect(stateEntries(store.readState())).toEqual(
      stateEntries(foldUpTo(events, store.log.head())),
    );
    expect(stateEntries(store.stateAt(280))).toEqual(stateEntries(foldUpTo(events, 280)));
    store.close();
  });
});

describe("an observer appending operator commands while the engine appends", () => {
  const distDir = fileURLToPath(new URL("../../dist", import.meta.url));
  const child = fileURLToPath(new URL("./control-child.mjs", import.meta.url));

  it("folds both writers' events, in another process too, and verify passes", async () => {
    if (!existsSync(join(distDir, "store/store.js"))) {
      throw new Error(
        `${distDir}/store/store.js is missing: this test runs the built store in a child process. ` +
          "Build first: `npx tsc -p tsconfig.build.json` (npm test does it).",
      );
    }
    const path = join(dir, "events.db");
    const engine = openStore(path, { mode: "writer", snapshotEvery: 97, busyTimeoutMs: 20_000 });
    const goFile = join(dir, "go");
    const ui = execa(process.execPath, [child, distDir, path, goFile, "40"]);
    const inputs: AppendInput[] = engineEvents(3000, {
      seed: 35,
      issues: 50,
      controlEveryTicks: 0,
    });
    writeFileSync(goFile, "");
    for (let i = 0; i < inputs.length; i += 25) {
      engine.log.appendBatch(inputs.slice(i, i + 25));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const requestIds = JSON.parse((await ui).stdout) as string[];
    expect(requestIds).toHaveLength(40);

    const requested = engine.log.since(0).filter((e) => e.kind === "control.requested");
    expect(requested.map((e) => e.payload.request_id).sort()).toEqual([...requestIds].sort());
    // The commands landed between the engine's batches, not all after them.
    expect(requested.some((e) => e.sequence < engine.log.head() - 40)).toBe(true);
    const state = engine.readState();
    expect(Object.keys(state.loop.get("loop")?.pendingControls ?? {}).sort()).toEqual(
      [...requestIds].sort(),
    );
    expect(stateEntries(state)).toEqual(stateEntries(fullFold(engine)));
    expect(engine.verify()).toMatchObject({ ok: true, seq: 3040 });
    engine.close();
  });
});

describe("checkpoints", () => {
  /** Frames in the WAL, and how many a checkpoint that waits for no reader copied back. */
  const walFrames = (store: Store) =>
    (store.db.pragma("wal_checkpoint(PASSIVE)") as { log: number; checkpointed: number }[])[0] as {
      log: number;
      checkpointed: number;
    };

  it("run inside appends by default, and only when asked for with checkpoints: caller", () => {
    const inputs = engineEvents(3000, { seed: 12, issues: 40 });
    const automatic = openStore(join(dir, "auto.db"), { mode: "writer" });
    const caller = openStore(join(dir, "caller.db"), { mode: "writer", checkpoints: "caller" });
    // The same single appends: the automatic store copies its WAL back every 4000 pages.
    for (const input of inputs) {
      automatic.log.append(input);
      caller.log.append(input);
    }
    // Nothing was copied back while appending: the caller's WAL file holds every frame
    // written (4 KiB pages), the automatic one's no more than its checkpoints let it grow.
    const walFileFrames = (name: string) =>
      (statSync(join(dir, `${name}-wal`)).size - 32) / (4096 + 24);
    expect(walFileFrames("caller.db")).toBeGreaterThan(walFileFrames("auto.db"));
    expect(walFileFrames("auto.db")).toBeLessThanOrEqual(4100);
    // The caller's database file holds none of the appends until its `checkpoint()` runs.
    const callerFileBytes = () => statSync(join(dir, "caller.db")).size;
    const beforeCheckpoint = callerFileBytes();
    caller.checkpoint();
    expect(callerFileBytes()).toBeGreaterThan(beforeCheckpoint + 1_000_000);
    expect(automatic.db.pragma("wal_autocheckpoint", { simple: true })).toBe(4000);
    expect(caller.db.pragma("wal_autocheckpoint", { simple: true })).toBe(0);
    expect(stateEntries(caller.readState())).toEqual(stateEntries(automatic.readState()));
    automatic.close();
    caller.close();
  });

  it("restart the WAL themselves, once per stretch of appends, and record when", () => {
    let now = Date.parse("2026-11-21T10:00:00.000Z");
    const clock = { now: () => now };
    const store = openStore(join(dir, "c.db"), { mode: "writer", checkpoints: "caller", clock });
    const [first, ...rest] = engineEvents(301, { seed: 5, issues: 6 });
    for (const input of rest) store.log.append(input);
    store.checkpoint();
    // Its own small write started the WAL over, so the next append does not pay for that.
    // (Without it, the WAL would still hold the 300 appends' frames, all copied back.)
    expect(walFrames(store).log).toBeLessThan(5);
    expect(readMeta(store.db, LAST_CHECKPOINT_KEY)).toBe("2026-11-21T10:00:00.000Z");
    // Nothing appended since: no write, so an idle engine's checkpoints leave the WAL alone.
    now += 5_000;
    const version = store.dataVersion();
    store.checkpoint();
    store.checkpoint();
    expect(readMeta(store.db, LAST_CHECKPOINT_KEY)).toBe("2026-11-21T10:00:00.000Z");
    expect(store.dataVersion()).toBe(version);
    store.log.append(first as AppendInput);
    store.checkpoint();
    expect(readMeta(store.db, LAST_CHECKPOINT_KEY)).toBe("2026-11-21T10:00:05.000Z");
    store.close();
  });
});
