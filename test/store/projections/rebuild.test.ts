/**
 * Rebuild and verify: tables after live appends equal the tables after a rebuild from the
 * log alone; verify passes on both, and names the first difference when a row, the row
 * order, a cursor or a snapshot has been tampered with (positive controls).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { canonicalJson } from "../../../src/store/contract/canonical-json.js";
import type { AppendInput } from "../../../src/store/contract/envelope.js";
import { projectionNames } from "../../../src/store/projections/all.js";
import { openStore, type Store } from "../../../src/store/store.js";
import { engineEvents } from "../../support/engine-stream.js";
import { foldUpTo, stateEntries } from "../../support/loop-state.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "forge-rebuild-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Every table's rows in order, as canonical JSON, and the cursors. */
function tables(store: Store): Record<string, [string, string][]> {
  const out: Record<string, [string, string][]> = {};
  for (const name of projectionNames) {
    const rows = store.db
      .prepare(`SELECT key, json FROM proj_${name} ORDER BY ord`)
      .raw()
      .all() as [string, string][];
    out[name] = rows.map(([key, json]) => [key, canonicalJson(JSON.parse(json))]);
  }
  out.cursors = store.db
    .prepare("SELECT projection_name, sequence FROM projection_cursors ORDER BY projection_name")
    .raw()
    .all() as [string, string][];
  return out;
}

/** A live store fed like the engine feeds it: single appends and batches, mixed. */
function liveStore(events = 2500, snapshotEvery = 200): Store {
  const store = openStore(join(dir, "events.db"), { mode: "writer", snapshotEvery });
  const inputs = engineEvents(events, { seed: 21, issues: 150, controlEveryTicks: 30 });
  let i = 0;
  for (const size of [1, 700, 1, 1, 3, 900]) {
    const slice: AppendInput[] = inputs.slice(i, i + size);
    if (size === 1) store.log.append(slice[0] as AppendInput);
    else store.log.appendBatch(slice);
    i += size;
  }
  for (; i < inputs.length; i++) store.log.append(inputs[i] as AppendInput);
  return store;
}

describe("rebuild", () => {
  it("gives the tables the live appends gave, and verify passes on both", () => {
    const store = liveStore();
    expect(store.verify()).toMatchObject({ ok: true, seq: 2500, materialized: true });
    const live = tables(store);
    const liveSnapshots = store.db.prepare("SELECT count(*) FROM snapshots").pluck().get();

    const report = store.rebuild();
    expect(report).toEqual({ events: 2500, seq: 2500, snapshots: liveSnapshots });
    expect(tables(store)).toEqual(live);
    const verified = store.verify();
    expect(verified).toMatchObject({ ok: true, seq: 2500, snapshotsChecked: liveSnapshots });
    expect(verified.rowsChecked).toBeGreaterThan(100);
    // And the rebuilt snapshots seek to the same states.
    const events = store.log.since(0);
    for (const seq of [1, 199, 200, 201, 1234, 2500]) {
      expect(stateEntries(store.stateAt(seq))).toEqual(stateEntries(foldUpTo(events, seq)));
    }
    store.close();
  });

  it("keeps working live after a rebuild (appends fold onto the rebuilt tables)", () => {
    const store = liveStore(1200, 100);
    store.rebuild();
    const more = engineEvents(1500, { seed: 21, issues: 150, controlEveryTicks: 30 }).slice(1200);
    store.log.appendBatch(more.slice(0, 200));
    for (const input of more.slice(200)) store.log.append(input);
    expect(store.verify().ok).toBe(true);
    expect(stateEntries(store.readState())).toEqual(
      stateEntries(foldUpTo(store.log.since(0), store.log.head())),
    );
    store.close();
  });

  it("stores a row version once, however many snapshots hold it", () => {
    const store = liveStore();
    const versions = () =>
      store.db.prepare("SELECT count(*) FROM snapshot_rows").pluck().get() as number;
    const references = () => {
      let total = 0;
      for (const seq of store.db.prepare("SELECT seq FROM snapshots").pluck().all() as number[]) {
        const state = store.stateAt(seq);
        for (const name of projectionNames) total += state[name].size;
      }
      return total;
    };
    const live = { versions: versions(), references: references() };
    expect(live.versions).toBeLessThan(live.references / 3);
    store.rebuild();
    expect(versions()).toBeLessThanOrEqual(live.versions);
    expect(references()).toBe(live.references);
    store.close();
  });

  it("rebuilds an empty log to empty tables", () => {
    const store = openStore(join(dir, "empty.db"), { mode: "writer" });
    expect(store.rebuild()).toEqual({ events: 0, seq: 0, snapshots: 0 });
    expect(store.verify()).toMatchObject({ ok: true, seq: 0, rowsChecked: 0 });
    store.close();
  });

  it("refuses on a store not opened as the writer", () => {
    const path = join(dir, "ro.db");
    openStore(path, { mode: "writer" }).close();
    const reader = openStore(path, { mode: "readonly" });
    expect(() => reader.rebuild()).toThrow(/writer/);
    reader.close();
  });
});

