import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteQueue } from "../../../src/store/queue/sqlite-queue.js";
import { ManualClock } from "../../support/manual-clock.js";
import { queueContract } from "./contract.js";

const dir = mkdtempSync(join(tmpdir(), "forge-sqlite-queue-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function openDb(path = join(dir, `q${++n}.db`)): Database.Database {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  return db;
}

describe("SqliteQueue", () => {
  queueContract((clock, options) => {
    const db = openDb();
    return { queue: new SqliteQueue(db, clock, options), close: () => db.close() };
  });

  it("creates its table idempotently and keeps items across reopen", () => {
    const path = join(dir, "reopen.db");
    const clock = new ManualClock();
    const db1 = openDb(path);
    const q1 = new SqliteQueue(db1, clock, { maxAttempts: 3 });
    q1.enqueue({ dedupeKey: "issue:1", payload: { issue: 1 } });
    const claim = q1.claim(1000);
    new SqliteQueue(db1, clock, { maxAttempts: 3 });
    db1.close();

    const db2 = openDb(path);
    const q2 = new SqliteQueue(db2, clock, { maxAttempts: 3 });
    expect(q2.get("issue:1")).toMatchObject({ state: "leased", attempts: 1 });
    q2.ack(claim?.id as number, claim?.token as string);
    expect(q2.depth()).toEqual({ ready: 0, delayed: 0, inFlight: 0, dead: 0 });
    db2.close();
  });

  it("lives beside other tables in the same database", () => {
    const db = openDb();
    db.exec("CREATE TABLE events (sequence INTEGER PRIMARY KEY, kind TEXT)");
    db.prepare("INSERT INTO events (kind) VALUES ('tick.started')").run();
    const q = new SqliteQueue(db, new ManualClock(), { maxAttempts: 3 });
    q.enqueue({ dedupeKey: "k", payload: {} });
    expect(db.prepare("SELECT count(*) AS n FROM events").get()).toEqual({ n: 1 });
    db.close();
  });

  it("claims through the index, not a table scan", () => {
    const db = openDb();
    new SqliteQueue(db, new ManualClock(), { maxAttempts: 3 });
    const plan = db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT id FROM queue_items WHERE state = 'ready' AND not_before <= 0
         ORDER BY not_before, id LIMIT 1`,
      )
      .all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join("\n")).toMatch(
      /USING (COVERING )?INDEX queue_items_claim_order/,
    );
    db.close();
  });

  it("reads a corrupted payload leniently instead of throwing", () => {
    const db = openDb();
    const q = new SqliteQueue(db, new ManualClock(), { maxAttempts: 3 });
    q.enqueue({ dedupeKey: "k", payload: { a: 1 } });
    db.prepare("UPDATE queue_items SET payload_json = '{not json'").run();
    expect(q.claim(1000)?.payload).toEqual({});
    db.close();
  });
});
