/**
 * The work queue in SQLite, in the same database file as the event log. Every operation is
 * one short transaction; claims take the write lock first (`BEGIN IMMEDIATE`), so two
 * processes sharing the file never lease the same item.
 */
import { randomBytes } from "node:crypto";
import type Database from "better-sqlite3";
import type { Clock } from "../../shared/clock.js";
import { parseStoredPayload } from "../contract/envelope.js";
import {
  type Claim,
  type EnqueueInput,
  type NackResult,
  type Queue,
  type QueueDepth,
  type QueueItem,
  type QueueOptions,
  type ReclaimedItem,
  StaleLeaseError,
} from "./queue.js";
import { checkDelay, checkEnqueue, checkLease, checkOptions } from "./validate.js";

const schema = `
CREATE TABLE IF NOT EXISTS queue_items (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  dedupe_key TEXT NOT NULL,
  payload_json TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('ready', 'leased', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  not_before INTEGER NOT NULL,
  lease_token TEXT,
  lease_expires_at INTEGER,
  last_error TEXT
);
-- At most one live item per key; dead items keep their key for the record.
CREATE UNIQUE INDEX IF NOT EXISTS queue_items_live_key
  ON queue_items (dedupe_key) WHERE state IN ('ready', 'leased');
-- Claim order: the oldest claimable first.
CREATE INDEX IF NOT EXISTS queue_items_claim_order
  ON queue_items (not_before, id) WHERE state = 'ready';
CREATE INDEX IF NOT EXISTS queue_items_lease_expiry
  ON queue_items (lease_expires_at) WHERE state = 'leased';
`;

interface Row {
  id: number;
  dedupe_key: string;
  payload_json: string;
  state: "ready" | "leased" | "dead";
  attempts: number;
  not_before: number;
  lease_token: string | null;
  lease_expires_at: number | null;
  last_error: string | null;
}

/** Creates the queue table and its indexes when they are missing (idempotent). */
export function ensureQueueSchema(db: Database.Database): void {
  db.exec(schema);
}

export class SqliteQueue implements Queue {
  private readonly maxAttempts: number;
  private readonly stmts;

  constructor(
    private readonly db: Database.Database,
    private readonly clock: Clock,
    options: QueueOptions,
  ) {
    this.maxAttempts = checkOptions(options).maxAttempts;
    ensureQueueSchema(db);
    this.stmts = {
      live: db.prepare<[string], Row>(
        "SELECT * FROM queue_items WHERE dedupe_key = ? AND state IN ('ready', 'leased')",
      ),
      byId: db.prepare<[number], Row>("SELECT * FROM queue_items WHERE id = ?"),
      insert: db.prepare<[string, string, number], Row>(
        `INSERT INTO queue_items (dedupe_key, payload_json, state, not_before)
         VALUES (?, ?, 'ready', ?) RETURNING *`,
      ),
      claim: db.prepare<[string, number, number], Row>(
        `UPDATE queue_items
         SET state = 'leased', attempts = attempts + 1, lease_token = ?, lease_expires_at = ?
         WHERE id = (SELECT id FROM queue_items WHERE state = 'ready' AND not_before <= ?
                     ORDER BY not_before, id LIMIT 1)
         RETURNING *`,
      ),
      extend: db.prepare<[number, number], Row>(
        "UPDATE queue_items SET lease_expires_at = ? WHERE id = ? RETURNING *",
      ),
      remove: db.prepare<[number]>("DELETE FROM queue_items WHERE id = ?"),
      requeue: db.prepare<[number, string | null, number]>(
        `UPDATE queue_items
         SET state = 'ready', not_before = ?, last_error = ?, lease_token = NULL,
             lease_expires_at = NULL
         WHERE id = ?`,
      ),
      bury: db.prepare<[string | null, number]>(
        `UPDATE queue_items
         SET state = 'dead', last_error = ?, lease_token = NULL, lease_expires_at = NULL
         WHERE id = ?`,
      ),
      expired: db.prepare<[number], Row>(
        `SELECT * FROM queue_items WHERE state = 'leased' AND lease_expires_at <= ?
         ORDER BY lease_expires_at, id`,
      ),
      cancel: db.prepare<[string]>(
        "DELETE FROM queue_items WHERE dedupe_key = ? AND state = 'ready'",
      ),
      depth: db.prepare<[number, number], QueueDepth>(
        `SELECT
           coalesce(sum(state = 'ready' AND not_before <= ?), 0) AS ready,
           coalesce(sum(state = 'ready' AND not_before > ?), 0) AS delayed,
           coalesce(sum(state = 'leased'), 0) AS inFlight,
           coalesce(sum(state = 'dead'), 0) AS dead
         FROM queue_items`,
      ),
      dead: db.prepare<[], Row>("SELECT * FROM queue_items WHERE state = 'dead' ORDER BY id"),
    };
  }

