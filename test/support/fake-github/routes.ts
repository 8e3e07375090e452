/**
 * The REST endpoints (and the two GraphQL mutations) the GitHub forge uses, answered from
 * a FakeRepo with GitHub's JSON shapes, status codes and validation errors.
 */
import { commitsBetween, diffFiles, mergeInBare } from "./git.js";
import type { FakeIssue, FakePull, FakeRepo } from "./state.js";

export interface RouteContext {
  repo: FakeRepo;
  params: string[];
  query: URLSearchParams;
  body: Record<string, unknown>;
  /** http://127.0.0.1:<port>, for URLs in answers. */
  origin: string;
  /** The requested path and query, for pagination links. */
  url: URL;
  maxPerPage: number;
  login: string;
  /** The token's permissions on the repository, as GET /repos/{owner}/{repo} reports them. */
  permissions: Record<string, boolean>;
}

export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

type Handler = (ctx: RouteContext) => RouteResult | Promise<RouteResult>;

const docs = "https://docs.github.com/rest";
const notFound = (): RouteResult => ({
  status: 404,
  body: { message: "Not Found", documentation_url: docs },
});
const ok = (body: unknown, status = 200): RouteResult => ({ status, body });
const invalid = (errors: unknown[], message = "Validation Failed"): RouteResult => ({
  status: 422,
  body: { message, errors, documentation_url: docs },
});
const MAX_BODY = 65_536;

function text(ctx: RouteContext, key: string): string | undefined {
  const value = ctx.body[key];
  return typeof value === "string" ? value : undefined;
}

function paged<T>(ctx: RouteContext, items: T[]): { items: T[]; headers: Record<string, string> } {
  const perPage = Math.min(Number(ctx.query.get("per_page") ?? 30) || 30, ctx.maxPerPage);
  const page = Math.max(1, Number(ctx.query.get("page") ?? 1) || 1);
  const slice = items.slice((page - 1) * perPage, page * perPage);
  const headers: Record<string, string> = {};
  if (page * perPage < items.length) {
    const next = new URL(ctx.url.toString(), ctx.origin);
    next.searchParams.set("page", String(page + 1));
    next.searchParams.set("per_page", String(perPage));
    headers.link = `<${next.toString()}>; rel="next"`;
  }
  return { items: slice, headers };
}

function labelJson(repo: FakeRepo, name: string) {
  const label = repo.labelNamed(name);
  return {
    id: label?.id ?? 0,
    name,
    color: label?.color ?? "ededed",
    description: label?.description ?? "",
  };
}

function issueJson(ctx: RouteContext, item: FakeIssue | FakePull) {
  const isPull = "head" in item;
  const html = `${ctx.origin}/${ctx.repo.slug}/${isPull ? "pull" : "issues"}/${item.number}`;
  return {
    id: item.number * 10,
    node_id: `I_${item.number}`,
    number: item.number,
    title: item.title,
    body: item.body === "" ? null : item.body,
    state: item.state,
    state_reason: isPull ? null : (item as FakeIssue).stateReason,
    labels: item.labels.map((name) => labelJson(ctx.repo, name)),
    user: { login: item.author },
    created_at: item.createdAt,
    updated_at: item.updatedAt,
    html_url: html,
    ...(isPull ? { pull_request: { html_url: html } } : {}),
  };
}

async function pullJson(ctx: RouteContext, pull: FakePull) {
  const sha = (await ctx.repo.headSha(pull)) ?? "0".repeat(40);
  return {
    id: pull.number * 10,
    node_id: pull.nodeId,
    number: pull.number,
    title: pull.title,
    body: pull.body === "" ? null : pull.body,
    state: pull.state,
    draft: pull.draft,
    merged: pull.mergedSha !== undefined,
    merged_at: pull.mergedAt ?? null,
    merge_commit_sha: pull.mergedSha ?? null,
    html_url: `${ctx.origin}/${ctx.repo.slug}/pull/${pull.number}`,
    user: { login: pull.author },
    head: { ref: pull.head, sha, label: `${ctx.repo.owner}:${pull.head}` },
    base: { ref: pull.base },
    created_at: pull.createdAt,
    updated_at: pull.updatedAt,
  };
}

