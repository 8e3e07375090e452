/**
 * Seeking: a snapshot plus a short fold must equal the full fold from sequence 0, at any
 * sequence, in any order of seeks (so the kept states and shared rows never leak from one
 * seek into another), with snapshots taken live, by rebuild, or in memory.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AppendInput } from "../../../src/store/contract/envelope.js";
import { engineKinds } from "../../../src/store/contract/kinds.js";
import { foldEvent } from "../../../src/store/projections/fold.js";
import { cloneState } from "../../../src/store/projections/replay.js";
import { TableSnapshots } from "../../../src/store/projections/snapshots.js";
import { openStore, type Store } from "../../../src/store/store.js";
import { engineEvents } from "../../support/engine-stream.js";
import { foldUpTo, stateEntries } from "../../support/loop-state.js";

let dir: string;
let n = 0;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "forge-replay-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Events the engine would not write: wrong field types, unknown kinds, stray task ids. */
const hostileEventArb: fc.Arbitrary<AppendInput> = fc
  .record({
    kind: fc.constantFrom(...engineKinds, "vision.updated", "no.such.kind", ""),
    payload: fc.dictionary(
      fc.constantFrom(
        "issue",
        "attempt",
        "pr",
        "tick",
        "status",
        "reason",
        "request_id",
        "command",
        "outcomes",
        "legacy_kind",
      ),
      fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.integer({ min: -2, max: 5 })),
      { maxKeys: 5 },
    ),
    taskId: fc.constantFrom(null, "issue:1", "issue:2", "issue:x", "tick:3"),
  })
  .map((e) => ({
    ...e,
    kind: e.kind === "" ? "x" : e.kind,
    payload: e.payload as Record<string, unknown>,
    idempotencyKey: `hostile:${n++}`,
  }));

/** A realistic stream with hostile events spliced in at random places. */
const streamArb = fc
  .record({
    seed: fc.integer({ min: 1, max: 1_000_000 }),
    count: fc.integer({ min: 1, max: 900 }),
    issues: fc.integer({ min: 2, max: 60 }),
    hostile: fc.array(fc.tuple(fc.nat(), hostileEventArb), { maxLength: 8 }),
  })
  .map(({ seed, count, issues, hostile }) => {
    const events = engineEvents(count, { seed, issues, controlEveryTicks: 7 });
    for (const [at, event] of hostile) events.splice(at % (events.length + 1), 0, event);
    return events;
  });

function append(store: Store, inputs: readonly AppendInput[], batch: number): void {
  for (let i = 0; i < inputs.length; i += batch) {
    const slice = inputs.slice(i, i + batch);
    if (slice.length === 1) store.log.append(slice[0] as AppendInput);
    else store.log.appendBatch(slice);
  }
}

function expectSeeksMatch(store: Store, seeks: readonly number[]): void {
  const events = store.log.since(0);
  for (const seq of seeks) {
    const got = store.stateAt(seq);
    const want = foldUpTo(events, seq);
    expect(stateEntries(got)).toEqual(stateEntries(want));
  }
}