  enqueue(input: EnqueueInput): { item: QueueItem; enqueued: boolean } {
    checkEnqueue(input);
    const payloadJson = JSON.stringify(input.payload);
    return this.db
      .transaction(() => {
        const live = this.stmts.live.get(input.dedupeKey);
        if (live) return { item: toItem(live), enqueued: false };
        const notBefore = input.notBefore ?? this.clock.now();
        const row = this.stmts.insert.get(input.dedupeKey, payloadJson, notBefore) as Row;
        return { item: toItem(row), enqueued: true };
      })
      .immediate();
  }

  claim(leaseMs: number): Claim | null {
    checkLease(leaseMs);
    const token = randomBytes(16).toString("hex");
    return this.db
      .transaction(() => {
        const now = this.clock.now();
        const row = this.stmts.claim.get(token, now + leaseMs, now);
        return row ? toClaim(row) : null;
      })
      .immediate();
  }

  heartbeat(id: number, token: string, leaseMs: number): Claim {
    checkLease(leaseMs);
    return this.db
      .transaction(() => {
        this.currentLease(id, token);
        return toClaim(this.stmts.extend.get(this.clock.now() + leaseMs, id) as Row);
      })
      .immediate();
  }

  ack(id: number, token: string): void {
    this.db
      .transaction(() => {
        this.currentLease(id, token);
        this.stmts.remove.run(id);
      })
      .immediate();
  }

  nack(id: number, token: string, opts: { delayMs: number; error?: string }): NackResult {
    checkDelay(opts.delayMs);
    return this.db
      .transaction((): NackResult => {
        const row = this.currentLease(id, token);
        const error = opts.error ?? null;
        if (row.attempts >= this.maxAttempts) {
          this.stmts.bury.run(error, id);
          return "dead";
        }
        this.stmts.requeue.run(this.clock.now() + opts.delayMs, error, id);
        return "requeued";
      })
      .immediate();
  }

  reclaimExpired(): ReclaimedItem[] {
    return this.db
      .transaction(() => {
        const now = this.clock.now();
        return this.stmts.expired.all(now).map((row): ReclaimedItem => {
          const error = `lease expired at ${new Date(row.lease_expires_at ?? now).toISOString()}`;
          if (row.attempts >= this.maxAttempts) {
            this.stmts.bury.run(error, row.id);
            return { ...toItem({ ...row, last_error: error }), state: "dead" };
          }
          // Back at its old place in line: its not-before has passed already.
          this.stmts.requeue.run(row.not_before, error, row.id);
          return { ...toItem({ ...row, last_error: error }), state: "ready" };
        });
      })
      .immediate();
  }

  get(dedupeKey: string): (QueueItem & { state: "ready" | "leased" }) | undefined {
    const row = this.stmts.live.get(dedupeKey);
    if (!row) return undefined;
    return { ...toItem(row), state: row.state === "leased" ? "leased" : "ready" };
  }

  cancel(dedupeKey: string): boolean {
    return this.stmts.cancel.run(dedupeKey).changes > 0;
  }

  depth(): QueueDepth {
    const now = this.clock.now();
    return this.stmts.depth.get(now, now) as QueueDepth;
  }

  dead(): QueueItem[] {
    return this.stmts.dead.all().map(toItem);
  }

  /** The leased row for this token, or StaleLeaseError. Runs inside the caller's transaction. */
  private currentLease(id: number, token: string): Row {
    const row = this.stmts.byId.get(id);
    if (!row) throw new StaleLeaseError(id, "the item is no longer in the queue");
    if (row.state !== "leased") throw new StaleLeaseError(id, `the item is ${row.state}`);
    if (row.lease_token !== token) throw new StaleLeaseError(id, "the lease was taken over");
    return row;
  }
}

function toItem(row: Row): QueueItem {
  const item: QueueItem = {
    id: row.id,
    dedupeKey: row.dedupe_key,
    payload: parseStoredPayload(row.payload_json).payload,
    attempts: row.attempts,
    notBefore: row.not_before,
  };
  if (row.last_error !== null) item.lastError = row.last_error;
  return item;
}

function toClaim(row: Row): Claim {
  return {
    ...toItem(row),
    token: row.lease_token as string,
    leaseExpiresAt: row.lease_expires_at as number,
  };
}
