/**
 * The doctor's GitHub checks, for a config whose tracker or platform is github: a token
 * is found; GitHub accepts it (and, for a classic token, its scopes include `repo`); the
 * repository is there with issues on and push access; issues and pull requests can be
 * read; and git would take a push (a dry run). Each asks GitHub at most once: the
 * answers are shared through a probe, and a check whose prerequisite failed is skipped.
 *
 * Fine-grained tokens and app tokens have no `x-oauth-scopes` header: for those, what the
 * token may do shows in the repository's `permissions` and in the probes themselves.
 */
import type { LoadedConfig } from "../../engine/config/load.js";
import { type GitHubToken, resolveGitHubToken } from "../../engine/forge/github/auth.js";
import { createGitHubApi, type GitHubApi } from "../../engine/forge/github/client.js";
import { probePush } from "../../engine/forge/github/push.js";
import { type GitHubTarget, githubTarget } from "../../engine/forge/github/settings.js";
import type { WaitPolicy } from "../../engine/forge/github/waits.js";
import { describeError, UserError } from "../../shared/errors.js";
import type { CheckResult, DoctorCheck } from "./doctor.js";

type Result = Omit<CheckResult, "name">;

/** The doctor does not sit out a long rate limit: one short retry, then it reports. */
const doctorWaits: Partial<WaitPolicy> = {
  serverRetries: 1,
  rateLimitRetries: 1,
  maxWaitMs: 10_000,
  requestTimeoutMs: 20_000,
};

interface RepositoryData {
  full_name: string;
  private?: boolean;
  has_issues?: boolean;
  default_branch?: string;
  permissions?: Record<string, boolean>;
}

/** Lazily asks GitHub, once per question, on behalf of every check. */
export class GitHubProbe {
  private cache = new Map<string, Promise<unknown>>();

  constructor(
    readonly loaded: LoadedConfig,
    readonly env: NodeJS.ProcessEnv,
    private readonly waits: Partial<WaitPolicy> = doctorWaits,
  ) {}

  target(): Promise<GitHubTarget> {
    return this.once("target", async () => githubTarget(this.loaded));
  }

  token(): Promise<GitHubToken> {
    return this.once("token", async () => resolveGitHubToken(this.env, (await this.target()).host));
  }

  api(): Promise<GitHubApi> {
    return this.once("api", async () => {
      const target = await this.target();
      return createGitHubApi({
        token: await this.token(),
        apiUrl: target.apiUrl,
        repo: target.repo,
        waits: this.waits,
      });
    });
  }

  user(): Promise<{ login: string; scopes: string[] | undefined }> {
    return this.once("user", async () => {
      const { octokit } = await this.api();
      const response = await octokit.rest.users.getAuthenticated();
      const header = response.headers["x-oauth-scopes"];
      return {
        login: response.data.login,
        scopes:
          typeof header === "string"
            ? header
                .split(",")
                .map((s) => s.trim())
                .filter(Boolean)
            : undefined,
      };
    });
  }

  repository(): Promise<RepositoryData> {
    return this.once("repository", async () => {
      const { octokit, repo } = await this.api();
      return (await octokit.rest.repos.get({ ...repo })).data as RepositoryData;
    });
  }

  private once<T>(key: string, ask: () => Promise<T>): Promise<T> {
    let answer = this.cache.get(key) as Promise<T> | undefined;
    if (!answer) {
      answer = ask();
      this.cache.set(key, answer);
    }
    return answer;
  }
}

/** A check that needs an earlier answer is skipped when that answer failed. */
async function needs<T>(step: Promise<T>, what: string): Promise<{ value: T } | { skip: Result }> {
  try {
    return { value: await step };
  } catch {
    return { skip: { status: "skip", summary: `skipped: ${what} failed above` } };
  }
}

function failure(err: unknown): Result {
  const hint = err instanceof UserError && err.hint ? [err.hint] : [];
  return { status: "fail", summary: describeError(err), ...(hint.length ? { details: hint } : {}) };
}

export const githubConfigCheck: DoctorCheck<GitHubProbe> = {
  name: "github config",
  async run(probe) {
    try {
      const target = await probe.target();
      const push =
        target.push.kind === "token"
          ? `push with the token to ${target.push.url}`
          : `push to the git remote ${target.push.remote}`;
      return {
        status: "ok",
        summary: `${target.repo.owner}/${target.repo.repo} via ${target.apiUrl}; ${push}`,
      };
    } catch (err) {
      return failure(err);
    }
  },
};

export const githubTokenCheck: DoctorCheck<GitHubProbe> = {
  name: "github token",
  async run(probe) {
    const target = await needs(probe.target(), "the config");
    if ("skip" in target) return target.skip;
    try {
      return { status: "ok", summary: `found in ${(await probe.token()).source}` };
    } catch (err) {
      return failure(err);
    }
  },
};