function issueNumber(ctx: RouteContext, index = 0): number {
  return Number(ctx.params[index]);
}

const listIssues: Handler = (ctx) => {
  const state = ctx.query.get("state") ?? "open";
  const wanted = (ctx.query.get("labels") ?? "").split(",").filter(Boolean);
  const all = [...ctx.repo.issues.values(), ...ctx.repo.pulls.values()]
    .filter((i) => state === "all" || i.state === state)
    .filter((i) => wanted.every((w) => i.labels.some((l) => l.toLowerCase() === w.toLowerCase())))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.number - b.number);
  if (ctx.query.get("direction") !== "asc") all.reverse();
  const { items, headers } = paged(ctx, all);
  return { status: 200, body: items.map((i) => issueJson(ctx, i)), headers };
};

const getIssue: Handler = (ctx) => {
  const item = ctx.repo.item(issueNumber(ctx));
  return item ? ok(issueJson(ctx, item)) : notFound();
};

const updateIssue: Handler = (ctx) => {
  const item = ctx.repo.item(issueNumber(ctx));
  if (!item) return notFound();
  const state = text(ctx, "state");
  if (state !== undefined && state !== "open" && state !== "closed") {
    return invalid([{ resource: "Issue", code: "invalid", field: "state" }]);
  }
  if (state === "closed" && !("head" in item)) ctx.repo.closeIssue(item.number);
  else if (state) item.state = state;
  item.updatedAt = ctx.repo.now();
  return ok(issueJson(ctx, item));
};

const listComments: Handler = (ctx) => {
  const number = issueNumber(ctx);
  if (!ctx.repo.item(number)) return notFound();
  const { items, headers } = paged(ctx, ctx.repo.commentsOn(number));
  return {
    status: 200,
    headers,
    body: items.map((c) => ({
      id: c.id,
      body: c.body,
      user: { login: c.author },
      created_at: c.createdAt,
      updated_at: c.createdAt,
    })),
  };
};

const createComment: Handler = (ctx) => {
  const number = issueNumber(ctx);
  if (!ctx.repo.item(number)) return notFound();
  const body = text(ctx, "body");
  if (!body) return invalid([{ resource: "IssueComment", code: "missing_field", field: "body" }]);
  if (body.length > MAX_BODY) {
    return invalid([
      {
        resource: "IssueComment",
        code: "custom",
        field: "body",
        message: "body is too long (maximum is 65536 characters)",
      },
    ]);
  }
  const c = ctx.repo.addComment(number, body, ctx.login);
  return ok({ id: c.id, body: c.body, user: { login: c.author }, created_at: c.createdAt }, 201);
};

const addLabels: Handler = (ctx) => {
  const item = ctx.repo.item(issueNumber(ctx));
  if (!item) return notFound();
  const labels = ctx.body.labels;
  if (!Array.isArray(labels) || labels.some((l) => typeof l !== "string" || l.length > 50)) {
    return invalid([{ resource: "Label", code: "invalid", field: "labels" }]);
  }
  ctx.repo.addLabels(item, labels as string[]);
  return ok(item.labels.map((name) => labelJson(ctx.repo, name)));
};

const removeLabel: Handler = (ctx) => {
  const item = ctx.repo.item(issueNumber(ctx));
  if (!item) return notFound();
  const name = ctx.params[1] ?? "";
  const index = item.labels.findIndex((l) => l.toLowerCase() === name.toLowerCase());
  if (index < 0)
    return { status: 404, body: { message: "Label does not exist", documentation_url: docs } };
  item.labels.splice(index, 1);
  item.updatedAt = ctx.repo.now();
  return ok(item.labels.map((l) => labelJson(ctx.repo, l)));
};

const listLabels: Handler = (ctx) => {
  const { items, headers } = paged(ctx, ctx.repo.labels);
  return { status: 200, headers, body: items.map((l) => labelJson(ctx.repo, l.name)) };
};

