/**
 * Builds the tracker and the platform a config names: the embedded local forge, GitHub,
 * or GitHub issues with local pull requests. Nothing else in the engine knows which it is
 * talking to.
 *
 * Local issues with GitHub pull requests is refused: the pull request's "Closes #N" would
 * name a GitHub issue that is not the local one.
 */
import type { Clock } from "../../shared/clock.js";
import { UserError } from "../../shared/errors.js";
import { statePaths } from "../../store/paths.js";
import type { LoadedConfig } from "../config/load.js";
import { resolveGitHubToken } from "./github/auth.js";
import type { OnWait } from "./github/client.js";
import { openGitHubForge } from "./github/github-forge.js";
import { defaultPushUrl, githubHost } from "./github/push.js";
import type { WaitPolicy } from "./github/waits.js";
import { openLocalForgeDb } from "./local/db.js";
import { openLocalForge } from "./local/local-forge.js";
import { LocalPlatform } from "./local/platform.js";
import type { Platform, Tracker } from "./types.js";

export interface Forge {
  tracker: Tracker;
  platform: Platform;
  close(): void;
}

export interface OpenForgeOptions {
  clock?: Clock;
  /** Where the GitHub token is looked up (default: this process's environment). */
  env?: NodeJS.ProcessEnv;
  /** Called before each wait on a GitHub rate limit or server error. */
  onWait?: OnWait;
  /** GitHub retry timing (tests shorten the waits). */
  waits?: Partial<WaitPolicy>;
}

export function openForge(loaded: LoadedConfig, options: OpenForgeOptions = {}): Forge {
  const { config, repoDir } = loaded;
  const local = {
    repoDir,
    remote: config.remote,
    base: config.base_branch,
    checks: config.checks,
    checkTimeoutMs: config.checks_timeout_s * 1000,
    ...(options.clock ? { clock: options.clock } : {}),
  };
  if (config.tracker === "local" && config.platform === "local") {
    const forge = openLocalForge(statePaths(config.paths.state_dir).localForgeDb, local);
    return { tracker: forge.tracker, platform: forge.platform, close: forge.close };
  }
  if (config.tracker === "local") {
    throw new UserError(
      "tracker: local with platform: github is not supported: a pull request's “Closes #N” would name a GitHub issue, not the local one",
      "Use tracker: github with platform: github, or both local.",
    );
  }
  const github = openGitHub(loaded, options);
  if (config.platform === "github") return github;
  const db = openLocalForgeDb(statePaths(config.paths.state_dir).localForgeDb, { create: true });
  const platform = new LocalPlatform(db, { ...local, tracker: github.tracker });
  return { tracker: github.tracker, platform, close: () => db.close() };
}

function openGitHub(loaded: LoadedConfig, options: OpenForgeOptions) {
  const { config } = loaded;
  const slug = loaded.repoSlug;
  const [owner, repo] = slug?.split("/") ?? [];
  if (!owner || !repo) {
    throw new UserError(
      `tracker: github needs repo: owner/name (got repo: ${JSON.stringify(config.repo)})`,
      "Set repo: to the GitHub repository, e.g. repo: acme/widgets, and keep forge-loop.yaml in its checkout.",
    );
  }
  if (config.platform === "github" && config.remote === false) {
    throw new UserError(
      "platform: github needs a git remote to fetch the base branch from (remote: is false)",
      "Set remote: to the git remote of the GitHub repository (usually origin).",
    );
  }
  const { api_url: apiUrl, push, push_url: pushUrl, checks_grace_s } = config.github;
  if (push === "remote" && config.remote === false) {
    throw new UserError(
      "github.push: remote needs a git remote to push to (remote: is false)",
      "Set remote: to the git remote of the GitHub repository, or github.push: token.",
    );
  }
  const token = resolveGitHubToken(options.env ?? process.env, githubHost(apiUrl));
  return openGitHubForge({
    token,
    apiUrl,
    repo: { owner, repo },
    push:
      push === "token"
        ? { kind: "token", url: pushUrl ?? defaultPushUrl(apiUrl, owner, repo) }
        : { kind: "remote", remote: config.remote as string },
    base: config.base_branch,
    checksGraceMs: checks_grace_s * 1000,
    ...(options.onWait ? { onWait: options.onWait } : {}),
    ...(options.waits ? { waits: options.waits } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
}
