/**
 * The projector against a tiny projection defined here, whose reference is a plain Map
 * fold with the documented semantics (rows in first-insertion order; re-setting a key keeps
 * its place, deleting and re-inserting moves it last; `retain` evicts the oldest after an
 * insert). Random streams of sets and deletes, appended one by one or in batches of any
 * size, must leave exactly the reference rows, in the reference order.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AppendInput, StoredEvent } from "../../../src/store/contract/envelope.js";
import { openEventLog, type SqliteEventLog } from "../../../src/store/log/sqlite-event-log.js";
import type { AnyProjection } from "../../../src/store/projections/all.js";
import { SqliteProjector } from "../../../src/store/projections/materialize.js";
import { ensureSnapshotTables } from "../../../src/store/projections/snapshots.js";
import {
  ensureProjectionTables,
  readCursors,
  recordProjectionsVersion,
} from "../../../src/store/projections/tables.js";

type Op = [key: string, op: "set" | "del", value: number];
interface TinyRow {
  v: number;
  writes: number;
}

/** Rows keyed by the op's key; a set writes, a delete removes. Named "ticks" to reuse a table name. */
function tinyProjection(retain?: number): AnyProjection {
  const projection = {
    name: "ticks",
    route: (event: StoredEvent) => ((event.payload.ops as Op[]) ?? []).map(([key]) => key),
    reduce(row: TinyRow | undefined, event: StoredEvent, key: string): TinyRow | undefined {
      const op = (event.payload.ops as Op[]).filter(([k]) => k === key).at(-1) as Op;
      if (op[1] === "del") return undefined;
      return { v: op[2], writes: (row?.writes ?? 0) + 1 };
    },
    ...(retain === undefined ? {} : { retain }),
  };
  return projection as unknown as AnyProjection;
}

/** The reference: a Map fold with the semantics the projector must reproduce. */
function referenceFold(events: readonly { ops: Op[] }[], retain?: number): [string, TinyRow][] {
  const rows = new Map<string, TinyRow>();
  for (const { ops } of events) {
    for (const [key] of ops) {
      const op = ops.filter(([k]) => k === key).at(-1) as Op;
      const before = rows.get(key);
      if (op[1] === "del") {
        rows.delete(key);
        continue;
      }
      rows.set(key, { v: op[2], writes: (before?.writes ?? 0) + 1 });
      if (before === undefined && retain !== undefined) {
        for (const oldest of rows.keys()) {
          if (rows.size <= retain) break;
          rows.delete(oldest);
        }
      }
    }
  }
  return [...rows];
}

let dir: string;
let counter = 0;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "forge-materialize-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function openTiny(
  projection: AnyProjection,
  options: { tables?: boolean; path?: string } = {},
): { log: SqliteEventLog; projector: SqliteProjector } {
  let log: SqliteEventLog | undefined;
  const projector = new SqliteProjector({
    readEvents: (after, limit) => (log as SqliteEventLog).since(after, limit),
    snapshotEvery: 0,
    projections: [projection],
  });
  log = openEventLog(options.path ?? join(dir, `tiny-${counter++}.db`), {
    mode: "writer",
    observer: projector,
  });
  if (options.tables !== false) {
    ensureProjectionTables(log.db, [projection]);
    ensureSnapshotTables(log.db);
    recordProjectionsVersion(log.db);
  }
  return { log, projector };
}

function opEvent(ops: Op[], n: number): AppendInput {
  return { kind: "tiny.ops", payload: { ops }, idempotencyKey: `tiny:${n}:${counter++}` };
}

function tableRows(log: SqliteEventLog): [string, TinyRow][] {
  return (
    log.db.prepare("SELECT key, json FROM proj_ticks ORDER BY ord").raw().all() as [
      string,
      string,
    ][]
  ).map(([key, json]) => [key, JSON.parse(json) as TinyRow]);
}

const opArb = fc.tuple(
  fc.constantFrom("a", "b", "c", "d", "e", "f"),
  fc.constantFrom<"set" | "del">("set", "set", "del"),
  fc.integer({ min: 0, max: 99 }),
) as fc.Arbitrary<Op>;
const streamArb = fc.array(fc.array(opArb, { minLength: 0, maxLength: 3 }), { maxLength: 60 });
/** How to cut the stream into appends: each number is a batch size (1 = a single append). */
const splitsArb = fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 20 });

function appendSplit(log: SqliteEventLog, inputs: AppendInput[], splits: number[]): void {
  let i = 0;
  let s = 0;
  while (i < inputs.length) {
    const size = splits[s++ % splits.length] as number;
    const batch = inputs.slice(i, i + size);
    if (batch.length === 1) log.append(batch[0] as AppendInput);
    else log.appendBatch(batch);
    i += size;
  }
}

