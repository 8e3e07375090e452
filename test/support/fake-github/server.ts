/**
 * A local HTTP server speaking GitHub's REST API (the endpoints the GitHub forge uses),
 * GraphQL's two draft mutations, and git's smart HTTP, over one in-memory repository
 * whose branches live in a real bare git repository. It listens on 127.0.0.1 on a random
 * port, so the real Octokit client and the real `git push` run against it.
 *
 * Fault injection: `inject` answers the next matching requests with a given status and
 * headers (secondary rate limits with `retry-after`, primary limits with
 * `x-ratelimit-reset`, 502s, 422 validation errors); `before` runs an action before a
 * matching request is handled (an issue closed while a merge is checking).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type GitHttpRequestLog, serveGitHttp } from "./git-http.js";
import { graphql, type RouteResult, routes } from "./routes.js";
import { FakeRepo } from "./state.js";

export interface RequestMatch {
  method?: string;
  path?: RegExp;
}

export interface InjectedFault {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Handle the request, then answer with the fault anyway: a response lost on the way. */
  afterHandling?: boolean;
}

export const faults = {
  secondaryRateLimit: (retryAfterS: number): InjectedFault => ({
    status: 403,
    headers: { "retry-after": String(retryAfterS) },
    body: {
      message:
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
    },
  }),
  secondaryWithoutRetryAfter: (): InjectedFault => ({
    status: 403,
    body: {
      message:
        "You have exceeded a secondary rate limit and have been temporarily blocked from content creation.",
    },
  }),
  primaryRateLimit: (resetAtS: number, status = 403): InjectedFault => ({
    status,
    headers: {
      "x-ratelimit-remaining": "0",
      "x-ratelimit-limit": "5000",
      "x-ratelimit-reset": String(resetAtS),
    },
    body: { message: "API rate limit exceeded for user ID 1." },
  }),
  badGateway: (): InjectedFault => ({
    status: 502,
    headers: { "content-type": "text/html" },
    body: "<html><body><h1>502 Bad Gateway</h1></body></html>",
  }),
  validation: (message: string, errors: unknown[]): InjectedFault => ({
    status: 422,
    body: { message, errors, documentation_url: "https://docs.github.com/rest" },
  }),
  lostResponse: (): InjectedFault => ({ ...faults.badGateway(), afterHandling: true }),
  forbidden: (): InjectedFault => ({
    status: 403,
    body: { message: "Resource not accessible by personal access token" },
  }),
};

export interface LoggedRequest {
  method: string;
  path: string;
  status: number;
  authorization?: string;
}

export interface FakeGitHubOptions {
  owner?: string;
  name?: string;
  /** The bare repository branches are pushed to and merges land in. */
  bare: string;
  defaultBranch?: string;
  token?: string;
  /** Sent as `x-oauth-scopes` (a classic token); absent for a fine-grained one. */
  scopes?: string;
  login?: string;
  /** GitHub serves at most 100 per page; tests lower it to exercise pagination. */
  maxPerPage?: number;
}

export class FakeGitHub {
  readonly repo: FakeRepo;
  readonly token: string;
  readonly requests: LoggedRequest[] = [];
  readonly gitRequests: GitHttpRequestLog[] = [];
  scopes: string | undefined;
  maxPerPage: number;
  permissions = { admin: false, maintain: false, push: true, triage: true, pull: true };
  private readonly faultQueue: { match: RequestMatch; fault: InjectedFault; left: number }[] = [];
  private readonly hooks: {
    match: RequestMatch;
    action: () => void | Promise<void>;
    left: number;
  }[] = [];
  private server: Server | undefined;
  private readonly login: string;
  url = "";

  constructor(options: FakeGitHubOptions) {
    this.repo = new FakeRepo(
      options.owner ?? "octo",
      options.name ?? "widgets",
      options.bare,
      options.defaultBranch,
    );
    this.token = options.token ?? "ghp_fakefakefakefakefakefakefakefake0001";
    this.scopes = options.scopes;
    this.login = options.login ?? "forge-bot";
    this.maxPerPage = options.maxPerPage ?? 100;
  }

  /** Where `git push` goes: http://127.0.0.1:<port>/git/<owner>/<name>.git */
  get gitUrl(): string {
    return `${this.url}/git/${this.repo.slug}.git`;
  }

  inject(match: RequestMatch, fault: InjectedFault, times = 1): void {
    this.faultQueue.push({ match, fault, left: times });
  }

