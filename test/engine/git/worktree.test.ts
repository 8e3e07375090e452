import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { hasCommits } from "../../../src/engine/git/diff.js";
import { listWorktrees } from "../../../src/engine/git/inspect.js";
import { SCRATCH_PREFIX } from "../../../src/engine/git/scratch.js";
import {
  createAttemptWorktree,
  listOrphanWorktrees,
  reapOrphanWorktrees,
  reapWorktree,
  worktreePathFor,
} from "../../../src/engine/git/worktree.js";
import {
  commitAll,
  gitSync,
  makeRepo,
  pushFromClone,
  readFile,
  type TempRepo,
  writeFile,
} from "../../support/temp-git.js";

let repo: TempRepo;
afterEach(() => repo?.cleanup());

function spec(issue: number, title = "Fix the parser", remote: string | false = false) {
  return {
    repoDir: repo.repoDir,
    worktreeRoot: repo.worktreeRoot,
    issue,
    title,
    base: "main",
    remote,
  };
}

describe("createAttemptWorktree", () => {
  it("creates <root>/<repo>-<issue> on loop/<n>-<slug> from the local base", async () => {
    repo = makeRepo();
    const wt = await createAttemptWorktree(spec(7, "Fix the `$(parser)`!"));
    expect(wt.path).toBe(join(repo.worktreeRoot, "project-7"));
    expect(wt.branch).toBe("loop/7-fix-the-parser");
    expect(wt.baseSha).toBe(gitSync(repo.repoDir, ["rev-parse", "main"]));
    expect(gitSync(wt.path, ["rev-parse", "--abbrev-ref", "HEAD"])).toBe("loop/7-fix-the-parser");
    expect(readFile(wt.path, "README.md")).toBe("# project\n");
    expect(await hasCommits(wt.path, wt.baseSha)).toBe(false);
  });

  it("starts from a freshly fetched remote base, not the stale local one", async () => {
    repo = makeRepo({ origin: true });
    const moved = pushFromClone(
      repo.originDir!,
      repo.root,
      { "NEW.md": "from elsewhere\n" },
      "someone else's work",
    );
    const wt = await createAttemptWorktree(spec(3, "Add things", "origin"));
    expect(wt.baseSha).toBe(moved);
    expect(readFile(wt.path, "NEW.md")).toBe("from elsewhere\n");
    // The operator's checkout is not moved.
    expect(existsSync(join(repo.repoDir, "NEW.md"))).toBe(false);
  });

  it("starts a new attempt afresh from the base, rescuing what the last one left uncommitted", async () => {
    repo = makeRepo();
    const first = await createAttemptWorktree(spec(5));
    writeFile(first.path, "work.txt", "committed\n");
    commitAll(first.path, "attempt 1");
    writeFile(first.path, "half-done.txt", "uncommitted\n");
    const second = await createAttemptWorktree(spec(5));
    expect(second.path).toBe(first.path);
    expect(existsSync(join(second.path, "work.txt"))).toBe(false);
    expect(existsSync(join(second.path, "half-done.txt"))).toBe(false);
    expect(second.rescued?.ref).toMatch(/^refs\/forge-loop\/rescued\/5\/[0-9a-f]{12}$/);
    const rescuedFiles = gitSync(repo.repoDir, [
      "ls-tree",
      "-r",
      "--name-only",
      second.rescued!.ref,
    ]);
    expect(rescuedFiles.split("\n").sort()).toEqual(["README.md", "half-done.txt", "work.txt"]);
  });

  it("replaces a clean prior worktree even when the title (and so the branch) changed", async () => {
    repo = makeRepo();
    await createAttemptWorktree(spec(9, "Old title"));
    const wt = await createAttemptWorktree(spec(9, "New title"));
    expect(wt.branch).toBe("loop/9-new-title");
    expect(wt.rescued).toBeUndefined();
    const paths = (await listWorktrees(repo.repoDir)).map((w) => w.path);
    expect(paths).toEqual([repo.repoDir, wt.path]);
  });

  it("serves parallel attempts at once (they share the fetch and worktree administration)", async () => {
    repo = makeRepo({ origin: true });
    const trees = await Promise.all(
      [1, 2, 3, 4].map((n) => createAttemptWorktree(spec(n, `task ${n}`, "origin"))),
    );
    expect(new Set(trees.map((t) => t.path)).size).toBe(4);
    await Promise.all(trees.map((t) => reapWorktree(repo.repoDir, t.path, { merged: false })));
    expect((await listWorktrees(repo.repoDir)).length).toBe(1);
  });

  it("refuses a directory in the way that git does not know as a worktree", async () => {
    repo = makeRepo();
    const path = worktreePathFor(repo.repoDir, repo.worktreeRoot, 4);
    mkdirSync(path, { recursive: true });
    writeFile(path, "precious.txt", "not ours\n");
    await expect(createAttemptWorktree(spec(4))).rejects.toThrow(/is not a worktree/);
    expect(readFile(path, "precious.txt")).toBe("not ours\n");
  });

  it("refuses when the operator has the attempt's branch checked out", async () => {
    repo = makeRepo();
    gitSync(repo.repoDir, ["checkout", "--quiet", "-b", "loop/2-fix-the-parser"]);
    await expect(createAttemptWorktree(spec(2))).rejects.toThrow(/checked out in/);
  });

  it("names a missing base branch", async () => {
    repo = makeRepo({ origin: true });
    await expect(
      createAttemptWorktree({ ...spec(1, "x", "origin"), base: "develop" }),
    ).rejects.toThrow(/develop/);
  });
});

