/**
 * What an attempt changed, relative to the base commit it started from: the numbers for
 * the critic's suspicious-approve rule and the (bounded) diff text for its brief.
 */
import { git, gitResult } from "./run.js";

export interface DiffSummary {
  files: number;
  added: number;
  deleted: number;
  /** added + deleted: the "changed lines" of the suspicious-approve rule. */
  changedLines: number;
  /** Files git reports as binary (no line counts). */
  binaryFiles: number;
  /** The unified diff, cut at `maxChars`. */
  text: string;
  truncated: boolean;
}

/** True when the worktree's HEAD has commits that `baseSha` does not. */
export async function hasCommits(worktree: string, baseSha: string): Promise<boolean> {
  const count = await git(worktree, ["rev-list", "--count", `${baseSha}..HEAD`]);
  return Number(count) > 0;
}

export const DEFAULT_DIFF_MAX_CHARS = 200_000;

/** Only committed work counts: uncommitted changes never reach a PR. */
export async function diffSummary(
  worktree: string,
  baseSha: string,
  { maxChars = DEFAULT_DIFF_MAX_CHARS }: { maxChars?: number } = {},
): Promise<DiffSummary> {
  const range = [baseSha, "HEAD"];
  const numstat = await git(worktree, ["diff", "--numstat", "-z", "--no-renames", ...range]);
  let files = 0;
  let added = 0;
  let deleted = 0;
  let binaryFiles = 0;
  for (const record of numstat.split("\0")) {
    const match = /^(\d+|-)\t(\d+|-)\t/.exec(record);
    if (!match) continue;
    files++;
    if (match[1] === "-") binaryFiles++;
    else {
      added += Number(match[1]);
      deleted += Number(match[2]);
    }
  }
  const patch = await gitResult(
    worktree,
    ["diff", "--no-color", "--no-ext-diff", "--no-textconv", "--no-renames", ...range],
    { maxOutputChars: maxChars },
  );
  const truncated = patch.truncated || patch.stdout.length > maxChars;
  return {
    files,
    added,
    deleted,
    changedLines: added + deleted,
    binaryFiles,
    text: patch.stdout.slice(0, maxChars),
    truncated,
  };
}
