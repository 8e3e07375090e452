/**
 * What the config says about GitHub, checked and resolved: the repository, the API, where
 * branches are pushed. Shared by the forge and by `forge-loop doctor`; the token is
 * resolved separately (the doctor reports a missing one as a check, not a crash).
 */
import { UserError } from "../../../shared/errors.js";
import type { LoadedConfig } from "../../config/load.js";
import type { RepoRef } from "./client.js";
import { defaultPushUrl, githubHost } from "./push.js";

export interface GitHubTarget {
  apiUrl: string;
  /** The host `gh auth token` is asked about. */
  host: string;
  repo: RepoRef;
  push: { kind: "token"; url: string } | { kind: "remote"; remote: string };
  base: string;
  checksGraceMs: number;
}

export function githubTarget(loaded: LoadedConfig): GitHubTarget {
  const { config } = loaded;
  const [owner, repo] = loaded.repoSlug?.split("/") ?? [];
  if (!owner || !repo) {
    throw new UserError(
      `${config.tracker === "github" ? "tracker" : "platform"}: github needs repo: owner/name (got repo: ${JSON.stringify(config.repo)})`,
      "Set repo: to the GitHub repository, e.g. repo: acme/widgets, and keep forge-loop.yaml in its checkout.",
    );
  }
  const remote = config.remote;
  if (config.platform === "github" && remote === false) {
    throw new UserError(
      "platform: github needs a git remote to fetch the base branch from (remote: is false)",
      "Set remote: to the git remote of the GitHub repository (usually origin).",
    );
  }
  const { api_url: apiUrl, push, push_url: pushUrl, checks_grace_s } = config.github;
  if (push === "remote" && remote === false) {
    throw new UserError(
      "github.push: remote needs a git remote to push to (remote: is false)",
      "Set remote: to the git remote of the GitHub repository, or github.push: token.",
    );
  }
  return {
    apiUrl,
    host: githubHost(apiUrl),
    repo: { owner, repo },
    push:
      push === "remote" && remote !== false
        ? { kind: "remote", remote }
        : { kind: "token", url: pushUrl ?? defaultPushUrl(apiUrl, owner, repo) },
    base: config.base_branch,
    checksGraceMs: checks_grace_s * 1000,
  };
}
