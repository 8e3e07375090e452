/**
 * The one behavioural contract of `Tracker` + `Platform`, run against every
 * implementation: the local forge here, a GitHub implementation (against a local HTTP
 * server speaking GitHub REST) later. A fixture supplies what the interfaces do not
 * cover: seeding issues, making branches, and looking at the merge target from outside.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  type Issue,
  MergeRefusedError,
  type Platform,
  type Tracker,
} from "../../src/engine/forge/types.js";
import { commitAll, gitSync, writeFile } from "./temp-git.js";

export interface ForgeFixture {
  tracker: Tracker;
  platform: Platform;
  /** The base branch pull requests target. */
  base: string;
  /** Creates an issue as a person would (through the tracker's own UI or API). */
  createIssue(input: { title: string; body?: string; labels?: string[] }): Promise<Issue>;
  /**
   * Makes `branch` from the base with one commit per entry (file path → content), in a
   * worktree ready for `pushBranch`; returns that worktree.
   */
  makeBranch(branch: string, commits: Record<string, string>[]): Promise<{ worktree: string }>;
  /** The base branch as the merge target holds it now. */
  readBase(): Promise<{
    sha: string;
    parents: number;
    subjects: string[];
    files: Record<string, string>;
  }>;
  /** The comments and review comments stored on a pull request. */
  pullRequestComments(pr: number): Promise<{ body: string; path?: string; line?: number }[]>;
  cleanup(): Promise<void>;
}

/** `makeBranch` for a fixture over a real repository: a worktree beside it, one commit per entry. */
export function makeGitBranch(repoDir: string, root: string, base = "main") {
  return async (branch: string, commits: Record<string, string>[]) => {
    const worktree = join(root, `wt-${branch.replace(/\//g, "-")}`);
    gitSync(repoDir, ["worktree", "add", "--quiet", "-b", branch, worktree, base]);
    commits.forEach((files, i) => {
      for (const [path, content] of Object.entries(files)) writeFile(worktree, path, content);
      commitAll(worktree, `commit ${i + 1}`);
    });
    return { worktree };
  };
}

/** `readBase` for a fixture whose merge target is the git repository `target`. */
export function readGitBase(target: string, base = "main") {
  return async () => {
    const sha = gitSync(target, ["rev-parse", `refs/heads/${base}`]);
    const parents =
      gitSync(target, ["rev-list", "--parents", "-n", "1", sha]).split(" ").length - 1;
    const subjects = gitSync(target, ["log", "--first-parent", "--format=%s", sha]).split("\n");
    const files: Record<string, string> = {};
    for (const path of gitSync(target, ["ls-tree", "-r", "--name-only", sha]).split("\n")) {
      files[path] = `${gitSync(target, ["show", `${sha}:${path}`])}\n`;
    }
    return { sha, parents, subjects, files };
  };
}

export type ForgeFixtureFactory = (options: {
  checks: "passing" | "failing";
}) => Promise<ForgeFixture>;