describe("verify (positive controls)", () => {
  it("reports a tampered row: projection, key, expected and actual", () => {
    const store = liveStore();
    const key = store.db
      .prepare("SELECT key FROM proj_tasks ORDER BY ord LIMIT 1 OFFSET 3")
      .pluck()
      .get() as string;
    store.db
      .prepare("UPDATE proj_tasks SET json = json_set(json, '$.status', 'tampered') WHERE key = ?")
      .run(key);
    const report = store.verify();
    expect(report.ok).toBe(false);
    expect(report.difference).toMatchObject({
      where: "table",
      projection: "tasks",
      key,
      position: 3,
    });
    expect(report.difference?.actual).toContain('"status":"tampered"');
    expect(report.difference?.expected).not.toContain("tampered");

    store.rebuild();
    expect(store.verify().ok).toBe(true);
    store.close();
  });

  it("reports rows out of order, a missing row, an extra row and a row that is not JSON", () => {
    const store = liveStore();
    const db = store.db;
    const [first, second] = db
      .prepare("SELECT key, ord FROM proj_ticks ORDER BY ord LIMIT 2")
      .raw()
      .all() as [string, number][];
    const swap = db.transaction(() => {
      db.prepare("UPDATE proj_ticks SET ord = -1 WHERE key = ?").run(first?.[0]);
      db.prepare("UPDATE proj_ticks SET ord = ? WHERE key = ?").run(first?.[1], second?.[0]);
      db.prepare("UPDATE proj_ticks SET ord = ? WHERE key = ?").run(second?.[1], first?.[0]);
    });
    swap();
    let report = store.verify();
    expect(report.difference).toMatchObject({
      where: "table",
      projection: "ticks",
      key: first?.[0],
      position: 0,
    });
    expect(report.difference?.actual).toContain("out of order");
    store.rebuild();

    const prKey = db
      .prepare("SELECT key FROM proj_prs ORDER BY ord DESC LIMIT 1")
      .pluck()
      .get() as string;
    db.prepare("DELETE FROM proj_prs WHERE key = ?").run(prKey);
    report = store.verify();
    expect(report.difference).toMatchObject({
      where: "table",
      projection: "prs",
      key: prKey,
      actual: "(absent)",
    });
    store.rebuild();

    db.prepare("INSERT INTO proj_workers (key, ord, json) VALUES ('999:1', 1e9, '{}')").run();
    report = store.verify();
    expect(report.difference).toMatchObject({
      where: "table",
      projection: "workers",
      key: "999:1",
      expected: "(absent)",
    });
    store.rebuild();

    db.prepare("UPDATE proj_loop SET json = '{not json' WHERE key = 'loop'").run();
    report = store.verify();
    expect(report.difference).toMatchObject({ where: "table", projection: "loop", key: "loop" });
    expect(report.difference?.actual).toContain("not JSON");
    expect(() => store.readState()).toThrow(/proj_loop\[loop\] is not JSON/);
    store.close();
  });

  it("reports a cursor that is not where the tables are", () => {
    const store = liveStore(800);
    store.db
      .prepare("UPDATE projection_cursors SET sequence = 799 WHERE projection_name = 'prs'")
      .run();
    expect(store.verify().difference).toMatchObject({
      where: "cursor",
      expected: "800",
      actual: "cursors disagree",
    });
    store.db.prepare("UPDATE projection_cursors SET sequence = 799").run();
    expect(store.verify().difference).toMatchObject({
      where: "cursor",
      expected: "800",
      actual: "799",
    });
    store.close();
  });

  it("reports a tampered snapshot row and an unreadable snapshot", () => {
    const store = liveStore(1000, 100);
    // A row version that only the snapshot at 300 refers to: the loop row changes every event.
    const manifest300 = store.db
      .prepare("SELECT state FROM snapshots WHERE seq = 300")
      .pluck()
      .get();
    expect(manifest300).toBeInstanceOf(Buffer);
    const loopIds = store.db
      .prepare("SELECT id FROM snapshot_rows WHERE json LIKE '%\"lastSeq\":300,%'")
      .pluck()
      .all() as number[];
    expect(loopIds).toHaveLength(1);
    store.db
      .prepare(
        "UPDATE snapshot_rows SET json = json_set(json, '$.status', 'tampered') WHERE id = ?",
      )
      .run(loopIds[0]);
    let report = store.verify();
    expect(report.difference).toMatchObject({
      where: "snapshot",
      seq: 300,
      projection: "loop",
      key: "loop",
    });
    expect(report.snapshotsChecked).toBe(3);

    store.rebuild();
    store.db.prepare("UPDATE snapshots SET state = x'00ff' WHERE seq = 500").run();
    report = store.verify();
    expect(report.difference).toMatchObject({
      where: "snapshot",
      seq: 500,
      expected: "a readable snapshot",
    });
    // Seeking still works: an unreadable snapshot is only a lost shortcut.
    const events = store.log.since(0);
    expect(stateEntries(store.stateAt(550))).toEqual(stateEntries(foldUpTo(events, 550)));
    store.close();
  });
});
