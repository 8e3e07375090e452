/**
 * Where the GitHub token comes from: `GITHUB_TOKEN`, then `GH_TOKEN`, then `gh auth token`
 * (the GitHub CLI's stored login). It is resolved once, synchronously, when the forge
 * opens, so a missing token stops `forge-loop run` before the loop starts, with one error
 * that says what was tried in each of the three places.
 */
import { execaSync } from "execa";
import { UserError } from "../../../shared/errors.js";
import { redact } from "../../../shared/redact.js";

export type TokenSource = "GITHUB_TOKEN" | "GH_TOKEN" | "gh auth token";

export interface GitHubToken {
  token: string;
  source: TokenSource;
}

export const TOKEN_HINT =
  "Export GITHUB_TOKEN (or GH_TOKEN) with a token that can read and write this repository's issues and pull requests and push branches (classic token: the repo scope; fine-grained: Contents, Issues and Pull requests read and write), or log in with `gh auth login`.";

/** A token is one header value: anything with whitespace or control characters is not one. */
const tokenPattern = /^[\x21-\x7e]+$/;

/**
 * `host` is the GitHub host for `gh auth token --hostname` (GitHub Enterprise); the
 * lookup uses `env`'s PATH, never a shell.
 */
export function resolveGitHubToken(env: NodeJS.ProcessEnv, host = "github.com"): GitHubToken {
  const tried: string[] = [];
  for (const name of ["GITHUB_TOKEN", "GH_TOKEN"] as const) {
    const value = env[name]?.trim();
    if (!value) {
      tried.push(`${name} is not set`);
      continue;
    }
    if (!tokenPattern.test(value)) {
      throw new UserError(
        `${name} is set but does not look like a token (it contains spaces or control characters)`,
        TOKEN_HINT,
      );
    }
    return { token: value, source: name };
  }
  const fromGh = tokenFromGh(env, host);
  if ("token" in fromGh) return { token: fromGh.token, source: "gh auth token" };
  tried.push(`\`gh auth token\` ${fromGh.problem}`);
  throw new UserError(`no GitHub token: ${tried.join(", ")}`, TOKEN_HINT);
}

function tokenFromGh(
  env: NodeJS.ProcessEnv,
  host: string,
): { token: string } | { problem: string } {
  const args = ["auth", "token", ...(host === "github.com" ? [] : ["--hostname", host])];
  const result = execaSync("gh", args, {
    env: { ...env, GH_PROMPT_DISABLED: "1", NO_COLOR: "1" },
    extendEnv: false,
    reject: false,
    stdin: "ignore",
    timeout: 15_000,
  });
  if (result.timedOut) return { problem: "timed out" };
  const code = (result as { code?: string }).code;
  if (code === "ENOENT")
    return { problem: "could not run: gh is not installed (not found on PATH)" };
  if (result.exitCode === undefined)
    return { problem: `could not run gh (${code ?? "unknown error"})` };
  const token = String(result.stdout ?? "").trim();
  if (result.exitCode !== 0 || !token) {
    const why = firstLine(String(result.stderr ?? "")) || `exit ${result.exitCode ?? "unknown"}`;
    return { problem: `failed (${redact(why, token ? [token] : [])})` };
  }
  if (!tokenPattern.test(token)) return { problem: "printed something that is not a token" };
  return { token };
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0]?.slice(0, 200) ?? "";
}
