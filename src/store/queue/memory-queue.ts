/**
 * The work queue in memory: the same contract as SqliteQueue, for tests that need a queue
 * but not a database (and as the model the SQLite queue is checked against).
 */
import { randomBytes } from "node:crypto";
import type { Clock } from "../../shared/clock.js";
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

interface Entry {
  id: number;
  dedupeKey: string;
  /** Kept as text so callers never share (or mutate) the stored payload. */
  payloadJson: string;
  state: "ready" | "leased" | "dead";
  attempts: number;
  notBefore: number;
  token?: string;
  leaseExpiresAt?: number;
  lastError?: string;
}

export class MemoryQueue implements Queue {
  private readonly maxAttempts: number;
  /** By id; Map keeps insertion order, which is id order. */
  private readonly entries = new Map<number, Entry>();
  private nextId = 1;

  constructor(
    private readonly clock: Clock,
    options: QueueOptions,
  ) {
    this.maxAttempts = checkOptions(options).maxAttempts;
  }

  enqueue(input: EnqueueInput): { item: QueueItem; enqueued: boolean } {
    checkEnqueue(input);
    const live = this.live(input.dedupeKey);
    if (live) return { item: toItem(live), enqueued: false };
    const entry: Entry = {
      id: this.nextId++,
      dedupeKey: input.dedupeKey,
      payloadJson: JSON.stringify(input.payload),
      state: "ready",
      attempts: 0,
      notBefore: input.notBefore ?? this.clock.now(),
    };
    this.entries.set(entry.id, entry);
    return { item: toItem(entry), enqueued: true };
  }

  claim(leaseMs: number): Claim | null {
    checkLease(leaseMs);
    const now = this.clock.now();
    let next: Entry | undefined;
    for (const entry of this.entries.values()) {
      if (entry.state !== "ready" || entry.notBefore > now) continue;
      if (!next || entry.notBefore < next.notBefore) next = entry;
    }
    if (!next) return null;
    next.state = "leased";
    next.attempts += 1;
    next.token = randomBytes(16).toString("hex");
    next.leaseExpiresAt = now + leaseMs;
    return toClaim(next);
  }

  heartbeat(id: number, token: string, leaseMs: number): Claim {
    checkLease(leaseMs);
    const entry = this.currentLease(id, token);
    entry.leaseExpiresAt = this.clock.now() + leaseMs;
    return toClaim(entry);
  }

  ack(id: number, token: string): void {
    this.currentLease(id, token);
    this.entries.delete(id);
  }

  nack(id: number, token: string, opts: { delayMs: number; error?: string }): NackResult {
    checkDelay(opts.delayMs);
    const entry = this.currentLease(id, token);
    if (entry.attempts >= this.maxAttempts) {
      release(entry, "dead", entry.notBefore, opts.error);
      return "dead";
    }
    release(entry, "ready", this.clock.now() + opts.delayMs, opts.error);
    return "requeued";
  }

  reclaimExpired(): ReclaimedItem[] {
    const now = this.clock.now();
    const expired = [...this.entries.values()]
      .filter((e) => e.state === "leased" && (e.leaseExpiresAt ?? now) <= now)
      .sort((a, b) => (a.leaseExpiresAt ?? 0) - (b.leaseExpiresAt ?? 0) || a.id - b.id);
    return expired.map((entry): ReclaimedItem => {
      const error = `lease expired at ${new Date(entry.leaseExpiresAt ?? now).toISOString()}`;
      const state = entry.attempts >= this.maxAttempts ? "dead" : "ready";
      release(entry, state, entry.notBefore, error);
      return { ...toItem(entry), state };
    });
  }

  get(dedupeKey: string): (QueueItem & { state: "ready" | "leased" }) | undefined {
    const entry = this.live(dedupeKey);
    if (!entry) return undefined;
    return { ...toItem(entry), state: entry.state === "leased" ? "leased" : "ready" };
  }

  cancel(dedupeKey: string): boolean {
    const entry = this.live(dedupeKey);
    if (entry?.state !== "ready") return false;
    this.entries.delete(entry.id);
    return true;
  }

  depth(): QueueDepth {
    const now = this.clock.now();
    const depth: QueueDepth = { ready: 0, delayed: 0, inFlight: 0, dead: 0 };
    for (const entry of this.entries.values()) {
      if (entry.state === "leased") depth.inFlight += 1;
      else if (entry.state === "dead") depth.dead += 1;
      else if (entry.notBefore <= now) depth.ready += 1;
      else depth.delayed += 1;
    }
    return depth;
  }

  dead(): QueueItem[] {
    return [...this.entries.values()].filter((e) => e.state === "dead").map(toItem);
  }

  private live(dedupeKey: string): Entry | undefined {
    for (const entry of this.entries.values()) {
      if (entry.dedupeKey === dedupeKey && entry.state !== "dead") return entry;
    }
    return undefined;
  }

  private currentLease(id: number, token: string): Entry {
    const entry = this.entries.get(id);
    if (!entry) throw new StaleLeaseError(id, "the item is no longer in the queue");
    if (entry.state !== "leased") throw new StaleLeaseError(id, `the item is ${entry.state}`);
    if (entry.token !== token) throw new StaleLeaseError(id, "the lease was taken over");
    return entry;
  }
}

function release(
  entry: Entry,
  state: "ready" | "dead",
  notBefore: number,
  error: string | undefined,
): void {
  entry.state = state;
  entry.notBefore = notBefore;
  entry.lastError = error;
  entry.token = undefined;
  entry.leaseExpiresAt = undefined;
}

function toItem(entry: Entry): QueueItem {
  const item: QueueItem = {
    id: entry.id,
    dedupeKey: entry.dedupeKey,
    payload: JSON.parse(entry.payloadJson) as Record<string, unknown>,
    attempts: entry.attempts,
    notBefore: entry.notBefore,
  };
  if (entry.lastError !== undefined) item.lastError = entry.lastError;
  return item;
}

function toClaim(entry: Entry): Claim {
  return {
    ...toItem(entry),
    token: entry.token as string,
    leaseExpiresAt: entry.leaseExpiresAt as number,
  };
}