const createLabel: Handler = (ctx) => {
  const name = text(ctx, "name");
  const color = text(ctx, "color") ?? "ededed";
  if (!name) return invalid([{ resource: "Label", code: "missing_field", field: "name" }]);
  if (!/^[0-9a-fA-F]{6}$/.test(color))
    return invalid([{ resource: "Label", code: "invalid", field: "color" }]);
  if (ctx.repo.labelNamed(name))
    return invalid([{ resource: "Label", code: "already_exists", field: "name" }]);
  const label = ctx.repo.createLabel(name, color, text(ctx, "description") ?? "");
  return ok(labelJson(ctx.repo, label.name), 201);
};

const listPulls: Handler = async (ctx) => {
  const state = ctx.query.get("state") ?? "open";
  const head = ctx.query.get("head");
  const pulls = [...ctx.repo.pulls.values()]
    .filter((p) => state === "all" || p.state === state)
    .filter((p) => !head || `${ctx.repo.owner}:${p.head}` === head);
  const { items, headers } = paged(ctx, pulls);
  return { status: 200, headers, body: await Promise.all(items.map((p) => pullJson(ctx, p))) };
};

const createPull: Handler = async (ctx) => {
  const { repo } = ctx;
  const head = text(ctx, "head") ?? "";
  const base = text(ctx, "base") ?? "";
  const title = text(ctx, "title");
  const body = text(ctx, "body") ?? "";
  if (!title) return invalid([{ resource: "PullRequest", code: "missing_field", field: "title" }]);
  if (title.length > 256 || body.length > MAX_BODY) {
    return invalid([
      { resource: "PullRequest", code: "custom", field: "body", message: "is too long" },
    ]);
  }
  const branch = head.includes(":") ? head.slice(head.indexOf(":") + 1) : head;
  const headSha = await repo.headSha({ head: branch } as FakePull);
  if (!headSha) return invalid([{ resource: "PullRequest", code: "invalid", field: "head" }]);
  if (!(await repo.headSha({ head: base } as FakePull))) {
    return invalid([{ resource: "PullRequest", code: "invalid", field: "base" }]);
  }
  if ([...repo.pulls.values()].some((p) => p.state === "open" && p.head === branch)) {
    return invalid([
      {
        resource: "PullRequest",
        code: "custom",
        message: `A pull request already exists for ${repo.owner}:${branch}.`,
      },
    ]);
  }
  if ((await commitsBetween(repo.bare, base, headSha)) === 0) {
    return invalid([
      {
        resource: "PullRequest",
        code: "custom",
        message: `No commits between ${base} and ${branch}`,
      },
    ]);
  }
  const now = repo.now();
  const number = repo.number();
  const pull: FakePull = {
    number,
    nodeId: `PR_${number}`,
    title,
    body,
    head: branch,
    base,
    draft: ctx.body.draft === true,
    state: "open",
    labels: [],
    createdAt: now,
    updatedAt: now,
    author: ctx.login,
  };
  repo.pulls.set(number, pull);
  return ok(await pullJson(ctx, pull), 201);
};

const getPull: Handler = async (ctx) => {
  const pull = ctx.repo.pulls.get(issueNumber(ctx));
  return pull ? ok(await pullJson(ctx, pull)) : notFound();
};

const updatePull: Handler = async (ctx) => {
  const pull = ctx.repo.pulls.get(issueNumber(ctx));
  if (!pull) return notFound();
  const title = text(ctx, "title");
  const body = text(ctx, "body");
  const state = text(ctx, "state");
  if (body !== undefined && body.length > MAX_BODY) {
    return invalid([
      { resource: "PullRequest", code: "custom", field: "body", message: "is too long" },
    ]);
  }
  if (title !== undefined) pull.title = title;
  if (body !== undefined) pull.body = body;
  if (text(ctx, "base")) pull.base = text(ctx, "base") as string;
  if (state === "closed" && pull.state === "open" && !pull.mergedSha) {
    pull.frozenHeadSha = await ctx.repo.headSha(pull);
    pull.state = "closed";
  }
  pull.updatedAt = ctx.repo.now();
  return ok(await pullJson(ctx, pull));
};

