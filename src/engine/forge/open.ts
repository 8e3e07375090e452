/**
 * Builds the tracker and the platform a config names. The GitHub implementations plug in
 * here, beside the local ones; nothing else in the engine knows which it is talking to.
 */

import type { Clock } from "../../shared/clock.js";
import { UserError } from "../../shared/errors.js";
import { statePaths } from "../../store/paths.js";
import type { LoadedConfig } from "../config/load.js";
import { openLocalForge } from "./local/local-forge.js";
import type { Platform, Tracker } from "./types.js";

export interface Forge {
  tracker: Tracker;
  platform: Platform;
  close(): void;
}

export function openForge(loaded: LoadedConfig, options: { clock?: Clock } = {}): Forge {
  const { config, repoDir } = loaded;
  for (const [key, kind] of [
    ["tracker", config.tracker],
    ["platform", config.platform],
  ] as const) {
    if (kind !== "local") {
      throw new UserError(
        `${key}: ${kind} is not available in this build of forge-loop`,
        `Use ${key}: local, or a build with GitHub support.`,
      );
    }
  }
  const local = openLocalForge(statePaths(config.paths.state_dir).localForgeDb, {
    repoDir,
    remote: config.remote,
    base: config.base_branch,
    checks: config.checks,
    checkTimeoutMs: config.checks_timeout_s * 1000,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return { tracker: local.tracker, platform: local.platform, close: local.close };
}
