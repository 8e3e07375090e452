/**
 * The SQLite work queue, beside raw SQL on the same table layout in the same run:
 * - enqueue (dedupe check + insert, one immediate transaction each) vs a bare INSERT;
 * - claim + ack (each one immediate transaction, the lease token checked on ack) vs a
 *   bare UPDATE … RETURNING then DELETE, each autocommitted.
 * Both databases in WAL with synchronous=NORMAL, as the event log opens its file.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { systemClock } from "../../src/shared/clock.js";
import { SqliteQueue } from "../../src/store/queue/sqlite-queue.js";
import { type BenchFigure, type BenchSuite, msSince } from "../harness.js";

const ITEMS = 50_000;
const LEASE_MS = 600_000;

function openDb(path: string): Database.Database {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  return db;
}

function rate(count: number, ms: number): number {
  return count / (ms / 1000);
}

function payload(i: number) {
  return { issue: i + 1, title: `Add retry to fetcher (#${i + 1})`, reason: "selected" };
}

function ours(path: string, n: number): { enqueue: number; claimAck: number } {
  const db = openDb(path);
  const queue = new SqliteQueue(db, systemClock, { maxAttempts: 3 });
  let start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) queue.enqueue({ dedupeKey: `issue:${i + 1}`, payload: payload(i) });
  const enqueue = rate(n, msSince(start));
  start = process.hrtime.bigint();
  for (let claim = queue.claim(LEASE_MS); claim; claim = queue.claim(LEASE_MS)) {
    queue.ack(claim.id, claim.token);
  }
  const claimAck = rate(n, msSince(start));
  db.close();
  return { enqueue, claimAck };
}

/** The same work in bare statements: no dedupe, no token check, no explicit transactions. */
function raw(path: string, n: number): { enqueue: number; claimAck: number } {
  const db = openDb(path);
  // The queue's own table and indexes, so both sides pay for the same index upkeep.
  new SqliteQueue(db, systemClock, { maxAttempts: 3 });
  const insert = db.prepare(
    "INSERT INTO queue_items (dedupe_key, payload_json, state, not_before) VALUES (?, ?, 'ready', ?)",
  );
  const claim = db.prepare<[string, number, number], { id: number }>(
    `UPDATE queue_items SET state = 'leased', attempts = attempts + 1, lease_token = ?,
       lease_expires_at = ?
     WHERE id = (SELECT id FROM queue_items WHERE state = 'ready' AND not_before <= ?
                 ORDER BY not_before, id LIMIT 1)
     RETURNING id`,
  );
  const remove = db.prepare("DELETE FROM queue_items WHERE id = ?");
  let start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) insert.run(`issue:${i + 1}`, JSON.stringify(payload(i)), Date.now());
  const enqueue = rate(n, msSince(start));
  start = process.hrtime.bigint();
  for (;;) {
    const now = Date.now();
    const row = claim.get("0123456789abcdef0123456789abcdef", now + LEASE_MS, now);
    if (!row) break;
    remove.run(row.id);
  }
  const claimAck = rate(n, msSince(start));
  db.close();
  return { enqueue, claimAck };
}

export const queueSuite: BenchSuite = {
  name: "queue",
  async run(ctx) {
    const n = Math.max(1000, Math.round(ITEMS * ctx.scale));
    const base = raw(join(ctx.tmpDir, "raw.db"), n);
    const mine = ours(join(ctx.tmpDir, "queue.db"), n);
    const figure = (name: string, value: number, baseline: number, what: string): BenchFigure => ({
      name,
      value,
      unit: "items/s",
      baseline: { name: what, value: baseline, unit: "items/s" },
      ratio: value / baseline,
    });
    return [
      figure(`queue.enqueue ${n} items`, mine.enqueue, base.enqueue, "raw INSERT, autocommit"),
      figure(
        `queue.claim + ack ${n} items`,
        mine.claimAck,
        base.claimAck,
        "raw UPDATE … RETURNING + DELETE, autocommit",
      ),
    ];
  },
};