const mergePull: Handler = async (ctx) => {
  const { repo } = ctx;
  const pull = repo.pulls.get(issueNumber(ctx));
  if (!pull) return notFound();
  const method = text(ctx, "merge_method") ?? "merge";
  if (!["merge", "squash", "rebase"].includes(method)) {
    return invalid([{ resource: "PullRequest", code: "invalid", field: "merge_method" }]);
  }
  if (pull.state !== "open" || pull.mergedSha) {
    return {
      status: 405,
      body: { message: "Pull Request is not mergeable", documentation_url: docs },
    };
  }
  if (pull.draft)
    return {
      status: 405,
      body: { message: "Pull Request is still a draft", documentation_url: docs },
    };
  const headSha = await repo.headSha(pull);
  const sha = text(ctx, "sha");
  if (!headSha || (sha !== undefined && sha !== headSha)) {
    return {
      status: 409,
      body: {
        message: "Head branch was modified. Review and try the merge again.",
        documentation_url: docs,
      },
    };
  }
  const title =
    text(ctx, "commit_title") ??
    (method === "squash"
      ? `${pull.title} (#${pull.number})`
      : `Merge pull request #${pull.number} from ${repo.owner}/${pull.head}`);
  const message = text(ctx, "commit_message") ?? (method === "squash" ? pull.body : pull.title);
  const merged = await mergeInBare(repo.bare, {
    base: pull.base,
    headSha,
    method: method as "merge",
    title,
    message,
  });
  if (!merged.ok) {
    return {
      status: 405,
      body: {
        message:
          merged.reason === "moved"
            ? "Base branch was modified. Review and try the merge again."
            : "Pull Request is not mergeable",
        documentation_url: docs,
      },
    };
  }
  pull.mergedSha = merged.sha;
  pull.mergedAt = repo.now();
  pull.frozenHeadSha = headSha;
  pull.state = "closed";
  if (pull.base === repo.defaultBranch) {
    for (const match of pull.body.matchAll(
      /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+#(\d+)\b/gi,
    )) {
      repo.closeIssue(Number(match[1]));
    }
  }
  return ok({ sha: merged.sha, merged: true, message: "Pull Request successfully merged" });
};

const createReview: Handler = async (ctx) => {
  const { repo } = ctx;
  const pull = repo.pulls.get(issueNumber(ctx));
  if (!pull) return notFound();
  const event = text(ctx, "event") ?? "PENDING";
  const body = text(ctx, "body") ?? "";
  if ((event === "COMMENT" || event === "REQUEST_CHANGES") && !body) {
    return invalid(["Body is required for this event"], "Unprocessable Entity");
  }
  if (event === "REQUEST_CHANGES" && pull.author === ctx.login) {
    return invalid(["Can not request changes on your own pull request"], "Unprocessable Entity");
  }
  const raw = Array.isArray(ctx.body.comments)
    ? (ctx.body.comments as Record<string, unknown>[])
    : [];
  const headSha = (await repo.headSha(pull)) ?? "";
  const files = await diffFiles(repo.bare, pull.base, headSha);
  for (const c of raw) {
    const lines = files.get(String(c.path));
    if (lines === undefined || typeof c.line !== "number" || c.line < 1 || c.line > lines) {
      return invalid(["Line could not be resolved"], "Unprocessable Entity");
    }
  }
  const review = {
    id: repo.id(),
    pr: pull.number,
    body,
    event,
    commitId: text(ctx, "commit_id") ?? headSha,
    comments: raw.map((c) => ({
      path: String(c.path),
      line: Number(c.line),
      side: String(c.side ?? "RIGHT"),
      body: String(c.body ?? ""),
    })),
  };
  repo.reviews.push(review);
  return ok({
    id: review.id,
    body,
    state: event === "COMMENT" ? "COMMENTED" : event,
    commit_id: review.commitId,
  });
};

