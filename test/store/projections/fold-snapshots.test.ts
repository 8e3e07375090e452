/**
 * The snapshots a rebuild writes: the fold tells the writer which rows changed, and the
 * writer stores only those and lists the rest by the ids it gave them before, in full
 * manifests or in deltas against one. Whatever the stream (hostile events included, rows
 * deleted and evicted), every snapshot must decode to exactly the fold at its sequence.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AppendInput } from "../../../src/store/contract/envelope.js";
import { emptyState, foldEvent } from "../../../src/store/projections/fold.js";
import { decodeManifest, isDelta } from "../../../src/store/projections/manifest.js";
import { TableSnapshots } from "../../../src/store/projections/snapshots.js";
import { openStore, type Store } from "../../../src/store/store.js";
import { engineEvents } from "../../support/engine-stream.js";
import { stateEntries } from "../../support/loop-state.js";

let dir: string;
let n = 0;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "forge-fold-snapshots-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A store holding `inputs`, its snapshots written by a rebuild. */
function rebuilt(inputs: readonly AppendInput[], snapshotEvery: number): Store {
  const store = openStore(join(dir, `events-${n++}.db`), { mode: "writer", snapshotEvery });
  for (let i = 0; i < inputs.length; i += 1000) store.log.appendBatch(inputs.slice(i, i + 1000));
  store.rebuild();
  return store;
}

/** Folds the log once, comparing every stored snapshot with the fold as it passes it. */
function expectSnapshotsAreTheFold(store: Store): { full: number; deltas: number } {
  const snapshots = new TableSnapshots(store.db);
  const seqs = snapshots.sequences();
  const state = emptyState();
  let next = 0;
  for (const event of store.log.since(0)) {
    foldEvent(state, event);
    if (seqs[next] === event.sequence) {
      expect(stateEntries(snapshots.decode(event.sequence))).toEqual(stateEntries(state));
      next += 1;
    }
  }
  expect(next).toBe(seqs.length);
  const stored = store.db.prepare("SELECT state FROM snapshots").pluck().all();
  const deltas = stored.filter((bytes) => isDelta(decodeManifest(bytes))).length;
  return { full: stored.length - deltas, deltas };
}

const hostileArb: fc.Arbitrary<AppendInput> = fc
  .record({
    kind: fc.constantFrom("task.heartbeat", "task.failed", "tick.started", "worker.gone"),
    payload: fc.dictionary(
      fc.constantFrom("issue", "attempt", "tick", "run", "reason"),
      fc.oneof(fc.integer({ min: -1, max: 4 }), fc.string({ maxLength: 3 })),
      { maxKeys: 4 },
    ),
  })
  .map((event) => ({ ...event, idempotencyKey: `hostile:${n++}` }));

describe("snapshots written by a rebuild", () => {
  it("decode to exactly the fold at their sequence, whatever the stream", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 1500 }),
        fc.integer({ min: 2, max: 40 }),
        fc.integer({ min: 1, max: 60 }),
        fc.array(fc.tuple(fc.nat(), hostileArb), { maxLength: 10 }),
        (seed, count, issues, snapshotEvery, hostile) => {
          const inputs = engineEvents(count, { seed, issues, controlEveryTicks: 5 });
          for (const [at, event] of hostile) inputs.splice(at % (inputs.length + 1), 0, event);
          const store = rebuilt(inputs, snapshotEvery);
          try {
            expectSnapshotsAreTheFold(store);
          } finally {
            store.close();
          }
        },
      ),
      { numRuns: 25 },
    );
    // 25 rebuilds into SQLite files, each checked snapshot by snapshot: about 7 s alone,
    // and past the default 30 s once on a loaded 2-core machine.
  }, 120_000);

  it("decode to the fold over a long run that evicts ticks and verdicts, mostly as deltas", () => {
    const store = rebuilt(engineEvents(14_000, { seed: 12, issues: 400 }), 150);
    const written = expectSnapshotsAreTheFold(store);
    expect(store.db.prepare("SELECT count(*) FROM proj_ticks").pluck().get()).toBe(500);
    expect(written.deltas).toBeGreaterThan(written.full);
    expect(written.full).toBeGreaterThan(1);
    store.close();
  }, 120_000);
});
