/**
 * The work queue: items with a dedupe key, claimed under a lease. SQLite is the default
 * (same database as the log); the in-memory queue serves tests. One contract test suite
 * runs against both. A PostgreSQL queue would use `SKIP LOCKED` for the same contract.
 */

export interface EnqueueInput {
  /** At most one live (ready, delayed or leased) item per key, e.g. `issue:42`. */
  dedupeKey: string;
  payload: Record<string, unknown>;
  /** Epoch ms before which the item is not claimable. */
  notBefore?: number;
}

export interface QueueItem {
  id: number;
  dedupeKey: string;
  payload: Record<string, unknown>;
  /** Claims so far, this one included. */
  attempts: number;
  notBefore: number;
  lastError?: string;
}

export interface Claim extends QueueItem {
  token: string;
  leaseExpiresAt: number;
}

export interface QueueDepth {
  ready: number;
  delayed: number;
  inFlight: number;
  dead: number;
}

export type NackResult = "requeued" | "dead";

/** An expired lease after `reclaimExpired`: back to ready, or dead past `maxAttempts`. */
export type ReclaimedItem = QueueItem & { state: "ready" | "dead" };

export interface QueueOptions {
  /** Claims after which a nack or an expired lease sends the item to the dead list. */
  maxAttempts: number;
}

/** Thrown when an ack, nack or heartbeat carries a lease token that is no longer current. */
export class StaleLeaseError extends Error {
  constructor(
    readonly itemId: number,
    readonly reason: string,
  ) {
    super(`lease on queue item ${itemId} is stale: ${reason}`);
    this.name = "StaleLeaseError";
  }
}

export interface Queue {
  /** Returns the live item for the key when one exists (nothing new is written). */
  enqueue(input: EnqueueInput): { item: QueueItem; enqueued: boolean };
  /** Claims the oldest claimable item (by not-before, then id), or null. */
  claim(leaseMs: number): Claim | null;
  /** Extends the lease; throws StaleLeaseError for a stale token. */
  heartbeat(id: number, token: string, leaseMs: number): Claim;
  /** Done: the item leaves the queue. Throws StaleLeaseError for a stale token. */
  ack(id: number, token: string): void;
  /** Back to the queue after `delayMs`, or dead after `maxAttempts` claims. */
  nack(id: number, token: string, opts: { delayMs: number; error?: string }): NackResult;
  /** Leases past their expiry go back to ready (or dead past `maxAttempts`); returns them. */
  reclaimExpired(): ReclaimedItem[];
  /** The live item for a key, if any. */
  get(dedupeKey: string): (QueueItem & { state: "ready" | "leased" }) | undefined;
  /** Removes a live item that is not leased (e.g. a retry that replaces a delayed item). */
  cancel(dedupeKey: string): boolean;
  depth(): QueueDepth;
  dead(): QueueItem[];
}
