/**
 * The attempt's view of its git worktree: created from a freshly fetched base, with the
 * few questions the gates ask of it. Wraps `src/engine/git` so the attempt reads as steps.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Issue } from "../forge/types.js";
import { type DiffSummary, diffSummary, hasCommits } from "../git/diff.js";
import { uncommittedPaths } from "../git/inspect.js";
import { git } from "../git/run.js";
import { createAttemptWorktree, reapWorktree } from "../git/worktree.js";
import type { EngineContext } from "./context.js";

/** Files whose guidance the critic reads when a repository has them. */
const MANIFESTO_FILES = ["MANIFESTO.md", "AGENTS.md", "CLAUDE.md", "CONTRIBUTING.md"];
const MANIFESTO_MAX_CHARS = 20_000;

export interface Workspace {
  path: string;
  branch: string;
  commitLeftovers(attempt: number): Promise<void>;
  hasCommits(): Promise<boolean>;
  diff(): Promise<DiffSummary>;
  manifesto(): Promise<string>;
  /** Removes the worktree; returns why it was kept instead, if it was. */
  reap(merged: boolean): Promise<string | undefined>;
}

export async function openWorkspace(ctx: EngineContext, issue: Issue): Promise<Workspace> {
  const tree = await createAttemptWorktree({
    repoDir: ctx.repoDir,
    worktreeRoot: ctx.config.paths.worktree_root,
    issue: issue.number,
    title: issue.title,
    base: ctx.config.base_branch,
    remote: ctx.config.remote,
  });
  return {
    path: tree.path,
    branch: tree.branch,
    async commitLeftovers(attempt) {
      if ((await uncommittedPaths(tree.path, { untracked: true })).length === 0) return;
      await git(tree.path, ["add", "--all"]);
      await git(tree.path, [
        "commit",
        "--no-verify",
        "--quiet",
        "-m",
        `forge-loop: work left uncommitted by attempt ${attempt} at #${issue.number}`,
      ]);
    },
    hasCommits: () => hasCommits(tree.path, tree.baseSha),
    diff: () => diffSummary(tree.path, tree.baseSha),
    manifesto: async () => readManifesto(tree.path),
    async reap(merged) {
      const outcome = await reapWorktree(ctx.repoDir, tree.path, { merged });
      return outcome.action === "kept" ? outcome.reason : undefined;
    },
  };
}

function readManifesto(dir: string): string {
  const parts: string[] = [];
  for (const name of MANIFESTO_FILES) {
    const path = join(dir, name);
    if (existsSync(path))
      parts.push(`## ${name}\n\n${readFileSync(path, "utf8").slice(0, MANIFESTO_MAX_CHARS)}`);
  }
  return parts.length > 0 ? parts.join("\n\n") : "(the repository has no guidance files)";
}
