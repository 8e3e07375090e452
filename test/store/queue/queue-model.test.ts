/**
 * Model-based check: random operation sequences run against SqliteQueue and MemoryQueue
 * (the model) must give the same answers, step by step. Lease tokens are random, so each
 * run keeps its own list of the claims it got and operations address them by index.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { MemoryQueue } from "../../../src/store/queue/memory-queue.js";
import type { Claim, Queue } from "../../../src/store/queue/queue.js";
import { SqliteQueue } from "../../../src/store/queue/sqlite-queue.js";
import { ManualClock } from "../../support/manual-clock.js";

type Op =
  | { op: "enqueue"; key: string; delay?: number; payload: number }
  | { op: "claim"; leaseMs: number }
  | { op: "heartbeat"; claim: number; leaseMs: number }
  | { op: "ack"; claim: number }
  | { op: "nack"; claim: number; delayMs: number; error?: string }
  | { op: "reclaim" }
  | { op: "advance"; ms: number }
  | { op: "get"; key: string }
  | { op: "cancel"; key: string }
  | { op: "depth" }
  | { op: "dead" };

const key = fc.constantFrom("issue:1", "issue:2", "issue:3", "issue:4", "issue:5");
const claimIndex = fc.nat({ max: 30 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record(
      {
        op: fc.constant("enqueue" as const),
        key,
        delay: fc.integer({ min: -500, max: 2000 }),
        payload: fc.nat(),
      },
      { requiredKeys: ["op", "key", "payload"] },
    ),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      op: fc.constant("claim" as const),
      leaseMs: fc.integer({ min: 1, max: 3000 }),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      op: fc.constant("heartbeat" as const),
      claim: claimIndex,
      leaseMs: fc.integer({ min: 1, max: 3000 }),
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ op: fc.constant("ack" as const), claim: claimIndex }), weight: 2 },
  {
    arbitrary: fc.record(
      {
        op: fc.constant("nack" as const),
        claim: claimIndex,
        delayMs: fc.integer({ min: 0, max: 2000 }),
        error: fc.string({ maxLength: 8 }),
      },
      { requiredKeys: ["op", "claim", "delayMs"] },
    ),
    weight: 2,
  },
  { arbitrary: fc.constant({ op: "reclaim" as const }), weight: 2 },
  {
    arbitrary: fc.record({
      op: fc.constant("advance" as const),
      ms: fc.integer({ min: 0, max: 2500 }),
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ op: fc.constant("get" as const), key }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant("cancel" as const), key }), weight: 1 },
  { arbitrary: fc.constant({ op: "depth" as const }), weight: 1 },
  { arbitrary: fc.constant({ op: "dead" as const }), weight: 1 },
);

/** Runs the ops, returning one comparable result per step (tokens left out). */
function run(queue: Queue, clock: ManualClock, ops: readonly Op[]): unknown[] {
  const claims: Claim[] = [];
  const pick = (i: number): Claim | undefined => claims[i % Math.max(1, claims.length)];
  const step = (o: Op): unknown => {
    switch (o.op) {
      case "enqueue":
        return queue.enqueue({
          dedupeKey: o.key,
          payload: { n: o.payload },
          ...(o.delay === undefined ? {} : { notBefore: clock.now() + o.delay }),
        });
      case "claim": {
        const c = queue.claim(o.leaseMs);
        if (c) claims.push(c);
        return c && withoutToken(c);
      }
      case "heartbeat": {
        const c = pick(o.claim);
        return c ? withoutToken(queue.heartbeat(c.id, c.token, o.leaseMs)) : "no-claim";
      }
      case "ack": {
        const c = pick(o.claim);
        if (c) queue.ack(c.id, c.token);
        return c ? "acked" : "no-claim";
      }
      case "nack": {
        const c = pick(o.claim);
        const opts =
          o.error === undefined ? { delayMs: o.delayMs } : { delayMs: o.delayMs, error: o.error };
        return c ? queue.nack(c.id, c.token, opts) : "no-claim";
      }
      case "reclaim":
        return queue.reclaimExpired();
      case "advance":
        clock.advance(o.ms);
        return clock.now();
      case "get":
        return queue.get(o.key) ?? null;
      case "cancel":
        return queue.cancel(o.key);
      case "depth":
        return queue.depth();
      case "dead":
        return queue.dead();
    }
  };
  return ops.map((o) => {
    try {
      return step(o);
    } catch (err) {
      return { threw: (err as Error).name };
    }
  });
}

function withoutToken(c: Claim): Omit<Claim, "token"> {
  const { token: _token, ...rest } = c;
  return rest;
}

const dir = mkdtempSync(join(tmpdir(), "forge-queue-model-"));
const db = new Database(join(dir, "model.db"));
db.pragma("journal_mode = WAL");
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** An empty queue table whose ids start at 1 again, like the model's. */
function freshTable(): void {
  db.exec("DROP TABLE IF EXISTS queue_items");
  db.exec("DELETE FROM sqlite_sequence WHERE name = 'queue_items'");
}

describe("SqliteQueue against the MemoryQueue model", () => {
  it("answers every random operation sequence the same way", () => {
    new SqliteQueue(db, new ManualClock(), { maxAttempts: 1 }); // creates sqlite_sequence
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 4 }),
        (ops, maxAttempts) => {
          freshTable();
          const sqliteClock = new ManualClock();
          const modelClock = new ManualClock();
          const actual = run(new SqliteQueue(db, sqliteClock, { maxAttempts }), sqliteClock, ops);
          const expected = run(new MemoryQueue(modelClock, { maxAttempts }), modelClock, ops);
          expect(actual).toEqual(expected);
        },
      ),
      { numRuns: 400 },
    );
  });
});
