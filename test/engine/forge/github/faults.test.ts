/**
 * GitHub failing the way it does in production, injected by the fake server: each
 * retryable fault is waited out (announced through onWait) and the call succeeds; the
 * others fail once, with an error an operator can act on and no token in it.
 */
import { afterEach, describe, expect, it } from "vitest";
import { GitHubApiError } from "../../../../src/engine/forge/github/client.js";
import { openGitHubForge } from "../../../../src/engine/forge/github/github-forge.js";
import { fastWaits, type GitHubSetup, setUpGitHub } from "../../../support/fake-github/fixture.js";
import { faults } from "../../../support/fake-github/server.js";

let setup: GitHubSetup | undefined;
afterEach(async () => {
  await setup?.cleanup();
  setup = undefined;
});

const issuesPath = /\/issues$/;

describe("GitHub faults", () => {
  it("waits out a secondary rate limit for retry-after seconds, then succeeds", async () => {
    setup = await setUpGitHub();
    const { number } = setup.fake.repo.createIssue({ title: "a", labels: ["loop:ready"] });
    setup.fake.inject({ method: "GET", path: issuesPath }, faults.secondaryRateLimit(3), 2);
    const listed = await setup.forge.tracker.listOpenWithLabel("loop:ready");
    expect(listed.map((i) => i.number)).toEqual([number]);
    expect(setup.waits.map((w) => w.ms)).toEqual([3000, 3000]);
    expect(setup.waits[0]?.message).toMatch(
      /^GitHub 403 secondary rate limit on GET \/repos\/octo\/widgets\/issues: waiting 3\.0 s before retry 1$/,
    );
    expect(setup.slept).toEqual([3000, 3000]);
    expect(
      setup.fake.requests
        .filter((r) => issuesPath.test(r.path.split("?")[0]!))
        .map((r) => r.status),
    ).toEqual([403, 403, 200]);
  });

  it("waits until x-ratelimit-reset on an exhausted primary limit (403 and 429)", async () => {
    setup = await setUpGitHub();
    const issue = setup.fake.repo.createIssue({ title: "limited" });
    const resetAt = Math.floor(Date.now() / 1000) + 30;
    setup.fake.inject({ method: "POST" }, faults.primaryRateLimit(resetAt));
    setup.fake.inject({ method: "POST" }, faults.primaryRateLimit(resetAt, 429));
    await setup.forge.tracker.comment(issue.number, "after the reset");
    expect(setup.waits).toHaveLength(2);
    for (const wait of setup.waits) {
      expect(wait.message).toMatch(/rate limit exhausted on POST/);
      // Until the reset plus a second: about 31 s from when the answer arrived.
      expect(wait.ms).toBeGreaterThan(25_000);
      expect(wait.ms).toBeLessThanOrEqual(31_000);
    }
    expect(setup.fake.repo.commentsOn(issue.number).map((c) => c.body)).toEqual([
      "after the reset",
    ]);
  });

  it("waits a minute on a secondary limit without retry-after, and on a bare 429", async () => {
    setup = await setUpGitHub();
    const issue = setup.fake.repo.createIssue({ title: "limited" });
    setup.fake.inject({ method: "POST" }, faults.secondaryWithoutRetryAfter());
    setup.fake.inject({ method: "POST" }, { status: 429, body: { message: "Too many requests" } });
    await setup.forge.tracker.addLabels(issue.number, ["loop:ready"]);
    expect(setup.waits.map((w) => w.ms)).toEqual([60_000, 120_000]);
    expect(setup.fake.repo.issues.get(issue.number)?.labels).toEqual(["loop:ready"]);
  });

  it("retries 502s with backoff and announces each wait", async () => {
    setup = await setUpGitHub();
    const issue = setup.fake.repo.createIssue({ title: "flaky" });
    setup.fake.inject({ path: /\/issues\/\d+$/ }, faults.badGateway(), 3);
    const { issue: got } = await setup.forge.tracker.getIssue(issue.number);
    expect(got.title).toBe("flaky");
    expect(setup.waits.map((w) => w.ms)).toEqual([1000, 2000, 4000]);
    expect(setup.waits.every((w) => /502 server error on GET/.test(w.message))).toBe(true);
  });

  it("gives up after the last 5xx retry with a clear error", async () => {
    setup = await setUpGitHub();
    const issue = setup.fake.repo.createIssue({ title: "down" });
    setup.fake.inject({ path: /\/issues\/\d+$/ }, faults.badGateway(), 10);
    const err = await setup.forge.tracker.getIssue(issue.number).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitHubApiError);
    expect((err as GitHubApiError).status).toBe(502);
    expect((err as Error).message).toMatch(
      /^GitHub GET \/repos\/octo\/widgets\/issues\/1 failed: 502 /,
    );
    expect(setup.waits).toHaveLength(4);
  });

  it("surfaces a 422 at once, with GitHub's validation details", async () => {
    setup = await setUpGitHub();
    const issue = setup.fake.repo.createIssue({ title: "invalid" });
    setup.fake.inject(
      { method: "POST" },
      faults.validation("Validation Failed", [
        { resource: "IssueComment", code: "custom", field: "body", message: "body is too spammy" },
      ]),
    );
    const err = await setup.forge.tracker.comment(issue.number, "hello").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitHubApiError);
    expect((err as Error).message).toBe(
      "GitHub POST /repos/octo/widgets/issues/1/comments failed: 422 Validation Failed (body custom body is too spammy)",
    );
    expect(setup.waits).toEqual([]);
    expect(setup.fake.requests.filter((r) => r.method === "POST")).toHaveLength(1);
  });

  it("does not retry a permission 403, and says what the token needs", async () => {
    setup = await setUpGitHub();
    const issue = setup.fake.repo.createIssue({ title: "forbidden" });
    setup.fake.inject({ method: "POST" }, faults.forbidden());
    const err = (await setup.forge.tracker
      .comment(issue.number, "x")
      .catch((e: unknown) => e)) as GitHubApiError;
    expect(err.status).toBe(403);
    expect(err.hint).toMatch(/GITHUB_TOKEN may not do this.*Issues and Pull requests/);
    expect(setup.waits).toEqual([]);
  });

  it("names the token's source when GitHub rejects it, and never shows the token", async () => {
    setup = await setUpGitHub();
    const badToken = "ghp_thisisnotthetokenthefakeexpects0000";
    const forge = openGitHubForge({
      token: { token: badToken, source: "GH_TOKEN" },
      apiUrl: setup.fake.url,
      repo: { owner: "octo", repo: "widgets" },
      push: { kind: "token", url: setup.fake.gitUrl },
      base: "main",
      checksGraceMs: 0,
      waits: fastWaits(),
    });
    const err = (await forge.tracker
      .listOpenWithLabel("loop:ready")
      .catch((e: unknown) => e)) as GitHubApiError;
    expect(err.status).toBe(401);
    expect(err.message).toMatch(/401 Bad credentials/);
    expect(err.hint).toMatch(/GitHub rejected the token from GH_TOKEN/);
    expect(`${err.message} ${err.hint} ${err.stack}`).not.toContain(badToken);
  });

  it("retries a connection that fails, then reports it as no response", async () => {
    setup = await setUpGitHub();
    const url = setup.fake.url;
    await setup.fake.close();
    const forge = openGitHubForge({
      token: { token: setup.fake.token, source: "GITHUB_TOKEN" },
      apiUrl: url,
      repo: { owner: "octo", repo: "widgets" },
      push: { kind: "token", url: setup.fake.gitUrl },
      base: "main",
      checksGraceMs: 0,
      onWait: (message, ms) => setup?.waits.push({ message, ms }),
      waits: { ...fastWaits(), serverRetries: 2 },
    });
    const err = (await forge.tracker
      .listOpenWithLabel("loop:ready")
      .catch((e: unknown) => e)) as GitHubApiError;
    expect(err).toBeInstanceOf(GitHubApiError);
    expect(err.message).toMatch(/failed: no response/);
    expect(setup.waits.map((w) => w.message)).toEqual([
      expect.stringMatching(/connection failed .* waiting 1\.0 s before retry 1/),
      expect.stringMatching(/connection failed .* waiting 2\.0 s before retry 2/),
    ]);
  });

  it("ends a request that hangs, and retries it", async () => {
    setup = await setUpGitHub({ forge: { waits: { ...fastWaits(), requestTimeoutMs: 500 } } });
    const issue = setup.fake.repo.createIssue({ title: "slow" });
    setup.fake.before(
      { path: /\/issues\/\d+$/ },
      () => new Promise((resolve) => setTimeout(resolve, 3000)),
    );
    const { issue: got } = await setup.forge.tracker.getIssue(issue.number);
    expect(got.title).toBe("slow");
    // One retry at least (a loaded machine may time out a second try too).
    expect(setup.waits.length).toBeGreaterThanOrEqual(1);
    expect(setup.waits.every((w) => /connection failed/.test(w.message))).toBe(true);
  });

  it("sends writes one at a time, even when attempts write concurrently", async () => {
    setup = await setUpGitHub();
    const issues = [1, 2, 3, 4].map((n) => setup!.fake.repo.createIssue({ title: `#${n}` }));
    let inFlight = 0;
    let most = 0;
    setup.fake.before(
      { method: "POST" },
      async () => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 30));
        inFlight--;
      },
      4,
    );
    await Promise.all(issues.map((i) => setup!.forge.tracker.comment(i.number, "concurrent")));
    expect(most).toBe(1);
    expect(setup.fake.repo.comments).toHaveLength(4);
  });
});
