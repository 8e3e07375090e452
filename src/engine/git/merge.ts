/**
 * A real merge of a head commit into a base branch, by merge commit, squash or rebase.
 *
 * The merge itself always happens in a scratch worktree. Then the result is published:
 * pushed to the remote's base branch (the operator's checkout is never involved), or,
 * with no remote, moved onto the repository's own base branch. If that branch is checked
 * out with uncommitted changes to tracked files, or the merge would overwrite untracked or
 * ignored files there, the merge is refused before anything happens; if it is checked out
 * clean, the checkout is fast-forwarded along.
 *
 * A head already contained in the base (a merge re-run after a crash) is not merged again:
 * the base's tip is returned.
 */
import { lstatSync } from "node:fs";
import { join } from "node:path";
import type { MergeMethod } from "../forge/types.js";
import { listWorktrees, resolveCommit, uncommittedPaths } from "./inspect.js";
import { withRepoLock } from "./repo-lock.js";
import { GitError, git, gitResult } from "./run.js";
import { withScratchWorktree } from "./scratch.js";
import { fetchBase } from "./worktree.js";

/** A merge that cannot happen, with a reason an operator can act on. */
export class MergeBlockedError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "MergeBlockedError";
  }
}

/** The base moved while the merge was being made; the merge is redone on the new base. */
class BaseMovedError extends Error {}

export interface MergeRequest {
  repoDir: string;
  remote: string | false;
  base: string;
  /** The branch the head commit is on (fetched from the remote when the commit is missing). */
  branch: string;
  headSha: string;
  method: MergeMethod;
  /** Message of the merge or squash commit (a rebase keeps the branch's commits). */
  message: string;
}

const maxRounds = 3;

export async function mergeIntoBase(request: MergeRequest): Promise<{ sha: string }> {
  return withRepoLock(request.repoDir, () => mergeWithRetries(request));
}

async function mergeWithRetries(request: MergeRequest): Promise<{ sha: string }> {
  for (let round = 1; ; round++) {
    try {
      return request.remote
        ? await mergeIntoRemote({ ...request, remote: request.remote })
        : await mergeIntoRepository(request);
    } catch (err) {
      if (!(err instanceof BaseMovedError)) throw err;
      if (round === maxRounds) {
        throw new MergeBlockedError(
          `${request.base} kept moving while merging (${maxRounds} tries); try again later`,
        );
      }
    }
  }
}

async function mergeIntoRemote(
  request: MergeRequest & { remote: string },
): Promise<{ sha: string }> {
  const { repoDir, remote, base } = request;
  const { sha: baseSha } = await fetchBase(repoDir, base, remote);
  await ensureCommit(repoDir, remote, request.branch, request.headSha);
  if (await isAncestor(repoDir, request.headSha, baseSha)) return { sha: baseSha };
  const sha = await withScratchWorktree(repoDir, baseSha, async (dir) => {
    const merged = await applyMethod(dir, baseSha, request);
    // The branch's commits were pushed (and verified by any pre-push hook) already.
    const push = await gitResult(
      dir,
      ["push", "--no-verify", "--quiet", remote, `${merged}:refs/heads/${base}`],
      {
        timeoutMs: 10 * 60_000,
      },
    );
    if (push.exitCode !== 0) {
      if (/non-fast-forward|fetch first|\[rejected\]/.test(push.stderr)) throw new BaseMovedError();
      const args = ["push", remote, `${merged}:refs/heads/${base}`];
      throw new MergeBlockedError(
        new GitError(args, push.exitCode, push.stderr, push.stdout).message,
      );
    }
    return merged;
  });
  // Keep the remote-tracking branch current for the next attempt's fetch (best effort).
  await fetchBase(repoDir, base, remote).catch(() => undefined);
  return { sha };
}

async function mergeIntoRepository(request: MergeRequest): Promise<{ sha: string }> {
  const { repoDir, base } = request;
  const baseRef = `refs/heads/${base}`;
  const baseSha = await resolveCommit(repoDir, baseRef);
  if (!baseSha) throw new MergeBlockedError(`base branch ${base} does not exist in ${repoDir}`);
  await ensureCommit(repoDir, false, request.branch, request.headSha);
  if (await isAncestor(repoDir, request.headSha, baseSha)) return { sha: baseSha };
  const holder = (await listWorktrees(repoDir)).find((w) => w.branch === base && !w.bare);
  if (holder) await refuseIfDirty(holder.path, base);
  const sha = await withScratchWorktree(repoDir, baseSha, (dir) =>
    applyMethod(dir, baseSha, request),
  );
  if (!holder) {
    const update = await gitResult(repoDir, [
      "update-ref",
      "-m",
      "forge-loop: merge",
      baseRef,
      sha,
      baseSha,
    ]);
    if (update.exitCode !== 0) throw new BaseMovedError();
    return { sha };
  }
  // Checked out: bring the checkout along, but only if it is still clean and still at the base.
  await refuseIfDirty(holder.path, base);
  await refuseIfInTheWay(holder.path, baseSha, sha);
  if ((await resolveCommit(holder.path, "HEAD")) !== baseSha) throw new BaseMovedError();
  const ff = await gitResult(holder.path, ["merge", "--ff-only", "--quiet", sha]);
  if (ff.exitCode !== 0) {
    if ((await resolveCommit(repoDir, baseRef)) !== baseSha) throw new BaseMovedError();
    throw new MergeBlockedError(
      `could not update the checkout at ${holder.path}: ${oneLine(ff.stderr) || `git exit ${ff.exitCode}`}`,
    );
  }
  return { sha };
}

