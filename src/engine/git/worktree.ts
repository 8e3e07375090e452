/**
 * Attempt worktrees: `<worktree_root>/<repo>-<issue>` on branch `loop/<issue>-<slug>`.
 *
 * Every attempt starts from a freshly fetched base, not from the previous attempt's
 * branch. The brief carries what to fix (check output, critic findings), so nothing is
 * lost; in exchange a crashed or half-finished attempt never leaks into the next, and
 * the new work always sits on the current base, so it merges without conflicts from a
 * base that moved meanwhile. Uncommitted work a previous attempt left behind is saved
 * under `refs/forge-loop/rescued/<issue>/<sha>` before its worktree is replaced.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import {
  canonicalPath,
  listWorktrees,
  resolveCommit,
  samePath,
  uncommittedPaths,
} from "./inspect.js";
import { branchForIssue } from "./refs.js";
import { withRepoLock } from "./repo-lock.js";
import { git, gitResult } from "./run.js";
import { isAbandonedScratch } from "./scratch.js";

export interface AttemptWorktreeSpec {
  repoDir: string;
  worktreeRoot: string;
  issue: number;
  title: string;
  base: string;
  /** The remote to fetch the base from; false when the base is the repository's own branch. */
  remote: string | false;
}

export interface AttemptWorktree {
  path: string;
  branch: string;
  base: string;
  /** The base commit the branch starts from: diffs and `hasCommits` are relative to it. */
  baseSha: string;
  /** Uncommitted work found in a previous attempt's worktree, saved before replacing it. */
  rescued?: { ref: string; sha: string };
}

const fetchTimeoutMs = 10 * 60_000;

export function worktreePathFor(repoDir: string, worktreeRoot: string, issue: number): string {
  return join(worktreeRoot, `${basename(repoDir)}-${issue}`);
}

/** Fetches the base from the remote (when there is one) and returns its commit. */
export async function fetchBase(
  repoDir: string,
  base: string,
  remote: string | false,
): Promise<{ ref: string; sha: string }> {
  const ref = remote ? `refs/remotes/${remote}/${base}` : `refs/heads/${base}`;
  if (remote) {
    await git(repoDir, ["fetch", "--no-tags", "--quiet", remote, `+refs/heads/${base}:${ref}`], {
      timeoutMs: fetchTimeoutMs,
    });
  }
  const sha = await resolveCommit(repoDir, ref);
  if (!sha) {
    const where = remote ? `remote "${remote}"` : repoDir;
    throw new Error(`base branch "${base}" does not exist in ${where}`);
  }
  return { ref, sha };
}

export async function createAttemptWorktree(spec: AttemptWorktreeSpec): Promise<AttemptWorktree> {
  const path = worktreePathFor(spec.repoDir, spec.worktreeRoot, spec.issue);
  const branch = branchForIssue(spec.issue, spec.title);
  return withRepoLock(spec.repoDir, async () => {
    const { sha } = await fetchBase(spec.repoDir, spec.base, spec.remote);
    const rescued = await clearTheWay(spec.repoDir, path, branch, spec.issue);
    await mkdir(spec.worktreeRoot, { recursive: true });
    await git(spec.repoDir, ["worktree", "add", "-B", branch, path, sha]);
    return { path, branch, base: spec.base, baseSha: sha, ...(rescued ? { rescued } : {}) };
  });
}

/**
 * Removes what a previous attempt left at this path or on this branch, rescuing its
 * uncommitted work first. Never removes the repository's own checkout or a directory
 * git does not know as a worktree.
 */
async function clearTheWay(
  repoDir: string,
  path: string,
  branch: string,
  issue: number,
): Promise<AttemptWorktree["rescued"]> {
  await git(repoDir, ["worktree", "prune"]);
  let rescued: AttemptWorktree["rescued"];
  for (const entry of await listWorktrees(repoDir)) {
    if (!(entry.branch === branch || (await samePath(entry.path, path)))) continue;
    if (entry.main) {
      throw new Error(
        `branch ${branch} is checked out in ${entry.path}; switch that checkout to another branch`,
      );
    }
    rescued = (await rescueUncommitted(entry.path, issue)) ?? rescued;
    await git(repoDir, ["worktree", "remove", "--force", "--force", entry.path]);
  }
  if (existsSync(path)) {
    throw new Error(
      `${path} exists but is not a worktree of ${repoDir}; move it away so the attempt can use it`,
    );
  }
  return rescued;
}

