/**
 * Short-lived detached worktrees for work that must not happen in anyone's checkout:
 * platform checks of a PR head, merges into a base branch. They live in the system temp
 * directory under a recognisable prefix, so one left behind by a crash is found and reaped
 * with the orphans at boot.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { withRepoLock } from "./repo-lock.js";
import { git, gitResult } from "./run.js";

export const SCRATCH_PREFIX = "forge-loop-scratch-";

/**
 * Whether `path` is a scratch worktree whose creator has exited. The creator's pid is in
 * the name, so a live engine's scratch work is never reaped from under it.
 */
export function isAbandonedScratch(path: string): boolean {
  const match = new RegExp(`^${SCRATCH_PREFIX}(\\d+)-`).exec(basename(path));
  if (!match) return false;
  return !processAlive(Number(match[1]));
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Runs `fn` in a fresh detached worktree at `commit`, and removes the worktree afterwards.
 * Adding and removing take the repository's lock (see repo-lock.ts); `fn` runs without it
 * (a check may take minutes), unless the caller holds it.
 */
export async function withScratchWorktree<T>(
  repoDir: string,
  commit: string,
  fn: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), `${SCRATCH_PREFIX}${process.pid}-`));
  try {
    await withRepoLock(repoDir, () => git(repoDir, ["worktree", "add", "--detach", dir, commit]));
    return await fn(dir);
  } finally {
    await withRepoLock(repoDir, () => removeScratch(repoDir, dir));
  }
}

async function removeScratch(repoDir: string, dir: string): Promise<void> {
  await gitResult(repoDir, ["worktree", "remove", "--force", "--force", dir]).catch(
    () => undefined,
  );
  await rm(dir, { recursive: true, force: true });
  await gitResult(repoDir, ["worktree", "prune"]).catch(() => undefined);
}
