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
import { githubTarget } from "./github/settings.js";
import type { WaitPolicy } from "./github/waits.js";
import { loopLabels } from "./labels.js";
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
  const target = githubTarget(loaded);
  const token = resolveGitHubToken(options.env ?? process.env, target.host);
  return openGitHubForge({
    ...target,
    token,
    labels: loopLabels(loaded.config.labels),
    ...(options.onWait ? { onWait: options.onWait } : {}),
    ...(options.waits ? { waits: options.waits } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
}