const listCheckRuns: Handler = (ctx) => {
  const runs = ctx.repo.checkRunsFor(ctx.params[0] ?? "");
  const { items, headers } = paged(ctx, runs);
  return {
    status: 200,
    headers,
    body: {
      total_count: runs.length,
      check_runs: items.map((r) => ({
        id: r.id,
        name: r.name,
        head_sha: r.headSha,
        status: r.status,
        conclusion: r.conclusion,
      })),
    },
  };
};

const combinedStatus: Handler = (ctx) => {
  const sha = ctx.params[0] ?? "";
  const statuses = ctx.repo.statuses.filter((s) => s.sha === sha);
  const state = statuses.some((s) => s.state === "failure" || s.state === "error")
    ? "failure"
    : statuses.every((s) => s.state === "success") && statuses.length > 0
      ? "success"
      : "pending";
  return ok({
    state,
    sha,
    total_count: statuses.length,
    statuses: statuses.map((s) => ({ context: s.context, state: s.state })),
  });
};

const getRepo: Handler = (ctx) =>
  ok({
    id: 1,
    name: ctx.repo.name,
    full_name: ctx.repo.slug,
    owner: { login: ctx.repo.owner },
    private: true,
    has_issues: true,
    default_branch: ctx.repo.defaultBranch,
    permissions: ctx.permissions,
  });

/** GraphQL: only the draft toggles REST cannot do. */
export function graphql(repo: FakeRepo, body: Record<string, unknown>): RouteResult {
  const query = typeof body.query === "string" ? body.query : "";
  const id = (body.variables as Record<string, unknown> | undefined)?.id;
  const pull = [...repo.pulls.values()].find((p) => p.nodeId === id);
  const toDraft = /convertPullRequestToDraft/.test(query);
  const toReady = /markPullRequestReadyForReview/.test(query);
  if (!pull || (!toDraft && !toReady)) {
    return ok({
      data: null,
      errors: [
        {
          type: "NOT_FOUND",
          message: `Could not resolve to a node with the global id of '${String(id)}'`,
        },
      ],
    });
  }
  pull.draft = toDraft;
  const field = toDraft ? "convertPullRequestToDraft" : "markPullRequestReadyForReview";
  return ok({ data: { [field]: { pullRequest: { isDraft: pull.draft } } } });
}

const R = "^/repos/[^/]+/[^/]+";
export const routes: [string, RegExp, Handler][] = [
  ["GET", new RegExp(`${R}$`), getRepo],
  ["GET", new RegExp(`${R}/issues$`), listIssues],
  ["GET", new RegExp(`${R}/issues/(\\d+)$`), getIssue],
  ["PATCH", new RegExp(`${R}/issues/(\\d+)$`), updateIssue],
  ["GET", new RegExp(`${R}/issues/(\\d+)/comments$`), listComments],
  ["POST", new RegExp(`${R}/issues/(\\d+)/comments$`), createComment],
  ["POST", new RegExp(`${R}/issues/(\\d+)/labels$`), addLabels],
  ["DELETE", new RegExp(`${R}/issues/(\\d+)/labels/([^/]+)$`), removeLabel],
  ["GET", new RegExp(`${R}/labels$`), listLabels],
  ["POST", new RegExp(`${R}/labels$`), createLabel],
  ["GET", new RegExp(`${R}/pulls$`), listPulls],
  ["POST", new RegExp(`${R}/pulls$`), createPull],
  ["GET", new RegExp(`${R}/pulls/(\\d+)$`), getPull],
  ["PATCH", new RegExp(`${R}/pulls/(\\d+)$`), updatePull],
  ["PUT", new RegExp(`${R}/pulls/(\\d+)/merge$`), mergePull],
  ["POST", new RegExp(`${R}/pulls/(\\d+)/reviews$`), createReview],
  ["GET", new RegExp(`${R}/commits/([0-9a-f]{40})/check-runs$`), listCheckRuns],
  ["GET", new RegExp(`${R}/commits/([0-9a-f]{40})/status$`), combinedStatus],
];