async function rescueUncommitted(
  dir: string,
  issue: number,
): Promise<AttemptWorktree["rescued"] | undefined> {
  if (!existsSync(dir)) return undefined;
  if ((await uncommittedPaths(dir, { untracked: true })).length === 0) return undefined;
  await git(dir, ["add", "--all"]);
  await git(dir, [
    "commit",
    "--no-verify",
    "--quiet",
    "-m",
    `forge-loop: uncommitted work rescued from an attempt at issue #${issue}`,
  ]);
  const sha = await git(dir, ["rev-parse", "HEAD"]);
  const ref = `refs/forge-loop/rescued/${issue}/${sha.slice(0, 12)}`;
  await git(dir, ["update-ref", ref, sha]);
  return { ref, sha };
}

export type ReapOutcome =
  | { action: "removed"; path: string; branch?: string; branchDeleted: boolean }
  | { action: "kept"; path: string; branch?: string; reason: string; dirtyPaths: string[] }
  | { action: "absent"; path: string };

/**
 * Removes an attempt's worktree, unless it holds uncommitted work that was not merged:
 * then it is kept (for the operator, or rescued by the next attempt) and the outcome says
 * why. The branch is deleted only when its work was merged.
 */
export async function reapWorktree(
  repoDir: string,
  path: string,
  options: { merged: boolean },
): Promise<ReapOutcome> {
  return withRepoLock(repoDir, () => reap(repoDir, path, options));
}

async function reap(
  repoDir: string,
  path: string,
  { merged }: { merged: boolean },
): Promise<ReapOutcome> {
  await git(repoDir, ["worktree", "prune"]);
  const entries = await listWorktrees(repoDir);
  let entry: (typeof entries)[number] | undefined;
  for (const candidate of entries) {
    if (await samePath(candidate.path, path)) entry = candidate;
  }
  if (!entry) {
    if (!existsSync(path)) return { action: "absent", path };
    return { action: "kept", path, reason: "not a worktree of this repository", dirtyPaths: [] };
  }
  const branch = entry.branch;
  if (entry.main) {
    return { action: "kept", path, reason: "the repository's own checkout", dirtyPaths: [] };
  }
  const dirtyPaths = await uncommittedPaths(entry.path, { untracked: true });
  if (dirtyPaths.length > 0 && !merged) {
    const reason = `uncommitted changes in ${dirtyPaths.length} file(s) and the work is not merged`;
    return { action: "kept", path, ...(branch ? { branch } : {}), reason, dirtyPaths };
  }
  await git(repoDir, ["worktree", "remove", "--force", "--force", entry.path]);
  let branchDeleted = false;
  if (merged && branch?.startsWith("loop/")) {
    branchDeleted = (await gitResult(repoDir, ["branch", "-D", branch])).exitCode === 0;
  }
  return { action: "removed", path, ...(branch ? { branch } : {}), branchDeleted };
}

export interface OrphanWorktree {
  path: string;
  /** The issue an attempt worktree belonged to; absent for scratch worktrees. */
  issue?: number;
  branch?: string;
}

/**
 * Registered worktrees that no running attempt owns: attempt worktrees under the root
 * whose issue is not active, and scratch worktrees whose creating process has exited.
 */
export async function listOrphanWorktrees(
  repoDir: string,
  worktreeRoot: string,
  activeIssues: Iterable<number>,
): Promise<OrphanWorktree[]> {
  const active = new Set(activeIssues);
  const root = await canonicalPath(worktreeRoot);
  const namePattern = new RegExp(`^${escapeRegExp(basename(repoDir))}-(\\d+)$`);
  const orphans: OrphanWorktree[] = [];
  for (const entry of await listWorktrees(repoDir)) {
    if (entry.main || entry.bare) continue;
    const branch = entry.branch ? { branch: entry.branch } : {};
    if (isAbandonedScratch(entry.path)) {
      orphans.push({ path: entry.path, ...branch });
      continue;
    }
    const match = namePattern.exec(basename(entry.path));
    if (!match || (await canonicalPath(dirname(entry.path))) !== root) continue;
    const issue = Number(match[1]);
    if (!active.has(issue)) orphans.push({ path: entry.path, issue, ...branch });
  }
  return orphans;
}

/** Reaps the orphans (keeping those with unmerged uncommitted work) and prunes stale entries. */
export async function reapOrphanWorktrees(
  repoDir: string,
  worktreeRoot: string,
  activeIssues: Iterable<number>,
): Promise<(ReapOutcome & { issue?: number })[]> {
  return withRepoLock(repoDir, async () => {
    await git(repoDir, ["worktree", "prune"]);
    const outcomes: (ReapOutcome & { issue?: number })[] = [];
    for (const orphan of await listOrphanWorktrees(repoDir, worktreeRoot, activeIssues)) {
      // Scratch worktrees hold nothing of value: a check run or a merge that never finished.
      const merged = orphan.issue === undefined;
      const outcome = await reap(repoDir, orphan.path, { merged });
      outcomes.push(orphan.issue === undefined ? outcome : { ...outcome, issue: orphan.issue });
    }
    return outcomes;
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
