/**
 * Split rows in snapshots: a task row's attempts are stored element by element, each
 * distinct attempt once. Decoding gives the fold's rows; a tampered or missing element is
 * reported by verify and never reaches a seek; and a writer that outlives a rebuild by
 * another connection never refers to the elements that rebuild deleted.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AppendInput } from "../../../src/store/contract/envelope.js";
import { TableSnapshots } from "../../../src/store/projections/snapshots.js";
import { openStore, type Store } from "../../../src/store/store.js";
import { engineEvents } from "../../support/engine-stream.js";
import { foldUpTo, stateEntries } from "../../support/loop-state.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "forge-split-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const inputs = engineEvents(3000, { seed: 31, issues: 12 });

function appendSingles(store: Store, slice: readonly AppendInput[]): void {
  for (const input of slice) store.log.append(input);
}

function elementRowIds(store: Store): number[] {
  return store.db
    .prepare(`SELECT id FROM snapshot_rows WHERE json LIKE '{"attempt":%'`)
    .pluck()
    .all() as number[];
}

function expectSeeksMatch(store: Store, seqs: readonly number[]): void {
  const events = store.log.since(0);
  for (const seq of seqs) {
    expect(stateEntries(store.stateAt(seq))).toEqual(stateEntries(foldUpTo(events, seq)));
  }
}

describe("split task rows in snapshots", () => {
  it("store each distinct attempt once, live and after a rebuild, and decode to the fold", () => {
    const store = openStore(join(dir, "events.db"), { mode: "writer", snapshotEvery: 50 });
    appendSingles(store, inputs);
    const snapshots = new TableSnapshots(store.db);
    const distinctAttempts = (): number => {
      const texts = new Set<string>();
      for (const seq of snapshots.sequences()) {
        for (const task of snapshots.decode(seq).tasks.values()) {
          for (const attempt of task.attempts) texts.add(JSON.stringify(attempt));
        }
      }
      return texts.size;
    };
    expect(elementRowIds(store).length).toBe(distinctAttempts());
    expect(store.verify().ok).toBe(true);
    store.rebuild();
    expect(elementRowIds(store).length).toBe(distinctAttempts());
    expect(store.verify().ok).toBe(true);
    expectSeeksMatch(store, [2999, 1234, 51, 600, 3000]);
    store.close();
  });

  it("never refer to elements another connection's rebuild deleted", () => {
    const path = join(dir, "events.db");
    const engine = openStore(path, { mode: "writer", snapshotEvery: 50 });
    appendSingles(engine, inputs.slice(0, 1500));
    const other = openStore(path, { mode: "writer", snapshotEvery: 50 });
    other.rebuild();
    other.close();
    appendSingles(engine, inputs.slice(1500));
    expect(engine.verify()).toMatchObject({ ok: true });
    const reader = openStore(path, { mode: "readonly", snapshotEvery: 50 });
    expectSeeksMatch(reader, [1520, 2049, 2999]);
    reader.close();
    engine.close();
  });

  it("report a tampered or missing attempt, and seek around it", () => {
    const store = openStore(join(dir, "events.db"), { mode: "writer", snapshotEvery: 50 });
    appendSingles(store, inputs);
    const [first] = elementRowIds(store);
    store.db
      .prepare(
        `UPDATE snapshot_rows SET json = json_set(json, '$.outcome', 'tampered') WHERE id = ?`,
      )
      .run(first);
    const tampered = store.verify();
    expect(tampered).toMatchObject({
      ok: false,
      difference: { where: "snapshot", projection: "tasks" },
    });
    expect(tampered.difference?.actual).toContain("tampered");

    store.rebuild();
    const [element] = elementRowIds(store);
    store.db.prepare("DELETE FROM snapshot_rows WHERE id = ?").run(element);
    const missing = store.verify();
    expect(missing).toMatchObject({
      ok: false,
      difference: { where: "snapshot", projection: "tasks" },
    });
    expect(missing.difference?.actual).toMatch(/is missing/);
    // A snapshot that cannot be decoded is only a lost shortcut: seeks stay right.
    const reader = openStore(join(dir, "events.db"), { mode: "readonly", snapshotEvery: 50 });
    expectSeeksMatch(reader, [2999, 700, 150]);
    reader.close();
    store.close();
  });
});
