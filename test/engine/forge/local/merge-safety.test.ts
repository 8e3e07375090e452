/**
 * Merging into the repository itself (no remote) must never touch an operator's dirty
 * checkout: the merge is refused with a reason, and the checkout — files, index, HEAD,
 * `git status` — is exactly as it was.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type LocalForge, openLocalForge } from "../../../../src/engine/forge/local/local-forge.js";
import { MergeRefusedError } from "../../../../src/engine/forge/types.js";
import { ManualClock } from "../../../support/manual-clock.js";
import {
  commitAll,
  gitSync,
  makeRepo,
  readFile,
  type TempRepo,
  writeFile,
} from "../../../support/temp-git.js";

let repo: TempRepo;
let forge: LocalForge;
afterEach(() => {
  forge?.close();
  repo?.cleanup();
});

function setup(): void {
  repo = makeRepo();
  writeFile(repo.repoDir, "src/app.ts", "export const app = 1;\n");
  commitAll(repo.repoDir, "app");
  forge = openLocalForge(join(repo.root, "state", "local-forge.db"), {
    repoDir: repo.repoDir,
    remote: false,
    base: "main",
    checks: [],
    checkTimeoutMs: 60_000,
    clock: new ManualClock(),
  });
}

async function pullRequest(files: Record<string, string>): Promise<number> {
  const issue = await forge.tracker.create({ title: "change", labels: ["loop:ready"] });
  const branch = `loop/${issue.number}-change`;
  const worktree = join(repo.root, `wt-${issue.number}`);
  gitSync(repo.repoDir, ["worktree", "add", "--quiet", "-b", branch, worktree, "main"]);
  for (const [path, content] of Object.entries(files)) writeFile(worktree, path, content);
  gitSync(worktree, ["add", "--force", "--", ...Object.keys(files)]);
  commitAll(worktree, "work");
  await forge.platform.pushBranch(branch, worktree);
  const pr = await forge.platform.openPullRequest({
    issue: issue.number,
    branch,
    base: "main",
    title: "t",
    body: "b",
    draft: false,
  });
  return pr.number;
}

/** Everything observable about a checkout: every file's bytes (index included), HEAD, status. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const full = join(at, entry.name);
      const rel = relative(dir, full);
      if (rel === ".git/logs" || rel.startsWith(".git/worktrees") || rel.startsWith(".git/objects"))
        continue;
      if (entry.isDirectory()) walk(full);
      else
        out[rel] =
          createHash("sha256").update(readFileSync(full)).digest("hex") +
          `:${statSync(full).mtimeMs}`;
    }
  };
  walk(dir);
  out["(HEAD)"] = gitSync(dir, ["rev-parse", "HEAD"]);
  // Read-only status, so the snapshot itself never rewrites the index it compares.
  out["(status)"] = gitSync(dir, ["status", "--porcelain=v1", "--untracked-files=all"], {
    GIT_OPTIONAL_LOCKS: "0",
  });
  return out;
}

describe("merging into the repository itself", () => {
  it("refuses when the checked-out base has uncommitted changes, touching nothing", async () => {
    setup();
    const pr = await pullRequest({ "feature.txt": "new\n" });
    writeFile(repo.repoDir, "src/app.ts", "export const app = 2; // operator's unsaved edit\n");
    writeFile(repo.repoDir, "notes.txt", "untracked scribbles\n");
    gitSync(repo.repoDir, ["add", "notes.txt"]);
    const before = snapshot(repo.repoDir);
    const mainBefore = gitSync(repo.repoDir, ["rev-parse", "refs/heads/main"]);

    const err = await forge.platform.merge(pr, "merge").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MergeRefusedError);
    expect((err as MergeRefusedError).reason).toMatch(
      /checked out with uncommitted changes \(.*src\/app\.ts/,
    );

    expect(snapshot(repo.repoDir)).toEqual(before);
    expect(gitSync(repo.repoDir, ["rev-parse", "refs/heads/main"])).toBe(mainBefore);
    expect((await forge.platform.status(pr)).pr.state).toBe("open");
  });

  it("fast-forwards a clean checkout of the base along with the merge", async () => {
    setup();
    const pr = await pullRequest({ "feature.txt": "new\n" });
    writeFile(repo.repoDir, "untracked-but-harmless.txt", "mine\n");
    const { sha } = await forge.platform.merge(pr, "squash");
    expect(gitSync(repo.repoDir, ["rev-parse", "HEAD"])).toBe(sha);
    expect(readFile(repo.repoDir, "feature.txt")).toBe("new\n");
    expect(readFile(repo.repoDir, "untracked-but-harmless.txt")).toBe("mine\n");
    expect(gitSync(repo.repoDir, ["status", "--porcelain", "--untracked-files=no"])).toBe("");
  });

  it("refuses when an untracked file would be overwritten, and keeps it", async () => {
    setup();
    const pr = await pullRequest({ "feature.txt": "from the PR\n" });
    writeFile(repo.repoDir, "feature.txt", "operator's own untracked file\n");
    const before = snapshot(repo.repoDir);
    const mainBefore = gitSync(repo.repoDir, ["rev-parse", "refs/heads/main"]);
    const err = await forge.platform.merge(pr, "merge").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MergeRefusedError);
    expect((err as MergeRefusedError).reason).toMatch(
      /would overwrite untracked or ignored files .*\(feature\.txt\)/,
    );
    expect(snapshot(repo.repoDir)).toEqual(before);
    expect(gitSync(repo.repoDir, ["rev-parse", "refs/heads/main"])).toBe(mainBefore);
  });

  it("refuses to overwrite an ignored file (git itself would), keeping the operator's copy", async () => {
    setup();
    writeFile(repo.repoDir, ".gitignore", ".env\n");
    commitAll(repo.repoDir, "ignore .env");
    const pr = await pullRequest({ ".env": "TOKEN=from-the-pr\n", "config/settings.json": "{}\n" });
    writeFile(repo.repoDir, ".env", "TOKEN=operator-secret\n");
    const before = snapshot(repo.repoDir);
    const err = await forge.platform.merge(pr, "squash").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MergeRefusedError);
    expect((err as MergeRefusedError).reason).toMatch(/\(\.env\)/);
    expect(readFile(repo.repoDir, ".env")).toBe("TOKEN=operator-secret\n");
    expect(snapshot(repo.repoDir)).toEqual(before);
  });

  it("moves the base branch without touching a dirty checkout on another branch", async () => {
    setup();
    const pr = await pullRequest({ "feature.txt": "new\n" });
    gitSync(repo.repoDir, ["checkout", "--quiet", "-b", "operator-topic"]);
    writeFile(repo.repoDir, "src/app.ts", "export const app = 3; // dirty on a topic branch\n");
    const { ".git/refs/heads/main": _mainBefore, ...before } = snapshot(repo.repoDir);
    const { sha } = await forge.platform.merge(pr, "rebase");
    expect(gitSync(repo.repoDir, ["rev-parse", "refs/heads/main"])).toBe(sha);
    expect(gitSync(repo.repoDir, ["show", `${sha}:feature.txt`])).toBe("new");
    const { ".git/refs/heads/main": _mainAfter, ...after } = snapshot(repo.repoDir);
    expect(after).toEqual(before);
  });

  it("refuses a conflicting pull request with the files named, leaving the base as it was", async () => {
    setup();
    const first = await pullRequest({ "src/app.ts": "export const app = 'first';\n" });
    const second = await pullRequest({ "src/app.ts": "export const app = 'second';\n" });
    await forge.platform.merge(first, "merge");
    const mainBefore = gitSync(repo.repoDir, ["rev-parse", "refs/heads/main"]);
    for (const method of ["merge", "squash", "rebase"] as const) {
      const err = await forge.platform.merge(second, method).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MergeRefusedError);
      expect((err as MergeRefusedError).reason).toBe("conflicts with main in src/app.ts");
    }
    expect(gitSync(repo.repoDir, ["rev-parse", "refs/heads/main"])).toBe(mainBefore);
    expect(gitSync(repo.repoDir, ["status", "--porcelain"])).toBe("");
    // No scratch worktree is left behind.
    expect(gitSync(repo.repoDir, ["worktree", "list"]).split("\n").length).toBe(3);
  });
});