  before(match: RequestMatch, action: () => void | Promise<void>, times = 1): void {
    this.hooks.push({ match, action, left: times });
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ message: `fake GitHub error: ${String(err)}` }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.url);
    const method = req.method ?? "GET";
    const gitPrefix = `/git/${this.repo.slug}.git/`;
    if (url.pathname.startsWith(gitPrefix)) {
      serveGitHttp(req, res, {
        bare: this.repo.bare,
        rest: url.pathname.slice(gitPrefix.length),
        query: url.search.replace(/^\?/, ""),
        token: this.token,
        log: this.gitRequests,
      });
      return;
    }
    const raw = await readBody(req);
    const result = await this.answer(method, url, req.headers.authorization, raw);
    const authorization = req.headers.authorization;
    this.requests.push({
      method,
      path: url.pathname + url.search,
      status: result.status,
      ...(authorization ? { authorization } : {}),
    });
    const headers: Record<string, string> = {
      "content-type": "application/json; charset=utf-8",
      "x-ratelimit-limit": "5000",
      "x-ratelimit-remaining": "4999",
      "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
      ...(this.scopes !== undefined ? { "x-oauth-scopes": this.scopes } : {}),
      ...result.headers,
    };
    res.writeHead(result.status, headers);
    res.end(
      result.body === undefined
        ? ""
        : typeof result.body === "string"
          ? result.body
          : JSON.stringify(result.body),
    );
  }

  private async answer(
    method: string,
    url: URL,
    authorization: string | undefined,
    raw: string,
  ): Promise<RouteResult> {
    const token = /^(?:token|bearer)\s+(\S+)$/i.exec(authorization ?? "")?.[1];
    if (token !== this.token) {
      return {
        status: 401,
        body: { message: "Bad credentials", documentation_url: "https://docs.github.com/rest" },
      };
    }
    const path = url.pathname;
    for (const hook of this.take(this.hooks, method, path)) await hook.action();
    const fault = this.take(this.faultQueue, method, path)[0]?.fault;
    if (fault && !fault.afterHandling) return faultResult(fault);
    const result = await this.route(method, url, path, raw);
    return fault ? faultResult(fault) : result;
  }

  private async route(method: string, url: URL, path: string, raw: string): Promise<RouteResult> {
    let body: Record<string, unknown> = {};
    if (raw) {
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return { status: 400, body: { message: "Problems parsing JSON" } };
      }
    }
    if (method === "GET" && path === "/user")
      return { status: 200, body: { login: this.login, id: 1 } };
    if (method === "POST" && path === "/graphql") return graphql(this.repo, body);
    const prefix = `/repos/${this.repo.slug}`;
    if (!(path === prefix || path.startsWith(`${prefix}/`))) {
      return { status: 404, body: { message: "Not Found" } };
    }
    for (const [routeMethod, pattern, handler] of routes) {
      const match = routeMethod === method ? pattern.exec(path) : null;
      if (!match) continue;
      return handler(this.context(match, url, body));
    }
    return { status: 404, body: { message: "Not Found" } };
  }

  private context(match: RegExpExecArray, url: URL, body: Record<string, unknown>) {
    return {
      repo: this.repo,
      params: match.slice(1).map((p) => decodeURIComponent(p)),
      query: url.searchParams,
      body,
      origin: this.url,
      url: new URL(url.pathname + url.search, this.url),
      maxPerPage: this.maxPerPage,
      login: this.login,
      permissions: this.permissions,
    };
  }

  private take<T extends { match: RequestMatch; left: number }>(
    list: T[],
    method: string,
    path: string,
  ): T[] {
    const hits = list.filter(
      (entry) =>
        entry.left > 0 &&
        (entry.match.method === undefined || entry.match.method === method) &&
        (entry.match.path === undefined || entry.match.path.test(path)),
    );
    const first = hits.slice(0, 1);
    for (const hit of first) hit.left--;
    for (let i = list.length - 1; i >= 0; i--) if ((list[i]?.left ?? 0) <= 0) list.splice(i, 1);
    return first;
  }
}

function faultResult(fault: InjectedFault): RouteResult {
  return {
    status: fault.status,
    body: fault.body,
    ...(fault.headers ? { headers: fault.headers } : {}),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export async function startFakeGitHub(options: FakeGitHubOptions): Promise<FakeGitHub> {
  return new FakeGitHub(options).start();
}
