/**
 * The whole log in pages for a fold from sequence 0: read by a worker thread (large logs),
 * it must give exactly the events, in the same object shape, that reading it on the folding
 * thread gives, whatever the rows hold (a foreign log's columns may hold anything, or be
 * missing); a worker that fails says why; and a rebuild large enough to use the worker gives
 * the tables the live appends gave.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FoldEvent } from "../../../src/store/contract/envelope.js";
import { eventPages } from "../../../src/store/projections/event-pages.js";
import { foldEventSource } from "../../../src/store/projections/event-source.js";
import { openStore } from "../../../src/store/store.js";
import { engineEvents } from "../../support/engine-stream.js";

let dir: string;
let n = 0;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "forge-event-pages-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const cellArb = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.double(),
  fc.constantFrom(-0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
  fc.string({ maxLength: 12 }),
  fc.uint8Array({ maxLength: 6 }).map((bytes) => Buffer.from(bytes)),
);

const payloadArb = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
  fc
    .dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }))
    .map((value) => JSON.stringify(value)),
  fc.constantFrom(
    '{"__proto__":{"polluted":1},"issue":3}',
    ' {"a":[1,{"b":"\\u2028"}]}\n',
    '{"a":1}{"b":2}',
    '{"a":1},{"kind":"injected"}',
    '{"a":"\\ud800"}',
    "\ufeff{}",
    "{bad",
    "",
  ),
  cellArb,
);

interface ForeignRow {
  kind: unknown;
  payload: unknown;
  occurredAt: unknown;
  taskId: unknown;
  sagaId: unknown;
  causal: unknown;
}

const rowArb: fc.Arbitrary<ForeignRow> = fc.record({
  kind: cellArb,
  payload: payloadArb,
  occurredAt: cellArb,
  taskId: cellArb,
  sagaId: cellArb,
  causal: cellArb,
});

/** A WAL log without constraints or column types, so that every cell keeps what it was given. */
function foreignLog(rows: ForeignRow[], allColumns: boolean): Database.Database {
  const db = new Database(join(dir, `log-${n++}.db`));
  db.pragma("journal_mode = WAL");
  db.exec(
    allColumns
      ? "CREATE TABLE events (sequence INTEGER PRIMARY KEY, kind, payload_json, occurred_at, task_id, saga_id, causal_sequence)"
      : "CREATE TABLE events (sequence INTEGER PRIMARY KEY, kind, payload_json, occurred_at, task_id)",
  );
  const insert = allColumns
    ? db.prepare("INSERT INTO events VALUES (NULL, ?, ?, ?, ?, ?, ?)")
    : db.prepare("INSERT INTO events VALUES (NULL, ?, ?, ?, ?)");
  for (const row of rows) {
    const cells = [row.kind, row.payload, row.occurredAt, row.taskId, row.sagaId, row.causal];
    insert.run(...(allColumns ? cells : cells.slice(0, 4)));
  }
  return db;
}

function columnsOf(db: Database.Database): Set<string> {
  return new Set(
    db.prepare("SELECT name FROM pragma_table_info('events')").pluck().all() as string[],
  );
}

function readInWorker(db: Database.Database, head: number): FoldEvent[] {
  const readHere = () => {
    throw new Error("read on the folding thread");
  };
  const pages = eventPages(db, columnsOf(db), readHere, head, { minEventsForWorker: 0 });
  return [...pages].flat();
}

describe("event pages read by a worker", () => {
  it("are the events the folding thread reads, in the same shape, whatever the rows hold", () => {
    fc.assert(
      fc.property(
        fc.array(rowArb, { maxLength: 60 }),
        fc.boolean(),
        fc.nat(70),
        (rows, allColumns, head) => {
          const db = foreignLog(rows, allColumns);
          try {
            const here = foldEventSource(db, columnsOf(db))(0, 1000).filter(
              (event) => event.sequence <= head,
            );
            const inWorker = readInWorker(db, head);
            expect(inWorker).toEqual(here);
            for (const [i, event] of inWorker.entries()) {
              expect(Object.keys(event)).toEqual(Object.keys(here[i] as FoldEvent));
            }
          } finally {
            db.close();
          }
        },
      ),
      { numRuns: 25 },
    );
    // 25 worker threads started from the TypeScript sources: 12 s once on a loaded machine.
  }, 120_000);

  it("cross page boundaries and stop at the head", () => {
    const db = foreignLog(
      Array.from({ length: 2600 }, (_, i) => ({
        kind: "task.heartbeat",
        payload: JSON.stringify({ issue: i % 7, turns: i }),
        occurredAt: `t${i}`,
        taskId: null,
        sagaId: "tick:1",
        causal: null,
      })),
      true,
    );
    const events = readInWorker(db, 2345);
    expect(events.map((event) => event.sequence)).toEqual(
      Array.from({ length: 2345 }, (_, i) => i + 1),
    );
    expect(events[1999]?.payload).toEqual({ issue: 1999 % 7, turns: 1999 });
    db.close();
  });

  it("say why the worker could not read the log", () => {
    const db = new Database(join(dir, "no-events.db"));
    db.pragma("journal_mode = WAL");
    db.exec("CREATE TABLE other (x)");
    expect(() => readInWorker(db, 10)).toThrow(/for a fold failed: no such table: events/);
    db.close();
  });

  it("rebuild a log large enough for the worker to the tables the live appends gave", () => {
    const store = openStore(join(dir, "large.db"), { mode: "writer", snapshotEvery: 5000 });
    const inputs = engineEvents(52_000, { seed: 3, issues: 300 });
    for (let i = 0; i < inputs.length; i += 4000) store.log.appendBatch(inputs.slice(i, i + 4000));
    const table = () => store.db.prepare("SELECT key, json FROM proj_tasks ORDER BY ord").all();
    const live = table();
    expect(store.rebuild()).toMatchObject({ events: 52_000, seq: 52_000, snapshots: 10 });
    expect(table()).toEqual(live);
    expect(store.verify()).toMatchObject({ ok: true, events: 52_000, snapshotsChecked: 10 });
    store.close();
  });
});
