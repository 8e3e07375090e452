/**
 * When a GitHub request is tried again, and after how long: the policy GitHub documents
 * for its rate limits ("Best practices for using the REST API"), plus backoff for server
 * errors and dropped connections. Every wait is announced through `onWait` before it is
 * taken, so the operator sees a wait, not a failure.
 *
 * - 403/429 with `retry-after`: wait that many seconds (a secondary rate limit).
 * - 403/429 with `x-ratelimit-remaining: 0`: wait until `x-ratelimit-reset` (the primary
 *   limit).
 * - 429, or a 403 whose message says "secondary rate limit": wait at least a minute,
 *   doubling each time.
 * - 500, 502, 503, 504, or no response at all: exponential backoff, a few times.
 * - Anything else (a plain 403 is a permission problem, 422 a validation error) is not
 *   retried.
 */

export type WaitKind = "secondary_rate_limit" | "rate_limit" | "server_error" | "network";

export interface Wait {
  kind: WaitKind;
  ms: number;
  /** What happened, for the operator: "502 Bad Gateway", "secondary rate limit". */
  cause: string;
}

export interface WaitPolicy {
  /** Retries after a server error or a failed connection. */
  serverRetries: number;
  /** Retries after a rate limit (each waits as long as GitHub asks). */
  rateLimitRetries: number;
  /** First wait after a server error, doubled each retry up to `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
  /** A secondary limit without `retry-after`: GitHub asks for at least a minute. */
  secondaryFallbackMs: number;
  /** A longer wait is not taken: the request fails with the reason instead. */
  maxWaitMs: number;
  /** One request's time limit; a request that hangs longer counts as a failed connection. */
  requestTimeoutMs: number;
  sleep(ms: number): Promise<void>;
  now(): number;
}

export const defaultWaitPolicy: WaitPolicy = {
  serverRetries: 4,
  rateLimitRetries: 8,
  backoffMs: 1_000,
  maxBackoffMs: 30_000,
  secondaryFallbackMs: 60_000,
  // The primary limit resets hourly: waiting out a whole window is still a wait.
  maxWaitMs: 65 * 60_000,
  requestTimeoutMs: 60_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
};

/** The parts of an Octokit RequestError this module reads. */
export interface FailedRequest {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined> } | undefined;
}

export interface RetryCounts {
  server: number;
  rateLimit: number;
}

/** The wait before the next try, or undefined when the failure is final. */
export function nextWait(
  error: FailedRequest,
  counts: RetryCounts,
  policy: WaitPolicy,
): Wait | undefined {
  const wait = classify(error, counts, policy);
  if (!wait || wait.ms > policy.maxWaitMs) return undefined;
  const isLimit = wait.kind === "secondary_rate_limit" || wait.kind === "rate_limit";
  const used = isLimit ? counts.rateLimit : counts.server;
  const allowed = isLimit ? policy.rateLimitRetries : policy.serverRetries;
  return used < allowed ? wait : undefined;
}

function classify(error: FailedRequest, counts: RetryCounts, policy: WaitPolicy): Wait | undefined {
  const status = error.status;
  const headers = error.response?.headers;
  if (!headers) {
    // Octokit reports a connection that failed, timed out or was reset as a status-500
    // error without a response.
    return { kind: "network", ms: backoff(counts.server, policy), cause: shortCause(error) };
  }
  if (status === 403 || status === 429) {
    const retryAfter = retryAfterMs(header(headers, "retry-after"), policy.now());
    if (retryAfter !== undefined) {
      return {
        kind: "secondary_rate_limit",
        ms: retryAfter,
        cause: `${status} secondary rate limit`,
      };
    }
    if (header(headers, "x-ratelimit-remaining") === "0") {
      const reset = Number(header(headers, "x-ratelimit-reset"));
      const ms = Number.isFinite(reset) ? Math.max(0, reset * 1000 - policy.now()) + 1000 : 60_000;
      return { kind: "rate_limit", ms, cause: `${status} rate limit exhausted` };
    }
    if (status === 429 || /secondary rate limit|abuse detection/i.test(error.message ?? "")) {
      const ms = Math.min(policy.maxWaitMs, policy.secondaryFallbackMs * 2 ** counts.rateLimit);
      return { kind: "secondary_rate_limit", ms, cause: `${status} secondary rate limit` };
    }
    return undefined;
  }
  if (status === 500 || status === 502 || status === 503 || status === 504) {
    return {
      kind: "server_error",
      ms: backoff(counts.server, policy),
      cause: `${status} server error`,
    };
  }
  return undefined;
}

function backoff(retry: number, policy: WaitPolicy): number {
  return Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** retry);
}

function header(
  headers: Record<string, string | number | undefined>,
  name: string,
): string | undefined {
  const value = headers[name];
  return value === undefined ? undefined : String(value).trim();
}

/** `retry-after` is seconds, or an HTTP date. */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value === "") return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function shortCause(error: FailedRequest): string {
  const text = (error.message ?? "").split("\n")[0]?.slice(0, 120) || "no response";
  return `connection failed (${text})`;
}