describe("stateAt", () => {
  it("equals the full fold at random sequences, with snapshots taken live", () => {
    fc.assert(
      fc.property(
        streamArb,
        fc.integer({ min: 1, max: 150 }),
        fc.integer({ min: 1, max: 300 }),
        fc.array(fc.integer({ min: -5, max: 1200 }), { minLength: 1, maxLength: 12 }),
        (inputs, snapshotEvery, batch, seeks) => {
          const store = openStore(join(dir, `live-${n++}.db`), { mode: "writer", snapshotEvery });
          try {
            append(store, inputs, batch);
            expectSeeksMatch(store, seeks);
            expect(store.verify().ok).toBe(true);
          } finally {
            store.close();
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it("decodes snapshots right while a tiny row cache evicts on every decode", () => {
    fc.assert(
      fc.property(
        streamArb,
        fc.integer({ min: 5, max: 60 }),
        fc.integer({ min: 0, max: 4000 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 20 }),
        (inputs, snapshotEvery, bound, picks) => {
          const store = openStore(join(dir, `evict-${n++}.db`), { mode: "writer", snapshotEvery });
          try {
            append(store, inputs, 50);
            const events = store.log.since(0);
            // Smaller than one state's rows at 0: the pass must end, over the bound.
            const snapshots = new TableSnapshots(store.db, bound);
            const seqs = snapshots.sequences();
            for (const pick of picks) {
              const seq = seqs[pick % Math.max(1, seqs.length)];
              if (seq === undefined) continue;
              const got = snapshots.decode(seq);
              expect(stateEntries(got)).toEqual(stateEntries(foldUpTo(events, seq)));
            }
          } finally {
            store.close();
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it("equals the full fold after rebuild, read by a separate read-only connection", () => {
    fc.assert(
      fc.property(
        streamArb,
        fc.integer({ min: 1, max: 150 }),
        fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 12 }),
        (inputs, snapshotEvery, seeks) => {
          const path = join(dir, `rebuilt-${n++}.db`);
          const writer = openStore(path, { mode: "writer", snapshotEvery });
          append(writer, inputs, 1000);
          writer.rebuild();
          writer.close();
          const reader = openStore(path, { mode: "readonly", snapshotEvery });
          try {
            expectSeeksMatch(reader, seeks);
          } finally {
            reader.close();
          }
        },
      ),
      { numRuns: 20 },
    );
  });

  it("hands out states the caller may fold further without changing the next answers", () => {
    const store = openStore(join(dir, "own.db"), { mode: "writer", snapshotEvery: 50 });
    append(store, engineEvents(700, { seed: 5, issues: 20 }), 100);
    const events = store.log.since(0);
    const mine = store.stateAt(300);
    for (const event of events.slice(300, 600)) foldEvent(mine, event);
    expect(stateEntries(mine)).toEqual(stateEntries(foldUpTo(events, 600)));
    // Every seek around it, backwards and forwards, still sees the log alone.
    expectSeeksMatch(store, [300, 299, 301, 250, 600, 310]);
    store.close();
  });

  it("hands out a copy of a kept state, also when the seek lands on it exactly", () => {
    const store = openStore(join(dir, "kept.db"), { mode: "writer", snapshotEvery: 50 });
    append(store, engineEvents(400, { seed: 9, issues: 20 }), 100);
    const events = store.log.since(0);
    for (const seq of [300, 275, 275, 300]) {
      const mine = store.stateAt(seq);
      expect(stateEntries(mine)).toEqual(stateEntries(foldUpTo(events, seq)));
      // What a careless caller might do: nothing kept may change with it.
      for (const map of Object.values(mine)) if (map instanceof Map) map.clear();
    }
    store.close();
  });

  it("steps back one event at a time across snapshot boundaries", () => {
    const store = openStore(join(dir, "steps.db"), { mode: "writer", snapshotEvery: 20 });
    append(store, engineEvents(300, { seed: 8, issues: 10 }), 50);
    const seeks = Array.from({ length: 90 }, (_, i) => 250 - i);
    expectSeeksMatch(store, seeks);
    store.close();
  });

  it("clamps sequences outside the log", () => {
    const store = openStore(join(dir, "clamp.db"), { mode: "writer", snapshotEvery: 10 });
    append(store, engineEvents(40, { seed: 2 }), 40);
    expect(store.stateAt(-3).seq).toBe(0);
    expect(store.stateAt(Number.MAX_SAFE_INTEGER).seq).toBe(40);
    expect(store.stateAt(12.7).seq).toBe(12);
    store.close();
  });
});

describe("cloneState", () => {
  it("copies the maps, so folding the copy leaves the original as it was", () => {
    const events = engineEvents(200, { seed: 4, issues: 8 });
    const store = openStore(join(dir, "clone.db"), { mode: "writer", snapshotEvery: 0 });
    append(store, events, 200);
    const stored = store.log.since(0);
    const original = foldUpTo(stored, 100);
    const before = stateEntries(original);
    const copy = cloneState(original);
    for (const event of stored.slice(100)) foldEvent(copy, event);
    expect(stateEntries(original)).toEqual(before);
    expect(stateEntries(copy)).toEqual(stateEntries(foldUpTo(stored, 200)));
    store.close();
  });
});