export const githubAuthCheck: DoctorCheck<GitHubProbe> = {
  name: "github auth",
  async run(probe) {
    const token = await needs(probe.token(), "finding a token");
    if ("skip" in token) return token.skip;
    let user: { login: string; scopes: string[] | undefined };
    try {
      user = await probe.user();
    } catch (err) {
      return failure(err);
    }
    const who = `GitHub accepts the token from ${token.value.source} (${user.login})`;
    if (user.scopes === undefined) {
      return {
        status: "ok",
        summary: who,
        details: [
          "a fine-grained or app token (no scopes to read): its repository access is checked below",
        ],
      };
    }
    const scopes = user.scopes.join(", ") || "none";
    if (user.scopes.includes("repo")) return { status: "ok", summary: `${who}; scopes: ${scopes}` };
    const repo = await needs(probe.repository(), "reading the repository");
    const publicOnly =
      user.scopes.includes("public_repo") && "value" in repo && repo.value.private === false;
    if (publicOnly)
      return {
        status: "ok",
        summary: `${who}; scopes: ${scopes} (enough for a public repository)`,
      };
    return {
      status: "fail",
      summary: `${who}, but its scopes (${scopes}) lack repo`,
      details: [
        "A classic token needs the repo scope to label, comment, push and merge; create one with it, or use a fine-grained token.",
      ],
    };
  },
};

export const githubRepositoryCheck: DoctorCheck<GitHubProbe> = {
  name: "github repository",
  async run(probe) {
    const user = await needs(probe.user(), "authenticating");
    if ("skip" in user) return user.skip;
    let repo: RepositoryData;
    try {
      repo = await probe.repository();
    } catch (err) {
      return failure(err);
    }
    const permissions = repo.permissions ?? {};
    const granted = Object.entries(permissions)
      .filter(([, on]) => on)
      .map(([name]) => name);
    const data = {
      full_name: repo.full_name,
      permissions,
      has_issues: repo.has_issues,
      default_branch: repo.default_branch,
    };
    if (repo.has_issues === false) {
      return {
        status: "fail",
        summary: `${repo.full_name} has issues turned off`,
        details: ["Turn issues on in the repository's settings (tracker: github reads them)."],
        data,
      };
    }
    if (!permissions.push && !permissions.maintain && !permissions.admin) {
      return {
        status: "fail",
        summary: `the token cannot write to ${repo.full_name} (permissions: ${granted.join(", ") || "none"})`,
        details: [
          "forge-loop pushes branches, labels and comments on issues, and merges pull requests: it needs write access.",
        ],
        data,
      };
    }
    const base = (await probe.target()).base;
    if (repo.default_branch && repo.default_branch !== base) {
      return {
        status: "warn",
        summary: `${repo.full_name}: base_branch ${base} is not the default branch ${repo.default_branch}`,
        details: [
          "GitHub only closes issues named by “Closes #N” on merges into the default branch (forge-loop closes them itself after its merges).",
        ],
        data,
      };
    }
    return {
      status: "ok",
      summary: `${repo.full_name}: write access (${granted.join(", ")}), issues on`,
      data,
    };
  },
};

function readProbe(
  name: string,
  what: string,
  list: (api: GitHubApi) => Promise<unknown>,
  grant: string,
): DoctorCheck<GitHubProbe> {
  return {
    name,
    async run(probe) {
      const repo = await needs(probe.repository(), "reading the repository");
      if ("skip" in repo) return repo.skip;
      try {
        await list(await probe.api());
        return { status: "ok", summary: `${what} readable` };
      } catch (err) {
        const result = failure(err);
        return {
          ...result,
          details: [...(result.details ?? []), `A fine-grained token needs ${grant}.`],
        };
      }
    },
  };
}

export const githubIssuesCheck = readProbe(
  "github issues",
  "issues",
  ({ octokit, repo }) => octokit.rest.issues.listForRepo({ ...repo, per_page: 1 }),
  "Issues: read and write",
);

export const githubPullsCheck = readProbe(
  "github pull requests",
  "pull requests and their checks",
  async ({ octokit, repo }) => {
    await octokit.rest.pulls.list({ ...repo, per_page: 1 });
  },
  "Pull requests: read and write, and Checks and Commit statuses: read",
);

export const githubPushCheck: DoctorCheck<GitHubProbe> = {
  name: "github push",
  async run(probe) {
    const target = await needs(probe.target(), "the config");
    if ("skip" in target) return target.skip;
    const push = target.value.push;
    let token: GitHubToken | undefined;
    if (push.kind === "token") {
      const found = await needs(probe.token(), "finding a token");
      if ("skip" in found) return found.skip;
      token = found.value;
    }
    try {
      await probePush(
        push.kind === "token" ? { ...push, token: token!.token } : push,
        probe.loaded.repoDir,
      );
      return {
        status: "ok",
        summary: `a dry-run push to ${push.kind === "token" ? push.url : push.remote} was accepted`,
      };
    } catch (err) {
      return {
        status: "fail",
        summary: `a dry-run push to ${push.kind === "token" ? push.url : push.remote} was refused`,
        details: [
          describeError(err).slice(0, 500),
          push.kind === "token"
            ? "A fine-grained token needs Contents: read and write."
            : "Check your git credentials for that remote.",
        ],
      };
    }
  },
};

export const githubChecks: readonly DoctorCheck<GitHubProbe>[] = [
  githubConfigCheck,
  githubTokenCheck,
  githubAuthCheck,
  githubRepositoryCheck,
  githubIssuesCheck,
  githubPullsCheck,
  githubPushCheck,
];