export function describeForgeContract(name: string, factory: ForgeFixtureFactory): void {
  describe(`${name}: Tracker + Platform contract`, () => {
    let fixture: ForgeFixture | undefined;
    const open = async (checks: "passing" | "failing" = "passing") => {
      fixture = await factory({ checks });
      return fixture;
    };
    afterEach(async () => {
      await fixture?.cleanup();
      fixture = undefined;
    });

    async function openPr(
      f: ForgeFixture,
      issue: Issue,
      branch: string,
      commits: Record<string, string>[],
    ) {
      const { worktree } = await f.makeBranch(branch, commits);
      await f.platform.pushBranch(branch, worktree);
      return f.platform.openPullRequest({
        issue: issue.number,
        branch,
        base: f.base,
        title: `Fix #${issue.number}`,
        body: `Closes #${issue.number}`,
        draft: false,
      });
    }

    describe("tracker", () => {
      it("gets an issue with its comments, labels and state", async () => {
        const f = await open();
        const created = await f.createIssue({
          title: "Parser drops `$(x)`",
          body: "Steps:\n1. …",
          labels: ["loop:ready"],
        });
        await f.tracker.comment(created.number, "first");
        await f.tracker.comment(created.number, "second, with *markdown* and 🚀");
        const { issue, comments } = await f.tracker.getIssue(created.number);
        expect(issue).toMatchObject({
          number: created.number,
          title: "Parser drops `$(x)`",
          body: "Steps:\n1. …",
          state: "open",
        });
        expect(issue.labels).toEqual(["loop:ready"]);
        expect(comments.map((c) => c.body)).toEqual(["first", "second, with *markdown* and 🚀"]);
        expect(
          comments.every((c) => c.id.length > 0 && c.author.length > 0 && c.createdAt.length > 0),
        ).toBe(true);
      });

      it("adds and removes labels, idempotently", async () => {
        const f = await open();
        const { number } = await f.createIssue({ title: "labels" });
        await f.tracker.addLabels(number, ["loop:ready", "priority:p1"]);
        await f.tracker.addLabels(number, ["loop:ready"]);
        expect((await f.tracker.getIssue(number)).issue.labels.sort()).toEqual([
          "loop:ready",
          "priority:p1",
        ]);
        await f.tracker.removeLabel(number, "loop:ready");
        await f.tracker.removeLabel(number, "not-there");
        expect((await f.tracker.getIssue(number)).issue.labels).toEqual(["priority:p1"]);
      });

      it("lists open issues with a label, and only those", async () => {
        const f = await open();
        const a = await f.createIssue({ title: "a", labels: ["loop:ready"] });
        await f.createIssue({ title: "b", labels: ["other"] });
        const c = await f.createIssue({ title: "c", labels: ["loop:ready", "risk:high"] });
        const closed = await f.createIssue({ title: "d", labels: ["loop:ready"] });
        await f.tracker.close(closed.number);
        const listed = await f.tracker.listOpenWithLabel("loop:ready");
        expect(listed.map((i) => i.number).sort((x, y) => x - y)).toEqual([a.number, c.number]);
        expect(await f.tracker.listOpenWithLabel("nobody-uses-this")).toEqual([]);
      });

      it("closes with a comment", async () => {
        const f = await open();
        const { number } = await f.createIssue({ title: "close me" });
        await f.tracker.close(number, "done: merged in #1");
        const { issue, comments } = await f.tracker.getIssue(number);
        expect(issue.state).toBe("closed");
        expect(comments.map((c) => c.body)).toContain("done: merged in #1");
      });

      it("sets up labels without failing", async () => {
        const f = await open();
        const setup = await f.tracker.ensureLabels(["loop:ready", "loop:blocked"]);
        expect(Array.isArray(setup.created) && Array.isArray(setup.existing)).toBe(true);
      });
    });

    describe("platform", () => {
      it("opens one pull request per branch, updating it when opened again", async () => {
        const f = await open();
        const issue = await f.createIssue({ title: "idempotent" });
        const first = await openPr(f, issue, "loop/1-idempotent", [{ "a.txt": "a\n" }]);
        expect(first).toMatchObject({
          issue: issue.number,
          branch: "loop/1-idempotent",
          base: f.base,
          state: "open",
          draft: false,
        });
        expect(first.url.length).toBeGreaterThan(0);
        const again = await f.platform.openPullRequest({
          issue: issue.number,
          branch: "loop/1-idempotent",
          base: f.base,
          title: "New title",
          body: "updated body",
          draft: true,
        });
        expect(again.number).toBe(first.number);
        expect(again).toMatchObject({ title: "New title", draft: true });
      });

      it("reports passing checks for a good head", async () => {
        const f = await open("passing");
        const issue = await f.createIssue({ title: "passing" });
        const pr = await openPr(f, issue, "loop/2-passing", [{ "ok.txt": "ok\n" }]);
        const status = await settled(f.platform, pr.number);
        expect(status.rollup).toBe("passing");
        expect(status.checks.length).toBeGreaterThan(0);
        expect(status.checks.every((c) => c.state === "passing")).toBe(true);
        expect(status.pr.headSha).toMatch(/^[0-9a-f]{40}$/);
      });

      it("reports failing checks for a bad head", async () => {
        const f = await open("failing");
        const issue = await f.createIssue({ title: "failing" });
        const pr = await openPr(f, issue, "loop/3-failing", [{ "bad.txt": "bad\n" }]);
        const status = await settled(f.platform, pr.number);
        expect(status.rollup).toBe("failing");
        expect(status.checks.some((c) => c.state === "failing")).toBe(true);
      });

      for (const method of ["merge", "squash", "rebase"] as const) {
        it(`merges with ${method}: the commits land on the target's base branch`, async () => {
          const f = await open("passing");
          const before = await f.readBase();
          const issue = await f.createIssue({ title: `merge by ${method}` });
          const pr = await openPr(f, issue, `loop/4-${method}`, [
            { "feature.txt": "one\n" },
            { "feature.txt": "one\ntwo\n", "docs.md": "docs\n" },
          ]);
          await settled(f.platform, pr.number);
          const { sha } = await f.platform.merge(pr.number, method);
          const after = await f.readBase();
          expect(after.sha).toBe(sha);
          expect(after.sha).not.toBe(before.sha);
          expect(after.files["feature.txt"]).toBe("one\ntwo\n");
          expect(after.files["docs.md"]).toBe("docs\n");
          expect(after.files["README.md"]).toBe(before.files["README.md"]);
          if (method === "merge") expect(after.parents).toBe(2);
          else expect(after.parents).toBe(1);
          if (method === "rebase")
            expect(after.subjects.slice(0, 2)).toEqual(["commit 2", "commit 1"]);
          if (method === "squash") expect(after.subjects.length).toBe(before.subjects.length + 1);
          const status = await f.platform.status(pr.number);
          expect(status.pr.state).toBe("merged");
          // Merging again is not a second merge.
          expect((await f.platform.merge(pr.number, method)).sha).toBe(sha);
          expect((await f.readBase()).sha).toBe(sha);
        });
      }

      it("refuses to merge when the issue was closed, and leaves the base alone", async () => {
        const f = await open("passing");
        const issue = await f.createIssue({ title: "closed meanwhile" });
        const pr = await openPr(f, issue, "loop/5-closed", [{ "x.txt": "x\n" }]);
        await settled(f.platform, pr.number);
        await f.tracker.close(issue.number, "not needed any more");
        const before = await f.readBase();
        const err = await f.platform.merge(pr.number, "squash").catch((e: unknown) => e);
        expect(err).toBeInstanceOf(MergeRefusedError);
        expect((err as MergeRefusedError).reason).toMatch(/closed/);
        expect((await f.readBase()).sha).toBe(before.sha);
      });

      it("stores comments and reviews with inline comments", async () => {
        const f = await open();
        const issue = await f.createIssue({ title: "reviewed" });
        const pr = await openPr(f, issue, "loop/6-reviewed", [{ "r.ts": "export const x = 1;\n" }]);
        await f.platform.comment(pr.number, "a plain comment");
        await f.platform.review(pr.number, "critic: request_changes", [
          { path: "r.ts", line: 1, body: "[sev2/tests] no test covers x" },
        ]);
        const comments = await f.pullRequestComments(pr.number);
        expect(comments.map((c) => c.body)).toEqual(
          expect.arrayContaining([
            "a plain comment",
            "critic: request_changes",
            "[sev2/tests] no test covers x",
          ]),
        );
        expect(comments.find((c) => c.body.startsWith("[sev2"))).toMatchObject({
          path: "r.ts",
          line: 1,
        });
      });

      it("closes a pull request, after which it does not merge", async () => {
        const f = await open();
        const issue = await f.createIssue({ title: "abandoned" });
        const pr = await openPr(f, issue, "loop/7-abandoned", [{ "y.txt": "y\n" }]);
        await f.platform.close(pr.number, "superseded");
        expect((await f.platform.status(pr.number)).pr.state).toBe("closed");
        await expect(f.platform.merge(pr.number, "merge")).rejects.toBeInstanceOf(
          MergeRefusedError,
        );
        expect((await f.pullRequestComments(pr.number)).map((c) => c.body)).toContain("superseded");
      });
    });
  });
}

/** Polls until the checks leave `pending` (the local platform settles on the first call). */
async function settled(platform: Platform, pr: number) {
  for (let i = 0; i < 120; i++) {
    const status = await platform.status(pr);
    if (status.rollup !== "pending") return status;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`checks of #${pr} never settled`);
}
