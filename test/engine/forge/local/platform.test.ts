import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { type LocalForge, openLocalForge } from "../../../../src/engine/forge/local/local-forge.js";
import { closingReferences, LocalPlatform } from "../../../../src/engine/forge/local/platform.js";
import { MergeRefusedError } from "../../../../src/engine/forge/types.js";
import { ManualClock } from "../../../support/manual-clock.js";
import {
  commitAll,
  gitSync,
  makeRepo,
  pushFromClone,
  type TempRepo,
  writeFile,
} from "../../../support/temp-git.js";

let repo: TempRepo;
let forge: LocalForge;
let dbPath: string;
afterEach(() => {
  forge?.close();
  repo?.cleanup();
});

/** A check that fails when the PR head has a file named FAIL, and counts its runs. */
function countingCheck(counter: string): string[] {
  const script = `require('fs').appendFileSync(${JSON.stringify(counter)}, 'x'); if (require('fs').existsSync('FAIL')) { console.log('found FAIL; token ghp_${"a".repeat(36)}'); process.exit(2); }`;
  return [process.execPath, "-e", script];
}

function setup(options: { remote?: boolean; checks?: string[][] } = {}): void {
  repo = makeRepo({ origin: options.remote ?? true });
  dbPath = join(repo.root, "state", "local-forge.db");
  forge = openLocalForge(dbPath, {
    repoDir: repo.repoDir,
    remote: options.remote === false ? false : "origin",
    base: "main",
    checks: options.checks ?? [countingCheck(join(repo.root, "runs"))],
    checkTimeoutMs: 60_000,
    clock: new ManualClock(),
  });
}

function branchWorktree(branch: string): string {
  const worktree = join(repo.root, `wt-${branch.replace(/\//g, "-")}`);
  gitSync(repo.repoDir, ["worktree", "add", "--quiet", "-b", branch, worktree, "main"]);
  return worktree;
}

async function openPr(branch: string, files: Record<string, string>, body = "work") {
  const issue = await forge.tracker.create({ title: `issue for ${branch}` });
  const worktree = branchWorktree(branch);
  for (const [path, content] of Object.entries(files)) writeFile(worktree, path, content);
  commitAll(worktree, "work");
  await forge.platform.pushBranch(branch, worktree);
  const pr = await forge.platform.openPullRequest({
    issue: issue.number,
    branch,
    base: "main",
    title: "t",
    body,
    draft: false,
  });
  return { issue, worktree, pr };
}

const runs = () =>
  existsSync(join(repo.root, "runs")) ? readFileSync(join(repo.root, "runs"), "utf8").length : 0;

