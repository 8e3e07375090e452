/**
 * The Queue contract: one suite, run against every implementation (sqlite-queue.test.ts,
 * memory-queue.test.ts). Time only moves through the ManualClock.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Clock } from "../../../src/shared/clock.js";
import {
  type Claim,
  type Queue,
  type QueueOptions,
  StaleLeaseError,
} from "../../../src/store/queue/queue.js";
import { ManualClock } from "../../support/manual-clock.js";

export interface QueueHandle {
  queue: Queue;
  close?(): void;
}

export type QueueFactory = (clock: Clock, options: QueueOptions) => QueueHandle;

const LEASE = 60_000;

/** A claim the test expects to get. */
function claimOne(q: Queue, leaseMs = LEASE): Claim {
  const claim = q.claim(leaseMs);
  if (!claim) throw new Error("expected a claimable item, got none");
  return claim;
}

export function queueContract(factory: QueueFactory): void {
  let open: QueueHandle[] = [];
  afterEach(() => {
    for (const h of open) h.close?.();
    open = [];
  });

  function setup(maxAttempts = 3): { q: Queue; clock: ManualClock } {
    const clock = new ManualClock();
    const handle = factory(clock, { maxAttempts });
    open.push(handle);
    return { q: handle.queue, clock };
  }

  describe("enqueue and dedupe", () => {
    it("enqueues an item claimable now, with no attempts yet", () => {
      const { q, clock } = setup();
      const { item, enqueued } = q.enqueue({ dedupeKey: "issue:1", payload: { issue: 1 } });
      expect(enqueued).toBe(true);
      expect(item).toEqual({
        id: item.id,
        dedupeKey: "issue:1",
        payload: { issue: 1 },
        attempts: 0,
        notBefore: clock.now(),
      });
      expect(q.depth()).toEqual({ ready: 1, delayed: 0, inFlight: 0, dead: 0 });
    });

    it("returns the live item for a key instead of adding a second one", () => {
      const { q } = setup();
      const first = q.enqueue({ dedupeKey: "issue:1", payload: { n: 1 } });
      const again = q.enqueue({ dedupeKey: "issue:1", payload: { n: 2 } });
      expect(again.enqueued).toBe(false);
      expect(again.item).toEqual(first.item);
      expect(q.depth().ready).toBe(1);
    });

    it("dedupes against a leased item too", () => {
      const { q } = setup();
      q.enqueue({ dedupeKey: "issue:1", payload: {} });
      const claim = claimOne(q);
      const again = q.enqueue({ dedupeKey: "issue:1", payload: {} });
      expect(again.enqueued).toBe(false);
      expect(again.item.id).toBe(claim.id);
      expect(again.item.attempts).toBe(1);
    });

    it("accepts the key again once the item is acked or dead", () => {
      const { q } = setup(1);
      const a = q.enqueue({ dedupeKey: "k", payload: {} }).item;
      const ca = claimOne(q);
      q.ack(a.id, ca.token);
      const b = q.enqueue({ dedupeKey: "k", payload: {} });
      expect(b.enqueued).toBe(true);
      expect(b.item.id).toBeGreaterThan(a.id);
      const cb = claimOne(q);
      expect(q.nack(b.item.id, cb.token, { delayMs: 0 })).toBe("dead");
      const c = q.enqueue({ dedupeKey: "k", payload: {} });
      expect(c.enqueued).toBe(true);
      expect(q.dead().map((i) => i.id)).toEqual([b.item.id]);
    });

    it("keeps payloads intact and unshared (unicode, nesting, size)", () => {
      const { q } = setup();
      const payload = {
        title: "Résumé “quotes” 日本 🚀 \u0000 \n",
        nested: { list: [1, "two", null, { deep: true }] },
        big: "x".repeat(200_000),
      };
      q.enqueue({ dedupeKey: "u", payload });
      const claim = claimOne(q);
      expect(claim.payload).toEqual(payload);
      (claim.payload.nested as { list: unknown[] }).list.push("mutated");
      expect(q.get("u")?.payload).toEqual(payload);
    });

    it("refuses nonsense arguments with a clear error", () => {
      const { q } = setup();
      expect(() => q.enqueue({ dedupeKey: "", payload: {} })).toThrow(/dedupeKey/);
      expect(() => q.enqueue({ dedupeKey: "k", payload: {}, notBefore: Number.NaN })).toThrow(
        /notBefore/,
      );
      expect(() => q.claim(0)).toThrow(/lease/);
      expect(() => q.claim(Number.POSITIVE_INFINITY)).toThrow(/lease/);
      expect(() => factory(new ManualClock(), { maxAttempts: 0 })).toThrow(/maxAttempts/);
    });
  });

  describe("claim order and not-before", () => {
    it("returns null when nothing is claimable", () => {
      const { q } = setup();
      expect(q.claim(LEASE)).toBeNull();
    });

    it("claims the oldest first: by not-before, then by id", () => {
      const { q, clock } = setup();
      const t = clock.now();
      const late = q.enqueue({ dedupeKey: "late", payload: {}, notBefore: t - 10 }).item;
      const early = q.enqueue({ dedupeKey: "early", payload: {}, notBefore: t - 1000 }).item;
      const tieA = q.enqueue({ dedupeKey: "tieA", payload: {}, notBefore: t - 500 }).item;
      const tieB = q.enqueue({ dedupeKey: "tieB", payload: {}, notBefore: t - 500 }).item;
      const order = [1, 2, 3, 4].map(() => q.claim(LEASE)?.id);
      expect(order).toEqual([early.id, tieA.id, tieB.id, late.id]);
      expect(q.claim(LEASE)).toBeNull();
    });

    it("does not hand out an item before its not-before", () => {
      const { q, clock } = setup();
      q.enqueue({ dedupeKey: "later", payload: {}, notBefore: clock.now() + 5000 });
      expect(q.depth()).toEqual({ ready: 0, delayed: 1, inFlight: 0, dead: 0 });
      expect(q.claim(LEASE)).toBeNull();
      clock.advance(4999);
      expect(q.claim(LEASE)).toBeNull();
      clock.advance(1);
      expect(q.depth().ready).toBe(1);
      expect(q.claim(LEASE)?.dedupeKey).toBe("later");
    });

    it("leases with a fresh random token and an expiry, counting the claim", () => {
      const { q, clock } = setup();
      const id = q.enqueue({ dedupeKey: "k", payload: {} }).item.id;
      const c1 = claimOne(q);
      expect(c1).toMatchObject({ id, attempts: 1, leaseExpiresAt: clock.now() + LEASE });
      expect(c1.token).toMatch(/^[0-9a-f]{32}$/);
      q.nack(id, c1.token, { delayMs: 0 });
      const c2 = claimOne(q);
      expect(c2.attempts).toBe(2);
      expect(c2.token).not.toBe(c1.token);
      expect(q.get("k")?.state).toBe("leased");
      expect(q.depth()).toEqual({ ready: 0, delayed: 0, inFlight: 1, dead: 0 });
    });
  });

  describe("leases", () => {
    it("heartbeat extends the lease from now", () => {
      const { q, clock } = setup();
      q.enqueue({ dedupeKey: "k", payload: {} });
      const c = claimOne(q, 1000);
      clock.advance(900);
      const extended = q.heartbeat(c.id, c.token, 1000);
      expect(extended.leaseExpiresAt).toBe(clock.now() + 1000);
      expect(extended.token).toBe(c.token);
      clock.advance(900);
      expect(q.reclaimExpired()).toEqual([]);
    });

    it("an expired lease goes back to ready, in its old place in line", () => {
      const { q, clock } = setup();
      const a = q.enqueue({ dedupeKey: "a", payload: { v: 1 } }).item;
      q.enqueue({ dedupeKey: "b", payload: {}, notBefore: clock.now() + 1 });
      const c = claimOne(q, 1000);
      clock.advance(999);
      expect(q.reclaimExpired()).toEqual([]);
      clock.advance(1);
      const reclaimed = q.reclaimExpired();
      expect(reclaimed).toHaveLength(1);
      expect(reclaimed[0]).toMatchObject({
        id: a.id,
        state: "ready",
        attempts: 1,
        payload: { v: 1 },
      });
      expect(reclaimed[0]?.lastError).toMatch(/lease expired/);
      expect(q.reclaimExpired()).toEqual([]);
      expect(q.claim(LEASE)?.id).toBe(c.id);
    });

    it("refuses a stale token after its lease was reclaimed and claimed by another", () => {
      const { q, clock } = setup();
      q.enqueue({ dedupeKey: "k", payload: {} });
      const first = claimOne(q, 1000);
      clock.advance(1000);
      q.reclaimExpired();
      const second = claimOne(q, 1000);
      expect(second.id).toBe(first.id);
      expect(() => q.ack(first.id, first.token)).toThrow(StaleLeaseError);
      expect(() => q.nack(first.id, first.token, { delayMs: 0 })).toThrow(StaleLeaseError);
      expect(() => q.heartbeat(first.id, first.token, 1000)).toThrow(StaleLeaseError);
      // The current holder is untouched by the refused calls.
      expect(q.get("k")).toMatchObject({ state: "leased", attempts: 2 });
      q.ack(second.id, second.token);
      expect(q.get("k")).toBeUndefined();
    });

    it("refuses a token after its lease was reclaimed, even before anyone claims again", () => {
      const { q, clock } = setup();
      q.enqueue({ dedupeKey: "k", payload: {} });
      const c = claimOne(q, 10);
      clock.advance(10);
      q.reclaimExpired();
      expect(() => q.heartbeat(c.id, c.token, 10)).toThrow(StaleLeaseError);
      expect(q.get("k")?.state).toBe("ready");
    });

    it("refuses ack of an item already acked, and of an unknown id", () => {
      const { q } = setup();
      q.enqueue({ dedupeKey: "k", payload: {} });
      const c = claimOne(q);
      q.ack(c.id, c.token);
      expect(() => q.ack(c.id, c.token)).toThrow(StaleLeaseError);
      expect(() => q.ack(999_999, "0".repeat(32))).toThrow(StaleLeaseError);
      expect(() => q.ack(c.id, "not-a-token")).toThrow(/stale/);
    });

    it("a lease past its expiry but not yet reclaimed still belongs to its holder", () => {
      const { q, clock } = setup();
      q.enqueue({ dedupeKey: "k", payload: {} });
      const c = claimOne(q, 10);
      clock.advance(1000);
      expect(q.heartbeat(c.id, c.token, 10).leaseExpiresAt).toBe(clock.now() + 10);
      q.ack(c.id, c.token);
      expect(q.depth()).toEqual({ ready: 0, delayed: 0, inFlight: 0, dead: 0 });
    });
  });

  describe("ack, nack and dead letters", () => {
    it("ack removes the item", () => {
      const { q } = setup();
      q.enqueue({ dedupeKey: "k", payload: {} });
      const c = claimOne(q);
      q.ack(c.id, c.token);
      expect(q.get("k")).toBeUndefined();
      expect(q.depth()).toEqual({ ready: 0, delayed: 0, inFlight: 0, dead: 0 });
      expect(q.claim(LEASE)).toBeNull();
    });

    it("nack requeues after the delay, keeping the error", () => {
      const { q, clock } = setup();
      q.enqueue({ dedupeKey: "k", payload: {} });
      const c = claimOne(q);
      expect(q.nack(c.id, c.token, { delayMs: 5000, error: "checks failed" })).toBe("requeued");
      expect(q.get("k")).toMatchObject({
        state: "ready",
        attempts: 1,
        notBefore: clock.now() + 5000,
        lastError: "checks failed",
      });
      expect(q.depth()).toEqual({ ready: 0, delayed: 1, inFlight: 0, dead: 0 });
      expect(q.claim(LEASE)).toBeNull();
      clock.advance(5000);
      expect(q.claim(LEASE)?.attempts).toBe(2);
    });

    it("dead-letters on the nack of the maxAttempts-th claim", () => {
      const { q, clock } = setup(3);
      const id = q.enqueue({ dedupeKey: "k", payload: { issue: 7 } }).item.id;
      const results = [1, 2, 3].map((n) => {
        clock.advance(1);
        const c = claimOne(q);
        return q.nack(c.id, c.token, { delayMs: 0, error: `try ${n}` });
      });
      expect(results).toEqual(["requeued", "requeued", "dead"]);
      expect(q.claim(LEASE)).toBeNull();
      expect(q.get("k")).toBeUndefined();
      expect(q.dead()).toEqual([
        {
          id,
          dedupeKey: "k",
          payload: { issue: 7 },
          attempts: 3,
          notBefore: expect.any(Number),
          lastError: "try 3",
        },
      ]);
      expect(q.depth()).toEqual({ ready: 0, delayed: 0, inFlight: 0, dead: 1 });
      expect(q.cancel("k")).toBe(false);
    });

    it("dead-letters an expired lease past maxAttempts", () => {
      const { q, clock } = setup(2);
      q.enqueue({ dedupeKey: "k", payload: {} });
      q.claim(100);
      clock.advance(100);
      expect(q.reclaimExpired().map((i) => i.state)).toEqual(["ready"]);
      q.claim(100);
      clock.advance(100);
      const reclaimed = q.reclaimExpired();
      expect(reclaimed.map((i) => [i.state, i.attempts])).toEqual([["dead", 2]]);
      expect(q.dead()).toHaveLength(1);
      expect(q.dead()[0]?.lastError).toMatch(/lease expired/);
      expect(q.claim(100)).toBeNull();
    });

    it("reclaims several leases in expiry order", () => {
      const { q, clock } = setup();
      const a = q.enqueue({ dedupeKey: "a", payload: {} }).item;
      const b = q.enqueue({ dedupeKey: "b", payload: {} }).item;
      q.claim(500);
      q.claim(200);
      clock.advance(1000);
      expect(q.reclaimExpired().map((i) => i.id)).toEqual([b.id, a.id]);
    });
  });

  describe("get and cancel", () => {
    it("get reports the live item and its state", () => {
      const { q } = setup();
      expect(q.get("k")).toBeUndefined();
      q.enqueue({ dedupeKey: "k", payload: { a: 1 } });
      expect(q.get("k")).toMatchObject({ dedupeKey: "k", state: "ready", payload: { a: 1 } });
      q.claim(LEASE);
      expect(q.get("k")?.state).toBe("leased");
    });

    it("cancel removes a ready or delayed item but never a leased one", () => {
      const { q, clock } = setup();
      q.enqueue({ dedupeKey: "ready", payload: {}, notBefore: clock.now() - 1 });
      q.enqueue({ dedupeKey: "delayed", payload: {}, notBefore: clock.now() + 1000 });
      q.enqueue({ dedupeKey: "leased", payload: {}, notBefore: clock.now() - 2 });
      expect(q.claim(LEASE)?.dedupeKey).toBe("leased");
      expect(q.cancel("ready")).toBe(true);
      expect(q.cancel("delayed")).toBe(true);
      expect(q.cancel("leased")).toBe(false);
      expect(q.cancel("missing")).toBe(false);
      expect(q.depth()).toEqual({ ready: 0, delayed: 0, inFlight: 1, dead: 0 });
      // A cancelled key can be enqueued afresh (a retry replacing a delayed item).
      expect(q.enqueue({ dedupeKey: "delayed", payload: {} }).enqueued).toBe(true);
    });

    it("treats hostile keys as plain data", () => {
      const { q } = setup();
      const keys = ["'; DROP TABLE queue_items; --", "%", "_", "issue:1\u0000x", "日本", " "];
      for (const k of keys) q.enqueue({ dedupeKey: k, payload: { k } });
      for (const k of keys) expect(q.get(k)?.payload).toEqual({ k });
      expect(q.get("issue:1")).toBeUndefined();
      expect(q.depth().ready).toBe(keys.length);
    });
  });
}
