import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { diffSummary, hasCommits } from "../../../src/engine/git/diff.js";
import { createAttemptWorktree } from "../../../src/engine/git/worktree.js";
import { commitAll, makeRepo, type TempRepo, writeFile } from "../../support/temp-git.js";

let repo: TempRepo;
afterEach(() => repo?.cleanup());

async function attempt() {
  repo = makeRepo();
  return createAttemptWorktree({
    repoDir: repo.repoDir,
    worktreeRoot: repo.worktreeRoot,
    issue: 1,
    title: "t",
    base: "main",
    remote: false,
  });
}

describe("hasCommits and diffSummary", () => {
  it("count committed changes only, relative to the attempt's base", async () => {
    const wt = await attempt();
    writeFile(wt.path, "uncommitted.txt", "not counted\n");
    expect(await hasCommits(wt.path, wt.baseSha)).toBe(false);
    expect((await diffSummary(wt.path, wt.baseSha)).changedLines).toBe(0);

    writeFile(wt.path, "src/a.ts", "one\ntwo\nthree\n");
    writeFile(wt.path, "README.md", "# renamed project\n");
    writeFileSync(join(wt.path, "logo.bin"), Buffer.from([0, 1, 2, 0, 255, 0]));
    commitAll(wt.path, "work");
    expect(await hasCommits(wt.path, wt.baseSha)).toBe(true);

    const diff = await diffSummary(wt.path, wt.baseSha);
    // uncommitted.txt was committed too by commitAll: 1 line; a.ts 3; README 1 added + 1 deleted.
    expect(diff).toMatchObject({
      files: 4,
      added: 5,
      deleted: 1,
      changedLines: 6,
      binaryFiles: 1,
      truncated: false,
    });
    expect(diff.text).toContain("+# renamed project");
    expect(diff.text).toContain("Binary files");
  });

  it("bounds the diff text and says it was cut", async () => {
    const wt = await attempt();
    writeFile(wt.path, "big.txt", `${"x".repeat(100)}\n`.repeat(5000));
    commitAll(wt.path, "big");
    const diff = await diffSummary(wt.path, wt.baseSha, { maxChars: 10_000 });
    expect(diff.truncated).toBe(true);
    expect(diff.text.length).toBeLessThanOrEqual(10_000);
    expect(diff.added).toBe(5000);
  });

  it("handles file names with spaces, quotes and newlines", async () => {
    const wt = await attempt();
    writeFile(wt.path, 'we"ird\nna me.txt', "x\n");
    commitAll(wt.path, "odd name");
    const diff = await diffSummary(wt.path, wt.baseSha);
    expect(diff.files).toBe(1);
    expect(diff.added).toBe(1);
  });
});
