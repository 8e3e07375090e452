import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { listWorktrees } from "../../../src/engine/git/inspect.js";
import { withRepoLock } from "../../../src/engine/git/repo-lock.js";
import { withScratchWorktree } from "../../../src/engine/git/scratch.js";
import { createAttemptWorktree, reapWorktree } from "../../../src/engine/git/worktree.js";
import { gitSync, makeRepo, type TempRepo } from "../../support/temp-git.js";

let repo: TempRepo;
afterEach(() => repo?.cleanup());

describe("withScratchWorktree", () => {
  it("makes a checkout at the commit, and leaves no worktree behind", async () => {
    repo = makeRepo();
    const head = gitSync(repo.repoDir, ["rev-parse", "HEAD"]);
    let seen = "";
    const result = await withScratchWorktree(repo.repoDir, head, async (dir) => {
      seen = dir;
      expect(gitSync(dir, ["rev-parse", "HEAD"])).toBe(head);
      expect(existsSync(join(dir, "README.md"))).toBe(true);
      return 42;
    });
    expect(result).toBe(42);
    expect(existsSync(seen)).toBe(false);
    expect((await listWorktrees(repo.repoDir)).filter((w) => !w.main)).toEqual([]);
  });

  it("survives other worktree administration running at the same time", async () => {
    // Another scratch's cleanup or an attempt's set-up prunes worktrees: one pruned while
    // this one is being added used to fail with "could not open .../locked".
    repo = makeRepo();
    const head = gitSync(repo.repoDir, ["rev-parse", "HEAD"]);
    const scratches = Array.from({ length: 40 }, () =>
      withScratchWorktree(repo.repoDir, head, async (dir) => gitSync(dir, ["rev-parse", "HEAD"])),
    );
    const attempts = Array.from({ length: 4 }, async (_, i) => {
      const wt = await createAttemptWorktree({
        repoDir: repo.repoDir,
        worktreeRoot: repo.worktreeRoot,
        issue: i + 1,
        title: `issue ${i + 1}`,
        base: "main",
        remote: false,
      });
      return (await reapWorktree(repo.repoDir, wt.path, { merged: false })).action;
    });
    // Settled, not raced: a failure must not leave the others running past the cleanup.
    const scratched = await Promise.allSettled(scratches);
    const attempted = await Promise.allSettled(attempts);
    expect(scratched).toEqual(Array(40).fill({ status: "fulfilled", value: head }));
    expect(attempted).toEqual(Array(4).fill({ status: "fulfilled", value: "removed" }));
    expect((await listWorktrees(repo.repoDir)).filter((w) => !w.main)).toEqual([]);
  });
});

describe("withRepoLock", () => {
  it("lets its holder take it again, and nobody else meanwhile", async () => {
    const order: string[] = [];
    const outer = withRepoLock("/tmp/repo-lock-test", async () => {
      order.push("outer in");
      await withRepoLock("/tmp/repo-lock-test", async () => {
        await new Promise((r) => setTimeout(r, 20));
        order.push("nested");
      });
      order.push("outer out");
    });
    const other = withRepoLock("/tmp/repo-lock-test", async () => {
      order.push("other");
    });
    await Promise.all([outer, other]);
    expect(order).toEqual(["outer in", "nested", "outer out", "other"]);
  });

  it("is not held by work its holder left running after it let go", async () => {
    const order = await afterStraggler("/tmp/repo-lock-test", (work) =>
      withRepoLock("/tmp/repo-lock-test", work),
    );
    expect(order).toEqual(["next in", "next out", "straggler"]);
  });

  it("is not held, once let go, by work started under another repository's lock inside it", async () => {
    const order = await afterStraggler("/tmp/repo-lock-a", (work) =>
      withRepoLock("/tmp/repo-lock-a", () => withRepoLock("/tmp/repo-lock-b", work)),
    );
    expect(order).toEqual(["next in", "next out", "straggler"]);
  });
});

/**
 * The holder (`hold` runs its work under the lock) starts a straggler that wants `repo`'s
 * lock after the holder let go, while the next caller holds it: who got in, in order.
 */
async function afterStraggler(
  repo: string,
  hold: (work: () => Promise<void>) => Promise<void>,
): Promise<string[]> {
  const order: string[] = [];
  let straggler: Promise<void> | undefined;
  await hold(async () => {
    straggler = (async () => {
      await new Promise((r) => setTimeout(r, 30));
      await withRepoLock(repo, async () => {
        order.push("straggler");
      });
    })();
  });
  const next = withRepoLock(repo, async () => {
    order.push("next in");
    await new Promise((r) => setTimeout(r, 60));
    order.push("next out");
  });
  await Promise.all([straggler, next]);
  return order;
}
