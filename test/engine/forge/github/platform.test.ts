/**
 * The GitHub platform beyond the shared contract: drafts for risk-gated issues, reviews
 * with inline comments (and GitHub refusing a line), the merge's refusals (issue closed
 * while checking, failing or pending checks, a head pushed meanwhile), a merge whose
 * response is lost, check rollups with commit statuses and the no-checks grace, and the
 * token push.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openGitHubForge } from "../../../../src/engine/forge/github/github-forge.js";
import { MergeRefusedError, type Platform } from "../../../../src/engine/forge/types.js";
import { fastWaits, type GitHubSetup, setUpGitHub } from "../../../support/fake-github/fixture.js";
import { faults } from "../../../support/fake-github/server.js";
import { makeGitBranch } from "../../../support/forge-contract.js";
import { ManualClock } from "../../../support/manual-clock.js";
import { commitAll, gitSync, writeFile } from "../../../support/temp-git.js";

let setup: GitHubSetup | undefined;
afterEach(async () => {
  await setup?.cleanup();
  setup = undefined;
});

async function withPullRequest(
  options: {
    draft?: boolean;
    files?: Record<string, string>;
    setup?: Parameters<typeof setUpGitHub>[0];
  } = {},
) {
  setup = await setUpGitHub(options.setup);
  const { fake, forge } = setup;
  const issue = fake.repo.createIssue({ title: "Add slugify", labels: ["loop:ready"] });
  const branch = `loop/${issue.number}-add-slugify`;
  const { worktree } = await makeGitBranch(setup.repo.repoDir, setup.repo.root)(branch, [
    options.files ?? { "src/slugify.js": "export const slugify = (s) => s;\n" },
  ]);
  await forge.platform.pushBranch(branch, worktree);
  const pr = await forge.platform.openPullRequest({
    issue: issue.number,
    branch,
    base: "main",
    title: `#${issue.number}: Add slugify\nwith a second line`,
    body: `Closes #${issue.number}\n\nOpened by forge-loop, attempt 1.`,
    draft: options.draft ?? false,
  });
  return {
    fake,
    platform: forge.platform,
    issue,
    branch,
    worktree,
    pr,
    origin: setup.repo.originDir,
  };
}

async function settle(platform: Platform, pr: number) {
  for (let i = 0; i < 20; i++) {
    const status = await platform.status(pr);
    if (status.rollup !== "pending") return status;
  }
  throw new Error("checks never settled");
}

const baseSha = (origin: string) => gitSync(origin, ["rev-parse", "refs/heads/main"]);

describe("GitHub platform", () => {
  it("opens a risk-gated issue's pull request as a draft that does not merge, and can undraft it", async () => {
    const { fake, platform, pr, issue, branch } = await withPullRequest({ draft: true });
    expect(pr).toMatchObject({
      draft: true,
      issue: issue.number,
      title: `#${issue.number}: Add slugify with a second line`,
    });
    expect(fake.repo.pulls.get(pr.number)?.draft).toBe(true);
    await settle(platform, pr.number);
    await expect(platform.merge(pr.number, "squash")).rejects.toThrow(/is a draft/);
    const ready = await platform.openPullRequest({
      issue: issue.number,
      branch,
      base: "main",
      title: "t",
      body: "b",
      draft: false,
    });
    expect(ready).toMatchObject({ number: pr.number, draft: false });
    expect(fake.repo.pulls.get(pr.number)?.draft).toBe(false);
    expect(fake.requests.filter((r) => r.path === "/graphql")).toHaveLength(1);
  });

  it("links the issue in the body, and reads the issue back from it", async () => {
    const { fake, platform, pr, issue } = await withPullRequest();
    const body = fake.repo.pulls.get(pr.number)?.body ?? "";
    expect(body).toMatch(new RegExp(`^Closes #${issue.number}\\n`));
    expect(body).toContain(`<!-- forge-loop:issue=${issue.number} -->`);
    expect((await platform.status(pr.number)).pr.issue).toBe(issue.number);
  });

  it("posts critic findings as one review, inline on the head commit", async () => {
    const { fake, platform, pr } = await withPullRequest();
    await platform.review(pr.number, "**forge-loop critic: request_changes** (blocking)", [
      { path: "src/slugify.js", line: 1, body: "**sev2/tests**: slugify has no tests" },
    ]);
    expect(fake.repo.reviews).toEqual([
      {
        id: expect.any(Number),
        pr: pr.number,
        body: "**forge-loop critic: request_changes** (blocking)",
        event: "COMMENT",
        commitId: pr.headSha,
        comments: [
          {
            path: "src/slugify.js",
            line: 1,
            side: "RIGHT",
            body: "**sev2/tests**: slugify has no tests",
          },
        ],
      },
    ]);
  });

  it("folds inline comments GitHub cannot place into the review body, losing none", async () => {
    const { fake, platform, pr } = await withPullRequest();
    await platform.review(pr.number, "critic: request_changes", [
      { path: "src/slugify.js", line: 1, body: "on the diff" },
      { path: "README.md", line: 1, body: "not part of the diff\nsecond line" },
    ]);
    const posts = fake.requests.filter((r) => r.method === "POST" && r.path.endsWith("/reviews"));
    expect(posts.map((r) => r.status)).toEqual([422, 200]);
    expect(fake.repo.reviews).toHaveLength(1);
    expect(fake.repo.reviews[0]?.comments).toEqual([]);
    expect(fake.repo.reviews[0]?.body).toBe(
      "critic: request_changes\n\n- `src/slugify.js:1`: on the diff\n- `README.md:1`: not part of the diff second line",
    );
  });

  it("refuses the merge when the issue is closed while the merge reads the checks", async () => {
    const { fake, platform, pr, issue, origin } = await withPullRequest();
    await settle(platform, pr.number);
    const before = baseSha(origin);
    fake.before({ method: "GET", path: /\/check-runs$/ }, () => fake.repo.closeIssue(issue.number));
    const err = (await platform
      .merge(pr.number, "squash")
      .catch((e: unknown) => e)) as MergeRefusedError;
    expect(err).toBeInstanceOf(MergeRefusedError);
    expect(err.reason).toBe(`issue #${issue.number} is closed; its pull request is not merged`);
    expect(fake.requests.some((r) => r.method === "PUT")).toBe(false);
    expect(baseSha(origin)).toBe(before);
  });

  it("refuses the merge while checks fail or are still running, naming the failing ones", async () => {
    const failing = await withPullRequest();
    failing.fake.repo.checkPolicy = { conclusion: "failure", pendingPolls: 0, name: "ci / test" };
    failing.fake.repo.statuses.push({
      sha: failing.pr.headSha!,
      context: "lint",
      state: "success",
    });
    const status = await failing.platform.status(failing.pr.number);
    expect(status).toMatchObject({
      rollup: "failing",
      checks: [
        { name: "ci / test", state: "failing" },
        { name: "lint", state: "passing" },
      ],
    });
    await expect(failing.platform.merge(failing.pr.number, "merge")).rejects.toThrow(
      /checks are failing for [0-9a-f]{12} \(ci \/ test\)/,
    );
    await setup?.cleanup();
    const pending = await withPullRequest();
    pending.fake.repo.checkPolicy = { conclusion: "success", pendingPolls: 5, name: "ci / test" };
    await expect(pending.platform.merge(pending.pr.number, "merge")).rejects.toThrow(
      /checks are pending/,
    );
  });

  it("rolls commit statuses into the checks: pending, then failing", async () => {
    const { fake, platform, pr } = await withPullRequest();
    fake.repo.statuses.push({ sha: pr.headSha!, context: "ci/legacy", state: "pending" });
    expect((await platform.status(pr.number)).rollup).toBe("pending");
    fake.repo.statuses[0]!.state = "error";
    expect((await platform.status(pr.number)).rollup).toBe("failing");
  });

  it("counts a head without checks as pending for the grace period, then as passing", async () => {
    const clock = new ManualClock();
    const { fake, platform, pr } = await withPullRequest({
      setup: { forge: { checksGraceMs: 60_000, clock } },
    });
    fake.repo.checkPolicy = { conclusion: "none", pendingPolls: 0, name: "" };
    expect(await platform.status(pr.number)).toMatchObject({ rollup: "pending", checks: [] });
    clock.advance(59_000);
    expect((await platform.status(pr.number)).rollup).toBe("pending");
    clock.advance(1_000);
    expect((await platform.status(pr.number)).rollup).toBe("passing");
  });

  it("refuses the merge when the head moved after its checks were read", async () => {
    const { fake, platform, pr, worktree, branch, origin } = await withPullRequest();
    await settle(platform, pr.number);
    const before = baseSha(origin);
    fake.before({ method: "PUT" }, () => {
      writeFile(worktree, "late.txt", "pushed while merging\n");
      commitAll(worktree, "late commit");
      gitSync(worktree, ["push", "--quiet", "--force", origin, `${branch}:${branch}`]);
    });
    await expect(platform.merge(pr.number, "squash")).rejects.toThrow(/Head branch was modified/);
    expect(baseSha(origin)).toBe(before);
  });

  it("returns the merge when its response was lost and the retry finds it merged", async () => {
    const { fake, platform, pr, origin } = await withPullRequest();
    await settle(platform, pr.number);
    fake.inject({ method: "PUT" }, faults.lostResponse());
    const { sha } = await platform.merge(pr.number, "squash");
    expect(sha).toBe(baseSha(origin));
    expect(fake.requests.filter((r) => r.method === "PUT").map((r) => r.status)).toEqual([
      502, 405,
    ]);
    expect(gitSync(origin, ["log", "--format=%s", "main"]).split("\n")).toHaveLength(2);
  });

  it("returns the existing pull request when a create races another one", async () => {
    setup = await setUpGitHub();
    const { fake, forge } = setup;
    const issue = fake.repo.createIssue({ title: "raced" });
    const branch = `loop/${issue.number}-raced`;
    const { worktree } = await makeGitBranch(setup.repo.repoDir, setup.repo.root)(branch, [
      { "r.txt": "r\n" },
    ]);
    await forge.platform.pushBranch(branch, worktree);
    let other = 0;
    fake.before({ method: "POST", path: /\/pulls$/ }, () => {
      other = fake.repo.number();
      const now = fake.repo.now();
      fake.repo.pulls.set(other, {
        number: other,
        nodeId: `PR_${other}`,
        title: "other",
        body: "",
        head: branch,
        base: "main",
        draft: false,
        state: "open",
        labels: [],
        createdAt: now,
        updatedAt: now,
        author: "someone",
      });
    });
    const pr = await forge.platform.openPullRequest({
      issue: issue.number,
      branch,
      base: "main",
      title: "mine",
      body: `Closes #${issue.number}`,
      draft: false,
    });
    expect(pr).toMatchObject({ number: other, title: "mine", issue: issue.number });
    expect(fake.repo.pulls.size).toBe(1);
  });

  it("pushes with the token in git's environment: never in argv, never in .git/config", async () => {
    const { fake, branch, worktree } = await withPullRequest();
    expect(fake.gitRequests.some((r) => r.service === "git-receive-pack" && r.authorized)).toBe(
      true,
    );
    expect(fake.gitRequests.every((r) => r.authorized)).toBe(true);
    const config = readFileSync(join(setup!.repo.repoDir, ".git", "config"), "utf8");
    expect(config).not.toContain(fake.token);
    expect(config).not.toContain(Buffer.from(`x-access-token:${fake.token}`).toString("base64"));
    // With a wrong token the push fails, and the error does not carry the token.
    const wrong = "ghp_wrongwrongwrongwrongwrongwrong00";
    const forge = openGitHubForge({
      token: { token: wrong, source: "GITHUB_TOKEN" },
      apiUrl: fake.url,
      repo: { owner: "octo", repo: "widgets" },
      push: { kind: "token", url: fake.gitUrl },
      base: "main",
      checksGraceMs: 0,
      waits: fastWaits(),
    });
    const err = (await forge.platform
      .pushBranch(branch, worktree)
      .catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(
      /git push --force --quiet http:\/\/127\.0\.0\.1:\d+\/git\/octo\/widgets\.git/,
    );
    expect(err.message).not.toContain(wrong);
  });

  it("pushes to the configured git remote with push: remote", async () => {
    setup = await setUpGitHub({ forge: { push: { kind: "remote", remote: "origin" } } });
    const { worktree } = await makeGitBranch(setup.repo.repoDir, setup.repo.root)("loop/9-remote", [
      { "x.txt": "x\n" },
    ]);
    await setup.forge.platform.pushBranch("loop/9-remote", worktree);
    expect(gitSync(setup.repo.originDir, ["rev-parse", "refs/heads/loop/9-remote"])).toBe(
      gitSync(worktree, ["rev-parse", "HEAD"]),
    );
    expect(setup.fake.gitRequests).toEqual([]);
    await expect(setup.forge.platform.pushBranch("main", worktree)).rejects.toThrow(
      /refusing to push the base branch/,
    );
    await expect(setup.forge.platform.pushBranch("bad..name", worktree)).rejects.toThrow(
      /not a valid branch name/,
    );
  });

  it("reports a closed pull request as closed and a missing one clearly", async () => {
    const { platform, pr } = await withPullRequest();
    await platform.close(pr.number, "superseded");
    expect((await platform.status(pr.number)).pr.state).toBe("closed");
    await platform.close(pr.number);
    await expect(platform.status(4242)).rejects.toThrow(
      /pull request #4242 does not exist in octo\/widgets/,
    );
  });
});
