/**
 * Pushing an attempt's branch to GitHub.
 *
 * With `push: token` the branch goes over https with the token as an `Authorization`
 * header that git reads from its environment (`GIT_CONFIG_COUNT` / `GIT_CONFIG_KEY_n` /
 * `GIT_CONFIG_VALUE_n`, git ≥ 2.31): the token is never in an argument list (which any
 * user on the machine can read with `ps`), never in `.git/config`, and no shell runs a
 * credential-helper snippet. The header is scoped to the push URL's origin, and an
 * empty value first clears any `extraHeader` the operator's config would add for that
 * origin (two Authorization headers make GitHub refuse the push).
 *
 * With `push: remote` it is a plain `git push <remote>` with the operator's own git
 * credentials (ssh keys, a credential manager).
 */
import { isValidBranchName } from "../../git/refs.js";
import { git } from "../../git/run.js";

export type PushTarget =
  | { kind: "token"; url: string; token: string }
  | { kind: "remote"; remote: string };

export function tokenPushEnv(url: string, token: string): Record<string, string> {
  const { protocol, host } = new URL(url);
  const key = `http.${protocol}//${host}/.extraHeader`;
  const basic = Buffer.from(`x-access-token:${token}`).toString("base64");
  return {
    GIT_CONFIG_COUNT: "2",
    GIT_CONFIG_KEY_0: key,
    GIT_CONFIG_VALUE_0: "",
    GIT_CONFIG_KEY_1: key,
    GIT_CONFIG_VALUE_1: `Authorization: Basic ${basic}`,
  };
}

/** Force-pushes `branch` (each attempt starts afresh from the base) from `worktree`. */
export async function pushBranch(
  target: PushTarget,
  branch: string,
  worktree: string,
  base: string,
): Promise<void> {
  if (!isValidBranchName(branch)) {
    throw new Error(`not a valid branch name: ${JSON.stringify(branch)}`);
  }
  if (branch === base) {
    throw new Error(`refusing to push the base branch ${branch} as a pull request branch`);
  }
  const refspec = `refs/heads/${branch}:refs/heads/${branch}`;
  const destination = target.kind === "token" ? target.url : target.remote;
  await git(worktree, ["push", "--force", "--quiet", destination, refspec], {
    timeoutMs: 10 * 60_000,
    ...(target.kind === "token" ? { env: tokenPushEnv(target.url, target.token) } : {}),
  });
}

/**
 * Where `push: token` pushes by default: github.com for the public API, the Enterprise
 * host for `https://<host>/api/v3`.
 */
export function defaultPushUrl(apiUrl: string, owner: string, repo: string): string {
  const api = new URL(apiUrl);
  const host = api.hostname === "api.github.com" ? "github.com" : api.host;
  return `${api.protocol}//${host}/${owner}/${repo}.git`;
}

/** The host `gh auth token --hostname` should use for this API. */
export function githubHost(apiUrl: string): string {
  const api = new URL(apiUrl);
  return api.hostname === "api.github.com" ? "github.com" : api.host;
}

/**
 * Asks the server whether this target would take a push, without pushing: a dry run
 * still opens git's receive-pack session, which GitHub only grants to writers.
 */
export async function probePush(target: PushTarget, repoDir: string): Promise<void> {
  const destination = target.kind === "token" ? target.url : target.remote;
  await git(
    repoDir,
    ["push", "--dry-run", "--quiet", destination, "HEAD:refs/heads/forge-loop/doctor-probe"],
    {
      timeoutMs: 60_000,
      ...(target.kind === "token" ? { env: tokenPushEnv(target.url, target.token) } : {}),
    },
  );
}