async function refuseIfDirty(checkout: string, base: string): Promise<void> {
  const dirty = await uncommittedPaths(checkout, { untracked: false });
  if (dirty.length === 0) return;
  const shown = dirty.slice(0, 5).join(", ") + (dirty.length > 5 ? ", …" : "");
  throw new MergeBlockedError(
    `${checkout} has ${base} checked out with uncommitted changes (${shown}); ` +
      "commit or stash them, or configure a remote to merge into",
  );
}

/**
 * Files the merge adds that already exist, untracked or ignored, in the checkout. Git
 * refuses to overwrite untracked ones only after writing ORIG_HEAD, and overwrites ignored
 * ones (a local `.env`, say) without asking, so both are caught before git is asked.
 */
async function refuseIfInTheWay(checkout: string, baseSha: string, sha: string): Promise<void> {
  const added = (
    await git(checkout, [
      "diff",
      "--name-only",
      "-z",
      "--no-renames",
      "--diff-filter=A",
      baseSha,
      sha,
    ])
  )
    .split("\0")
    .filter((path) => path.length > 0);
  const inTheWay = added.flatMap((path) => {
    const parts = path.split("/");
    // The file itself, or a file where the merge needs one of its directories.
    return parts
      .map((_, i) => parts.slice(0, i + 1).join("/"))
      .filter((prefix, i) =>
        existsAs(join(checkout, prefix), i === parts.length - 1 ? "any" : "file"),
      );
  });
  if (inTheWay.length === 0) return;
  const shown = [...new Set(inTheWay)].slice(0, 5).join(", ");
  throw new MergeBlockedError(
    `the merge would overwrite untracked or ignored files in ${checkout} (${shown}); move them away and retry`,
  );
}

function existsAs(path: string, kind: "any" | "file"): boolean {
  try {
    const stat = lstatSync(path);
    return kind === "any" || !stat.isDirectory();
  } catch {
    return false;
  }
}

/** Makes sure the head commit is in the local object store (fetching the branch if needed). */
async function ensureCommit(
  repoDir: string,
  remote: string | false,
  branch: string,
  sha: string,
): Promise<void> {
  if (await resolveCommit(repoDir, sha)) return;
  if (remote) {
    await gitResult(repoDir, [
      "fetch",
      "--no-tags",
      "--no-write-fetch-head",
      "--quiet",
      remote,
      `refs/heads/${branch}`,
    ]);
    if (await resolveCommit(repoDir, sha)) return;
  }
  throw new MergeBlockedError(`the head commit ${sha.slice(0, 12)} of ${branch} is not available`);
}

/** Makes the merge in `dir` (a scratch worktree detached at `baseSha`); returns the new tip. */
async function applyMethod(dir: string, baseSha: string, request: MergeRequest): Promise<string> {
  const { headSha, method, message, base } = request;
  if (method === "merge") {
    const run = await gitResult(dir, [
      "merge",
      "--no-ff",
      "--no-verify",
      "--no-edit",
      "-m",
      message,
      headSha,
    ]);
    if (run.exitCode !== 0) await failWithConflicts(dir, base, ["merge", "--abort"], run);
  } else if (method === "squash") {
    const run = await gitResult(dir, ["merge", "--squash", "--no-verify", headSha]);
    if (run.exitCode !== 0) await failWithConflicts(dir, base, ["reset", "--hard", "--quiet"], run);
    const staged = await gitResult(dir, ["diff", "--cached", "--quiet"]);
    if (staged.exitCode === 0) {
      throw new MergeBlockedError(`nothing to merge: ${request.branch} makes no change to ${base}`);
    }
    await git(dir, ["commit", "--no-verify", "--quiet", "-m", message]);
  } else {
    await git(dir, ["checkout", "--quiet", "--detach", headSha]);
    const run = await gitResult(dir, ["rebase", "--no-verify", "--quiet", baseSha]);
    if (run.exitCode !== 0) await failWithConflicts(dir, base, ["rebase", "--abort"], run);
  }
  const tip = await git(dir, ["rev-parse", "HEAD"]);
  if (tip === baseSha) {
    throw new MergeBlockedError(`nothing to merge: ${request.branch} makes no change to ${base}`);
  }
  return tip;
}

async function failWithConflicts(
  dir: string,
  base: string,
  abort: string[],
  run: { exitCode: number; stderr: string; stdout: string },
): Promise<never> {
  const conflicted = (await git(dir, ["diff", "--name-only", "--diff-filter=U"]))
    .split("\n")
    .filter((path) => path.length > 0);
  await gitResult(dir, abort);
  if (conflicted.length > 0) {
    const shown = conflicted.slice(0, 10).join(", ") + (conflicted.length > 10 ? ", …" : "");
    throw new MergeBlockedError(`conflicts with ${base} in ${shown}`);
  }
  throw new MergeBlockedError(lastLine(run.stderr || run.stdout) || `git exit ${run.exitCode}`);
}

async function isAncestor(repoDir: string, commit: string, of: string): Promise<boolean> {
  return (await gitResult(repoDir, ["merge-base", "--is-ancestor", commit, of])).exitCode === 0;
}

function lastLine(text: string): string {
  return text.trim().split("\n").pop()?.trim() ?? "";
}

/** git's whole message on one line (it names the files involved), bounded. */
function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 400 ? `${flat.slice(0, 400)}…` : flat;
}
