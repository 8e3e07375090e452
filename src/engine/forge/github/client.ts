/**
 * The Octokit client the GitHub tracker and platform share. One request hook does three
 * things:
 *
 * - waits (waits.ts): rate limits, server errors and dropped connections are retried
 *   after the wait GitHub asks for, each wait announced through `onWait`;
 * - writes one at a time: GitHub asks integrations not to send mutating requests
 *   concurrently (the loop's attempts run in parallel), which is what trips its
 *   secondary rate limits;
 * - errors an operator can act on: a final failure becomes a `GitHubApiError` naming the
 *   request, GitHub's message and validation details, with a hint for 401/403/404.
 *
 * Why not @octokit/plugin-retry and plugin-throttling: plugin-retry retries 5xx silently
 * (no callback, so no wait could be shown), and plugin-throttling keeps its limiters in
 * module-global state shared by every client in the process, with a fixed one-second
 * (three for comments) pause between writes that only a direct Bottleneck dependency
 * could tune. Octokit's own logging is silenced: nothing it would print is needed, and a
 * log line is one more place a secret could leak.
 */
import { Octokit } from "@octokit/rest";
import { UserError } from "../../../shared/errors.js";
import { redact } from "../../../shared/redact.js";
import { type GitHubToken, TOKEN_HINT } from "./auth.js";
import { WaitInterrupted } from "./interruptible-waits.js";
import { defaultWaitPolicy, type FailedRequest, nextWait, type WaitPolicy } from "./waits.js";

export interface RepoRef {
  owner: string;
  repo: string;
}

export interface GitHubApi {
  octokit: Octokit;
  repo: RepoRef;
  /** `owner/name`, for messages. */
  slug: string;
}

export type OnWait = (message: string, ms: number) => void;

export interface GitHubClientOptions {
  token: GitHubToken;
  /** https://api.github.com, or https://<host>/api/v3 for GitHub Enterprise Server. */
  apiUrl: string;
  repo: RepoRef;
  onWait?: OnWait;
  waits?: Partial<WaitPolicy>;
  userAgent?: string;
}

interface ValidationDetail {
  field?: string;
  code?: string;
  message?: string;
}

/** A GitHub request that failed for good, with what an operator can do about it. */
export class GitHubApiError extends UserError {
  constructor(
    message: string,
    hint: string | undefined,
    readonly status: number | undefined,
    readonly details: readonly string[] = [],
  ) {
    super(message, hint);
    this.name = "GitHubApiError";
  }
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

export function createGitHubApi(options: GitHubClientOptions): GitHubApi {
  const octokit = new Octokit({
    auth: options.token.token,
    baseUrl: options.apiUrl.replace(/\/+$/, ""),
    userAgent: options.userAgent ?? "forge-loop",
    log: silent,
  });
  const policy: WaitPolicy = { ...defaultWaitPolicy, ...options.waits };
  const onWait = options.onWait ?? (() => {});
  let writes: Promise<unknown> = Promise.resolve();
  octokit.hook.wrap("request", async (request, requestOptions) => {
    const what = describeRequest(
      requestOptions.method,
      octokit.request.endpoint.parse(requestOptions).url,
    );
    const send = async () => {
      const counts = { server: 0, rateLimit: 0 };
      for (;;) {
        // The hooks inside this one were bound to this very options object: a fresh time
        // limit per try has to be set on it, not on a copy.
        requestOptions.request = {
          ...requestOptions.request,
          signal: AbortSignal.timeout(policy.requestTimeoutMs),
        };
        try {
          return await request(requestOptions);
        } catch (err) {
          const wait = nextWait(err as FailedRequest, counts, policy);
          if (!wait) throw toApiError(err, what, options.token);
          const isLimit = wait.kind === "secondary_rate_limit" || wait.kind === "rate_limit";
          if (isLimit) counts.rateLimit++;
          else counts.server++;
          onWait(
            `GitHub ${wait.cause} on ${what}: waiting ${seconds(wait.ms)} before retry ${isLimit ? counts.rateLimit : counts.server}`,
            wait.ms,
          );
          await policy.sleep(wait.ms).catch((stop: unknown) => {
            throw stop instanceof WaitInterrupted
              ? new GitHubApiError(
                  `GitHub ${what} not retried after ${wait.cause}: ${stop.message}`,
                  undefined,
                  (err as FailedRequest).status,
                )
              : stop;
          });
        }
      }
    };
    if (requestOptions.method === "GET" || requestOptions.method === "HEAD") return send();
    const turn = writes.then(send, send);
    writes = turn.catch(() => undefined);
    return turn;
  });
  return { octokit, repo: options.repo, slug: `${options.repo.owner}/${options.repo.repo}` };
}

/** "GET /repos/octo/widgets/issues": the request's path, without host or query. */
function describeRequest(method: string, url: string): string {
  const path = url.replace(/^[a-z]+:\/\/[^/]+/i, "").replace(/\?.*$/, "");
  return `${method} ${path}`;
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

function toApiError(err: unknown, what: string, token: GitHubToken): GitHubApiError {
  const failed = err as FailedRequest & { response?: { data?: unknown } };
  const status = failed.status;
  const data = failed.response?.data;
  const body = typeof data === "object" && data !== null ? (data as Record<string, unknown>) : {};
  const message =
    typeof body.message === "string" ? body.message : (failed.message ?? "no message");
  const details = Array.isArray(body.errors) ? body.errors.map(describeDetail) : [];
  const clean = (text: string) => redact(text, [token.token]).slice(0, 1000);
  const summary = clean(
    `GitHub ${what} failed: ${failed.response ? (status ?? "?") : "no response"} ${message}${details.length ? ` (${details.join("; ")})` : ""}`,
  );
  return new GitHubApiError(summary, hintFor(status, token), status, details.map(clean));
}

function describeDetail(detail: unknown): string {
  if (typeof detail === "string") return detail;
  const d = (typeof detail === "object" && detail !== null ? detail : {}) as ValidationDetail;
  return [d.field, d.code, d.message].filter((part) => typeof part === "string").join(" ");
}

function hintFor(status: number | undefined, token: GitHubToken): string | undefined {
  if (status === 401) {
    return `GitHub rejected the token from ${token.source}: it is wrong, expired or revoked. ${TOKEN_HINT}`;
  }
  if (status === 403) {
    return `The token from ${token.source} may not do this. ${TOKEN_HINT}`;
  }
  if (status === 404) {
    return `Check repo: owner/name in forge-loop.yaml, and that the token from ${token.source} can see the repository (private repositories need a token with access to them).`;
  }
  return undefined;
}