describe("local platform checks", () => {
  it("run once per head commit, in a checkout of that head, and again when the head moves", async () => {
    setup();
    const { pr, worktree } = await openPr("loop/1-x", { "ok.txt": "ok\n" });
    expect((await forge.platform.status(pr.number)).rollup).toBe("passing");
    expect((await forge.platform.status(pr.number)).rollup).toBe("passing");
    expect(runs()).toBe(1);

    writeFile(worktree, "FAIL", "\n");
    commitAll(worktree, "break it");
    await forge.platform.pushBranch("loop/1-x", worktree);
    const failing = await forge.platform.status(pr.number);
    expect(failing.rollup).toBe("failing");
    expect(failing.pr.headSha).toBe(gitSync(worktree, ["rev-parse", "HEAD"]));
    expect(failing.checks).toEqual([
      { name: expect.stringContaining("node") as string, state: "failing" },
    ]);
    expect(runs()).toBe(2);

    // The run is recorded, with its output tail redacted.
    const db = new Database(dbPath, { readonly: true });
    const rows = db
      .prepare("SELECT state, exit_code, output_tail FROM pr_checks ORDER BY id")
      .all() as {
      state: string;
      exit_code: number;
      output_tail: string;
    }[];
    db.close();
    expect(rows.map((r) => r.state)).toEqual(["passing", "failing"]);
    expect(rows[1]?.exit_code).toBe(2);
    expect(rows[1]?.output_tail).toContain("found FAIL");
    expect(rows[1]?.output_tail).not.toContain("ghp_");
  });

  it("skip the rest after a failure, and refuse the merge", async () => {
    setup({
      checks: [
        [process.execPath, "-e", "process.exit(1)"],
        [process.execPath, "-e", "process.exit(0)"],
      ],
    });
    const { pr } = await openPr("loop/2-x", { "a.txt": "a\n" });
    const status = await forge.platform.status(pr.number);
    expect(status.checks.map((c) => c.state)).toEqual(["failing", "skipped"]);
    const err = await forge.platform.merge(pr.number, "squash").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MergeRefusedError);
    expect((err as MergeRefusedError).reason).toMatch(/checks are failing/);
  });

  it("rerun checks left pending by a process that died mid-run", async () => {
    setup();
    const { pr } = await openPr("loop/3-x", { "a.txt": "a\n" });
    const head = gitSync(repo.repoDir, ["rev-parse", "loop/3-x"]);
    const db = new Database(dbPath);
    db.prepare(
      "INSERT INTO pr_checks (pr, head_sha, name, state, started_at) VALUES (?, ?, 'node', 'pending', 'x')",
    ).run(pr.number, head);
    db.close();
    const status = await forge.platform.status(pr.number);
    expect(status.rollup).toBe("passing");
    expect(status.checks).toHaveLength(1);
    expect(runs()).toBe(1);
  });

  it("share one run between concurrent status calls", async () => {
    setup();
    const { pr } = await openPr("loop/4-x", { "a.txt": "a\n" });
    const [a, b] = await Promise.all([
      forge.platform.status(pr.number),
      forge.platform.status(pr.number),
    ]);
    expect([a.rollup, b.rollup]).toEqual(["passing", "passing"]);
    expect(runs()).toBe(1);
  });

  it("pass with no configured checks", async () => {
    setup({ checks: [] });
    const { pr } = await openPr("loop/5-x", { "a.txt": "a\n" });
    expect(await forge.platform.status(pr.number)).toMatchObject({ rollup: "passing", checks: [] });
  });
});

describe("local platform merges", () => {
  it("land on a remote base that moved since the branch was made", async () => {
    setup();
    const { pr } = await openPr("loop/6-x", { "mine.txt": "mine\n" });
    const theirs = pushFromClone(
      repo.originDir!,
      repo.root,
      { "theirs.txt": "theirs\n" },
      "someone else",
    );
    const { sha } = await forge.platform.merge(pr.number, "rebase");
    expect(gitSync(repo.originDir!, ["rev-parse", "main"])).toBe(sha);
    expect(gitSync(repo.originDir!, ["merge-base", "--is-ancestor", theirs, sha])).toBe("");
    expect(gitSync(repo.originDir!, ["show", `${sha}:mine.txt`])).toBe("mine");
    // The remote-tracking branch follows, for the next attempt's worktree.
    expect(gitSync(repo.repoDir, ["rev-parse", "refs/remotes/origin/main"])).toBe(sha);
    // The operator's checkout is not involved.
    expect(existsSync(join(repo.repoDir, "mine.txt"))).toBe(false);
  });

  it("land parallel merges one after another", async () => {
    setup({ checks: [] });
    const prs = await Promise.all(
      [12, 13, 14].map((n) => openPr(`loop/${n}-x`, { [`f${n}.txt`]: `${n}\n` })),
    );
    const merged = await Promise.all(
      prs.map(({ pr }, i) => forge.platform.merge(pr.number, i === 1 ? "merge" : "squash")),
    );
    const tip = gitSync(repo.originDir!, ["rev-parse", "main"]);
    expect(merged.map((m) => m.sha)).toContain(tip);
    for (const n of [12, 13, 14])
      expect(gitSync(repo.originDir!, ["show", `main:f${n}.txt`])).toBe(String(n));
  });

  it("close the issues the body names with closing keywords, as GitHub does", async () => {
    setup({ checks: [] });
    const other = await forge.tracker.create({ title: "also fixed" });
    const { pr, issue } = await openPr("loop/7-x", { "a.txt": "a\n" }, `Fixes #${other.number}`);
    await forge.platform.merge(pr.number, "merge");
    expect((await forge.tracker.getIssue(other.number)).issue.state).toBe("closed");
    expect((await forge.tracker.getIssue(issue.number)).issue.state).toBe("open");
  });

  it("report the merge of a head already contained in the base (a merge re-run after a crash)", async () => {
    setup({ checks: [], remote: false });
    const { pr } = await openPr("loop/8-x", { "a.txt": "a\n" });
    gitSync(repo.repoDir, ["merge", "--quiet", "--ff-only", "loop/8-x"]);
    const { sha } = await forge.platform.merge(pr.number, "merge");
    expect(sha).toBe(gitSync(repo.repoDir, ["rev-parse", "main"]));
    expect((await forge.platform.status(pr.number)).pr).toMatchObject({
      state: "merged",
      mergedSha: sha,
    });
  });
});

