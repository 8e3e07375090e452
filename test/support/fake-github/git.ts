/**
 * What the fake GitHub does in its repository: a real bare git repository, asked with
 * git itself (argument arrays, async so the in-process engine keeps running). Merges
 * happen as GitHub's do: a merge commit, a squash commit, or the branch's commits replayed
 * on the base, then the base ref moves (compare-and-swap on the old tip).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { testGitEnv } from "../temp-git.js";

export const fakeGitHubIdentity = {
  GIT_AUTHOR_NAME: "GitHub",
  GIT_AUTHOR_EMAIL: "noreply@github.com",
  GIT_COMMITTER_NAME: "GitHub",
  GIT_COMMITTER_EMAIL: "noreply@github.com",
};

export async function gitIn(
  dir: string,
  args: string[],
  options: { reject?: boolean } = {},
): Promise<{ stdout: string; exitCode: number; stderr: string }> {
  const result = await execa("git", args, {
    cwd: dir,
    env: { ...testGitEnv, ...fakeGitHubIdentity },
    reject: false,
    stdin: "ignore",
  });
  const out = {
    stdout: String(result.stdout ?? "").trim(),
    stderr: String(result.stderr ?? ""),
    exitCode: result.exitCode ?? -1,
  };
  if (options.reject !== false && out.exitCode !== 0) {
    throw new Error(`git ${args.join(" ")} failed in ${dir}: ${out.stderr}`);
  }
  return out;
}

export async function branchSha(bare: string, branch: string): Promise<string | undefined> {
  const { stdout, exitCode } = await gitIn(
    bare,
    ["rev-parse", "--verify", "--quiet", `refs/heads/${branch}^{commit}`],
    { reject: false },
  );
  return exitCode === 0 && stdout ? stdout : undefined;
}

export async function commitsBetween(bare: string, base: string, head: string): Promise<number> {
  const { stdout } = await gitIn(bare, ["rev-list", "--count", `${base}..${head}`]);
  return Number(stdout);
}

/** Paths the pull request changes, and how many lines each has at its head. */
export async function diffFiles(
  bare: string,
  base: string,
  head: string,
): Promise<Map<string, number>> {
  const { stdout } = await gitIn(bare, ["diff", "--name-only", `${base}...${head}`]);
  const files = new Map<string, number>();
  for (const path of stdout.split("\n").filter(Boolean)) {
    const shown = await gitIn(bare, ["show", `${head}:${path}`], { reject: false });
    files.set(path, shown.exitCode === 0 ? shown.stdout.split("\n").length : 0);
  }
  return files;
}

export type MergeOutcome = { ok: true; sha: string } | { ok: false; reason: "conflict" | "moved" };

/** Merges `headSha` into `base` in the bare repository, in a throwaway worktree. */
export async function mergeInBare(
  bare: string,
  request: {
    base: string;
    headSha: string;
    method: "merge" | "squash" | "rebase";
    title: string;
    message: string;
  },
): Promise<MergeOutcome> {
  const baseSha = await branchSha(bare, request.base);
  if (!baseSha) return { ok: false, reason: "conflict" };
  const dir = mkdtempSync(join(tmpdir(), "fake-github-merge-"));
  const tree = join(dir, "tree");
  await gitIn(bare, ["worktree", "add", "--quiet", "--detach", tree, baseSha]);
  try {
    const ok = await replay(tree, baseSha, request);
    if (!ok) return { ok: false, reason: "conflict" };
    const sha = (await gitIn(tree, ["rev-parse", "HEAD"])).stdout;
    const moved = await gitIn(bare, ["update-ref", `refs/heads/${request.base}`, sha, baseSha], {
      reject: false,
    });
    return moved.exitCode === 0 ? { ok: true, sha } : { ok: false, reason: "moved" };
  } finally {
    await gitIn(bare, ["worktree", "remove", "--force", tree], { reject: false });
    rmSync(dir, { recursive: true, force: true });
  }
}

async function replay(
  tree: string,
  baseSha: string,
  request: { headSha: string; method: string; title: string; message: string },
): Promise<boolean> {
  const message = request.message ? `${request.title}\n\n${request.message}` : request.title;
  if (request.method === "merge") {
    const merged = await gitIn(
      tree,
      ["merge", "--no-ff", "--quiet", "-m", message, request.headSha],
      {
        reject: false,
      },
    );
    return merged.exitCode === 0;
  }
  if (request.method === "squash") {
    const squashed = await gitIn(tree, ["merge", "--squash", "--quiet", request.headSha], {
      reject: false,
    });
    if (squashed.exitCode !== 0) return false;
    await gitIn(tree, ["commit", "--quiet", "--allow-empty", "-m", message]);
    return true;
  }
  const picked = await gitIn(
    tree,
    ["cherry-pick", "--allow-empty", "--keep-redundant-commits", `${baseSha}..${request.headSha}`],
    { reject: false },
  );
  return picked.exitCode === 0;
}