describe("reapWorktree", () => {
  it("removes a clean worktree and keeps its unmerged branch", async () => {
    repo = makeRepo();
    const wt = await createAttemptWorktree(spec(1));
    writeFile(wt.path, "a.txt", "a\n");
    commitAll(wt.path, "work");
    const outcome = await reapWorktree(repo.repoDir, wt.path, { merged: false });
    expect(outcome).toMatchObject({ action: "removed", branchDeleted: false });
    expect(existsSync(wt.path)).toBe(false);
    expect(gitSync(repo.repoDir, ["branch", "--list", wt.branch])).toContain(wt.branch);
  });

  it("keeps a dirty worktree whose work is not merged, and says why", async () => {
    repo = makeRepo();
    const wt = await createAttemptWorktree(spec(1));
    writeFile(wt.path, "unsaved.txt", "work in progress\n");
    const outcome = await reapWorktree(repo.repoDir, wt.path, { merged: false });
    expect(outcome).toMatchObject({ action: "kept", dirtyPaths: ["unsaved.txt"] });
    expect(outcome.action === "kept" && outcome.reason).toMatch(/uncommitted changes in 1 file/);
    expect(readFile(wt.path, "unsaved.txt")).toBe("work in progress\n");
  });

  it("removes a dirty worktree once the work is merged, and its branch", async () => {
    repo = makeRepo();
    const wt = await createAttemptWorktree(spec(1));
    writeFile(wt.path, "leftover.log", "noise\n");
    const outcome = await reapWorktree(repo.repoDir, wt.path, { merged: true });
    expect(outcome).toMatchObject({ action: "removed", branchDeleted: true });
    expect(gitSync(repo.repoDir, ["branch", "--list", wt.branch])).toBe("");
  });

  it("reports absent paths and never removes the main checkout", async () => {
    repo = makeRepo();
    expect(
      await reapWorktree(repo.repoDir, join(repo.worktreeRoot, "nothing"), { merged: true }),
    ).toEqual({
      action: "absent",
      path: join(repo.worktreeRoot, "nothing"),
    });
    const main = await reapWorktree(repo.repoDir, repo.repoDir, { merged: true });
    expect(main.action).toBe("kept");
    expect(existsSync(join(repo.repoDir, "README.md"))).toBe(true);
  });

  it("prunes a worktree whose directory was deleted behind git's back", async () => {
    repo = makeRepo();
    const wt = await createAttemptWorktree(spec(1));
    rmSync(wt.path, { recursive: true, force: true });
    expect(await reapWorktree(repo.repoDir, wt.path, { merged: false })).toMatchObject({
      action: "absent",
    });
    expect((await listWorktrees(repo.repoDir)).length).toBe(1);
  });
});

describe("orphan worktrees", () => {
  it("lists attempt worktrees of inactive issues and reaps them, keeping unmerged dirty work", async () => {
    repo = makeRepo();
    const active = await createAttemptWorktree(spec(1));
    const clean = await createAttemptWorktree(spec(2));
    const dirty = await createAttemptWorktree(spec(3));
    writeFile(dirty.path, "wip.txt", "unsaved\n");
    // A worktree elsewhere is not ours to reap.
    const elsewhere = join(repo.root, "mine");
    gitSync(repo.repoDir, ["worktree", "add", "--quiet", "-b", "topic", elsewhere]);

    const orphans = await listOrphanWorktrees(repo.repoDir, repo.worktreeRoot, [1]);
    expect(orphans.map((o) => o.issue).sort()).toEqual([2, 3]);

    const outcomes = await reapOrphanWorktrees(repo.repoDir, repo.worktreeRoot, [1]);
    const byIssue = new Map(outcomes.map((o) => [o.issue, o.action]));
    expect(byIssue.get(2)).toBe("removed");
    expect(byIssue.get(3)).toBe("kept");
    expect(existsSync(clean.path)).toBe(false);
    expect(readFile(dirty.path, "wip.txt")).toBe("unsaved\n");
    expect(existsSync(active.path)).toBe(true);
    expect(existsSync(elsewhere)).toBe(true);
  });

  it("reaps scratch worktrees of dead processes but not of live ones, and prunes stale entries", async () => {
    repo = makeRepo();
    const deadPid = 2 ** 22 + 12345; // above the default pid_max: never a live process
    const dead = mkdtempSync(join(tmpdir(), `${SCRATCH_PREFIX}${deadPid}-`));
    const live = mkdtempSync(join(tmpdir(), `${SCRATCH_PREFIX}${process.pid}-`));
    gitSync(repo.repoDir, ["worktree", "add", "--quiet", "--detach", dead, "main"]);
    gitSync(repo.repoDir, ["worktree", "add", "--quiet", "--detach", live, "main"]);
    const gone = await createAttemptWorktree(spec(8));
    rmSync(gone.path, { recursive: true, force: true });
    try {
      const orphans = await listOrphanWorktrees(repo.repoDir, repo.worktreeRoot, []);
      expect(orphans.map((o) => o.path)).toContain(dead);
      expect(orphans.map((o) => o.path)).not.toContain(live);
      await reapOrphanWorktrees(repo.repoDir, repo.worktreeRoot, []);
      expect(existsSync(dead)).toBe(false);
      expect(existsSync(live)).toBe(true);
      const left = (await listWorktrees(repo.repoDir)).map((w) => w.path);
      expect(left).toEqual([repo.repoDir, live]);
    } finally {
      gitSync(repo.repoDir, ["worktree", "remove", "--force", live]);
      rmSync(dead, { recursive: true, force: true });
    }
  });
});