describe("local platform branches and pull requests", () => {
  it("force-pushes a rewritten branch (a new attempt starts afresh)", async () => {
    setup({ checks: [] });
    const { worktree } = await openPr("loop/9-x", { "a.txt": "a\n" });
    gitSync(worktree, ["reset", "--quiet", "--hard", "main"]);
    writeFile(worktree, "b.txt", "b\n");
    const rewritten = commitAll(worktree, "attempt 2");
    await forge.platform.pushBranch("loop/9-x", worktree);
    expect(gitSync(repo.originDir!, ["rev-parse", "loop/9-x"])).toBe(rewritten);
  });

  it("refuses to push the base branch or an invalid name", async () => {
    setup();
    await expect(forge.platform.pushBranch("main", repo.repoDir)).rejects.toThrow(/base branch/);
    await expect(forge.platform.pushBranch("--force", repo.repoDir)).rejects.toThrow(
      /not a valid branch/,
    );
    await expect(forge.platform.pushBranch("a..b", repo.repoDir)).rejects.toThrow(
      /not a valid branch/,
    );
  });

  it("refuses to open a pull request for a branch that was never pushed", async () => {
    setup();
    branchWorktree("loop/10-x");
    await expect(
      forge.platform.openPullRequest({
        issue: 1,
        branch: "loop/10-x",
        base: "main",
        title: "t",
        body: "b",
        draft: false,
      }),
    ).rejects.toThrow(/not published/);
  });

  it("stores hostile titles and bodies verbatim (titles on one line)", async () => {
    setup({ checks: [] });
    const issue = await forge.tracker.create({ title: "x" });
    const worktree = branchWorktree("loop/11-x");
    writeFile(worktree, "a.txt", "a\n");
    commitAll(worktree, "w");
    await forge.platform.pushBranch("loop/11-x", worktree);
    const body = "`$(rm -rf /)`\n\u001b[31mred\u001b[0m 🚀 \"quotes\" 'single'";
    const pr = await forge.platform.openPullRequest({
      issue: issue.number,
      branch: "loop/11-x",
      base: "main",
      title: "line one\nline two\t$(whoami)",
      body,
      draft: true,
    });
    expect(pr.title).toBe("line one line two $(whoami)");
    await forge.platform.comment(pr.number, body);
    expect(forge.platform.comments(pr.number)[0]?.body).toBe(body);
  });

  it("names a pull request that does not exist", async () => {
    setup();
    await expect(forge.platform.status(404)).rejects.toThrow(/#404 does not exist/);
    await expect(forge.platform.merge(404, "merge")).rejects.toThrow(/#404 does not exist/);
  });
});

describe("closingReferences", () => {
  it("finds GitHub's closing keywords and nothing else", () => {
    expect(
      closingReferences("Closes #12, fixes #3 and Resolved: #7; see #9. closes#8 fixing #10"),
    ).toEqual([12, 3, 7]);
    expect(closingReferences("")).toEqual([]);
    expect(closingReferences("close #0 fix #99999999999999999999")).toEqual([]);
  });
});

it("LocalPlatform is the class the factory builds", () => {
  setup();
  expect(forge.platform).toBeInstanceOf(LocalPlatform);
});
