import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  defaultWaitPolicy,
  type FailedRequest,
  nextWait,
  retryAfterMs,
  type WaitPolicy,
} from "../../../../src/engine/forge/github/waits.js";

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
const policy: WaitPolicy = { ...defaultWaitPolicy, now: () => NOW };
const fresh = { server: 0, rateLimit: 0 };

function failure(
  status: number,
  headers: Record<string, string> = {},
  message = "",
): FailedRequest {
  return { status, message, response: { headers } };
}

describe("nextWait", () => {
  it("waits as long as retry-after says on a secondary rate limit (403 or 429)", () => {
    expect(nextWait(failure(403, { "retry-after": "7" }), fresh, policy)).toEqual({
      kind: "secondary_rate_limit",
      ms: 7000,
      cause: "403 secondary rate limit",
    });
    expect(nextWait(failure(429, { "retry-after": "0" }), fresh, policy)?.ms).toBe(0);
  });

  it("reads retry-after as an HTTP date too", () => {
    const at = new Date(NOW + 90_000).toUTCString();
    expect(retryAfterMs(at, NOW)).toBe(90_000);
    expect(retryAfterMs("not a date", NOW)).toBeUndefined();
    expect(retryAfterMs(new Date(NOW - 5000).toUTCString(), NOW)).toBe(0);
  });

  it("waits until x-ratelimit-reset (plus a second) when the primary limit is exhausted", () => {
    const reset = String(Math.floor(NOW / 1000) + 120);
    const wait = nextWait(
      failure(403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset }),
      fresh,
      policy,
    );
    expect(wait).toMatchObject({ kind: "rate_limit", ms: 121_000 });
  });

  it("waits at least a minute, doubling, on a secondary limit without retry-after", () => {
    const limited = failure(403, {}, "You have exceeded a secondary rate limit");
    expect(nextWait(limited, fresh, policy)?.ms).toBe(60_000);
    expect(nextWait(limited, { server: 0, rateLimit: 2 }, policy)?.ms).toBe(240_000);
    expect(nextWait(failure(429), fresh, policy)?.kind).toBe("secondary_rate_limit");
  });

  it("backs off exponentially on 5xx and on failed connections, a bounded number of times", () => {
    for (const status of [500, 502, 503, 504]) {
      expect(nextWait(failure(status), fresh, policy)).toMatchObject({
        kind: "server_error",
        ms: 1000,
      });
    }
    expect(nextWait(failure(502), { server: 3, rateLimit: 0 }, policy)?.ms).toBe(8000);
    expect(nextWait(failure(502), { server: 4, rateLimit: 0 }, policy)).toBeUndefined();
    const dropped: FailedRequest = { status: 500, message: "fetch failed" };
    expect(nextWait(dropped, fresh, policy)).toMatchObject({ kind: "network", ms: 1000 });
  });

  it("does not retry a permission 403, a 401, a 404 or a 422", () => {
    expect(
      nextWait(failure(403, {}, "Resource not accessible by integration"), fresh, policy),
    ).toBeUndefined();
    for (const status of [400, 401, 404, 405, 409, 410, 422]) {
      expect(nextWait(failure(status), fresh, policy), String(status)).toBeUndefined();
    }
  });

  it("gives up on a wait longer than maxWaitMs rather than hang for a day", () => {
    const reset = String(Math.floor(NOW / 1000) + 86_400);
    expect(
      nextWait(
        failure(403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset }),
        fresh,
        policy,
      ),
    ).toBeUndefined();
  });

  it("never waits a negative or unbounded time, and stops once its retries are used (property)", () => {
    const headerValue = fc.oneof(
      fc.string(),
      fc.integer({ min: -10, max: 10_000_000 }).map(String),
      fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 599 }),
        fc.dictionary(
          fc.constantFrom("retry-after", "x-ratelimit-remaining", "x-ratelimit-reset"),
          headerValue,
        ),
        fc.string(),
        fc.nat(20),
        fc.nat(20),
        (status, headers, message, server, rateLimit) => {
          const wait = nextWait(failure(status, headers, message), { server, rateLimit }, policy);
          if (!wait) return;
          expect(wait.ms).toBeGreaterThanOrEqual(0);
          expect(wait.ms).toBeLessThanOrEqual(policy.maxWaitMs);
          const limit = wait.kind === "rate_limit" || wait.kind === "secondary_rate_limit";
          expect(limit ? rateLimit < policy.rateLimitRetries : server < policy.serverRetries).toBe(
            true,
          );
          expect([403, 429, 500, 502, 503, 504]).toContain(status);
        },
      ),
    );
  });
});
