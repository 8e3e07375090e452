/**
 * The GitHub forge: one API client shared by the tracker and the platform.
 */
import type { Clock } from "../../../shared/clock.js";
import type { GitHubToken } from "./auth.js";
import { createGitHubApi, type OnWait, type RepoRef } from "./client.js";
import { GitHubPlatform } from "./platform.js";
import type { PushTarget } from "./push.js";
import { GitHubTracker } from "./tracker.js";
import type { WaitPolicy } from "./waits.js";

export interface GitHubForgeOptions {
  token: GitHubToken;
  apiUrl: string;
  repo: RepoRef;
  /** Where branches go: over https with the token, or to a configured git remote. */
  push: { kind: "token"; url: string } | { kind: "remote"; remote: string };
  base: string;
  checksGraceMs: number;
  /** The loop's labels as configured (GitHub's label names are case-insensitive). */
  labels?: readonly string[];
  onWait?: OnWait;
  waits?: Partial<WaitPolicy>;
  clock?: Clock;
}

export interface GitHubForge {
  tracker: GitHubTracker;
  platform: GitHubPlatform;
  close(): void;
}

export function openGitHubForge(options: GitHubForgeOptions): GitHubForge {
  const api = createGitHubApi({
    token: options.token,
    apiUrl: options.apiUrl,
    repo: options.repo,
    ...(options.onWait ? { onWait: options.onWait } : {}),
    ...(options.waits ? { waits: options.waits } : {}),
  });
  const tracker = new GitHubTracker(api, options.labels);
  const push: PushTarget =
    options.push.kind === "token"
      ? { kind: "token", url: options.push.url, token: options.token.token }
      : options.push;
  const platform = new GitHubPlatform(api, {
    push,
    base: options.base,
    checksGraceMs: options.checksGraceMs,
    tracker,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  // Octokit holds no sockets of its own (fetch pools them), so there is nothing to close.
  return { tracker, platform, close() {} };
}
