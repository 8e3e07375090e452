/**
 * Read-only questions about a repository: which worktrees it has, what is uncommitted in
 * one, where a ref points. None of these writes to the repository (see GIT_OPTIONAL_LOCKS
 * in run.ts: even `status` leaves the operator's index alone).
 */
import { realpath } from "node:fs/promises";
import { git, gitResult } from "./run.js";

export interface WorktreeEntry {
  path: string;
  head?: string;
  /** Short branch name, absent when detached. */
  branch?: string;
  bare: boolean;
  /** Registered, but its directory is gone (`git worktree prune` removes it). */
  prunable: boolean;
  /** The repository's own checkout, as opposed to a linked worktree. */
  main: boolean;
}

export async function listWorktrees(repoDir: string): Promise<WorktreeEntry[]> {
  const out = await git(repoDir, ["worktree", "list", "--porcelain", "-z"]);
  const entries: WorktreeEntry[] = [];
  let current: WorktreeEntry | undefined;
  for (const field of out.split("\0")) {
    if (field === "") {
      current = undefined;
      continue;
    }
    const space = field.indexOf(" ");
    const key = space === -1 ? field : field.slice(0, space);
    const value = space === -1 ? "" : field.slice(space + 1);
    if (key === "worktree") {
      current = { path: value, bare: false, prunable: false, main: entries.length === 0 };
      entries.push(current);
    } else if (current) {
      if (key === "HEAD") current.head = value;
      else if (key === "branch") current.branch = value.replace(/^refs\/heads\//, "");
      else if (key === "bare") current.bare = true;
      else if (key === "prunable") current.prunable = true;
    }
  }
  return entries;
}

/**
 * Paths with uncommitted changes. `untracked: false` counts only changes to tracked files
 * (an operator's checkout always has some untracked files; git itself refuses to
 * overwrite them). Ignored files never count.
 */
export async function uncommittedPaths(
  dir: string,
  { untracked }: { untracked: boolean },
): Promise<string[]> {
  const out = await git(dir, [
    "status",
    "--porcelain=v1",
    "-z",
    "--ignore-submodules=none",
    untracked ? "--untracked-files=all" : "--untracked-files=no",
  ]);
  const paths: string[] = [];
  const fields = out.split("\0");
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] ?? "";
    if (field.length < 4) continue;
    paths.push(field.slice(3));
    // A rename or copy is followed by its source path in the next field.
    if (field[0] === "R" || field[0] === "C") i++;
  }
  return paths;
}

/** The commit a ref points at, or undefined when it does not exist. */
export async function resolveCommit(dir: string, ref: string): Promise<string | undefined> {
  const result = await gitResult(dir, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

export async function listRemotes(repoDir: string): Promise<string[]> {
  const out = await git(repoDir, ["remote"]);
  return out.split("\n").filter((name) => name.length > 0);
}

/** The top of the work tree containing `dir`, or undefined when it is not in a git repository. */
export async function workTreeRoot(dir: string): Promise<string | undefined> {
  const result = await gitResult(dir, ["rev-parse", "--show-toplevel"]).catch(() => undefined);
  if (result?.exitCode !== 0) return undefined;
  return result.stdout.trim();
}

/** Compares paths after resolving symlinks (macOS /tmp, bind mounts), falling back to the text. */
export async function samePath(a: string, b: string): Promise<boolean> {
  const [ra, rb] = await Promise.all([canonicalPath(a), canonicalPath(b)]);
  return ra === rb;
}

export async function canonicalPath(path: string): Promise<string> {
  return realpath(path).catch(() => path);
}