describe("SqliteProjector", () => {
  it("keeps the rows and their order exactly as the Map fold does, however the appends are cut", () => {
    fc.assert(
      fc.property(
        streamArb,
        splitsArb,
        fc.option(fc.integer({ min: 1, max: 4 })),
        (stream, splits, retain) => {
          const projection = tinyProjection(retain ?? undefined);
          const { log } = openTiny(projection);
          try {
            appendSplit(
              log,
              stream.map((ops, n) => opEvent(ops, n)),
              splits,
            );
            expect(tableRows(log)).toEqual(
              referenceFold(
                stream.map((ops) => ({ ops })),
                retain ?? undefined,
              ),
            );
            expect(readCursors(log.db).get("ticks")).toBe(log.head());
          } finally {
            log.close();
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("evicts by first insertion: an updated row keeps its place, a re-inserted one moves last", () => {
    const { log } = openTiny(tinyProjection(2));
    const ops: Op[][] = [
      [["a", "set", 1]],
      [["b", "set", 2]],
      [["a", "set", 3]], // update: a stays oldest
      [["c", "set", 4]], // insert past 2: evicts a
      [["b", "del", 0]],
      [["b", "set", 5]], // re-inserted: newest
      [["d", "set", 6]], // evicts c, not b
    ];
    log.appendBatch(ops.slice(0, 4).map((o, n) => opEvent(o, n)));
    expect(tableRows(log).map(([k]) => k)).toEqual(["b", "c"]);
    for (const [n, o] of ops.slice(4).entries()) log.append(opEvent(o, n + 4));
    expect(tableRows(log)).toEqual([
      ["b", { v: 5, writes: 1 }],
      ["d", { v: 6, writes: 1 }],
    ]);
    log.close();
  });

  it("folds events appended by a process without a projector before the next one (catch-up)", () => {
    const path = join(dir, "catch-up.db");
    const plain = openEventLog(path, { mode: "writer" });
    plain.appendBatch([opEvent([["a", "set", 1]], 0), opEvent([["b", "set", 2]], 1)]);
    plain.close();

    const projection = tinyProjection();
    const { log } = openTiny(projection, { path });
    log.append(opEvent([["a", "set", 7]], 2));
    expect(tableRows(log)).toEqual([
      ["a", { v: 7, writes: 2 }],
      ["b", { v: 2, writes: 1 }],
    ]);
    expect(readCursors(log.db).get("ticks")).toBe(3);
    log.close();
  });

  it("catchUp folds every event past the cursor, page by page", () => {
    const path = join(dir, "catch-up-pages.db");
    const plain = openEventLog(path, { mode: "writer" });
    const stream: Op[][] = Array.from({ length: 25 }, (_, n) => [[`k${n % 7}`, "set", n]]);
    plain.appendBatch(stream.map((o, n) => opEvent(o, n)));
    plain.close();
    const { log, projector } = openTiny(tinyProjection(), { path });
    expect(projector.catchUp(log.db, 10)).toBe(25);
    expect(tableRows(log)).toEqual(referenceFold(stream.map((ops) => ({ ops }))));
    expect(projector.catchUp(log.db, 10)).toBe(0);
    log.close();
  });

  it("does nothing on a database without its tables (an observer of a log never materialised)", () => {
    const { log } = openTiny(tinyProjection(), { tables: false });
    expect(() => log.append(opEvent([["a", "set", 1]], 0))).not.toThrow();
    expect(log.head()).toBe(1);
    log.close();
  });

  it("rolls the append back with the rows when a reducer throws: all or nothing", () => {
    const throwing = {
      ...(tinyProjection() as unknown as Record<string, unknown>),
      reduce(row: TinyRow | undefined, event: StoredEvent) {
        if (event.payload.boom) throw new Error("reducer bug");
        return { v: 1, writes: (row?.writes ?? 0) + 1 };
      },
      route: () => ["a"],
    } as unknown as AnyProjection;
    const { log } = openTiny(throwing);
    log.append(opEvent([["a", "set", 1]], 0));
    const bad: AppendInput = { kind: "tiny.ops", payload: { boom: true }, idempotencyKey: "boom" };
    expect(() => log.appendBatch([opEvent([["a", "set", 2]], 1), bad])).toThrow("reducer bug");
    expect(log.head()).toBe(1);
    expect(tableRows(log)).toEqual([["a", { v: 1, writes: 1 }]]);
    expect(readCursors(log.db).get("ticks")).toBe(1);
    log.close();
  });
});
