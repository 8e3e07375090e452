/**
 * The engine end to end against GitHub: a fake GitHub server (REST over HTTP, the real
 * Octokit client) holds the issues, pull requests, checks and reviews; branches are pushed
 * with the token over git's smart HTTP into a real bare repository, where the fake's
 * merges land. The worker and critic are the compiled demo agent.
 *
 * The two runs the GitHub issue asks for: a ready issue → PR → checks → merge (with a
 * risk-gated issue riding along, its draft PR left for a human, and GitHub answering a
 * few requests with rate limits and a 502, which the engine waits out and shows in its
 * stream); and a critic-blocked attempt → review comments → retry → merge.
 */
import { afterEach, describe, expect, it } from "vitest";
import { demoIssues, type ScenarioName } from "../../../src/engine/demo/scenarios.js";
import { readLedger } from "../../../src/engine/loop/ledger.js";
import { startEngine } from "../../../src/engine/start.js";
import { requestControl } from "../../../src/store/control/request.js";
import { readJsonlFile } from "../../../src/store/jsonl/reader.js";
import { statePaths } from "../../../src/store/paths.js";
import { openStore } from "../../../src/store/store.js";
import { fastEnv, makeSandbox, readState } from "../../support/engine-sandbox.js";
import { type FakeGitHub, faults, startFakeGitHub } from "../../support/fake-github/server.js";
import { gitSync } from "../../support/temp-git.js";

let fake: FakeGitHub | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function githubSandbox(scenarios: ScenarioName[]) {
  fake = await startFakeGitHub({ owner: "octo", name: "textkit", bare: "" });
  const server = fake;
  const sandbox = await makeSandbox(
    [],
    {},
    (yaml) =>
      `${yaml
        .replace("repo: .", "repo: octo/textkit")
        .replace("tracker: local", "tracker: github")
        .replace(
          "platform: local",
          "platform: github",
        )}github:\n  api_url: ${server.url}\n  push_url: ${server.gitUrl}\n  checks_grace_s: 0\n`,
  );
  server.repo.bare = sandbox.originDir;
  // CI takes one look to finish, as real CI takes a while.
  server.repo.checkPolicy = { conclusion: "success", pendingPolls: 1, name: "ci / test" };
  const issues = new Map<ScenarioName, number>();
  for (const scenario of scenarios) {
    const demo = demoIssues.find((d) => d.scenario === scenario)!;
    issues.set(
      scenario,
      server.repo.createIssue({
        title: demo.title,
        body: demo.body,
        labels: demo.labels,
        author: "maintainer",
      }).number,
    );
  }
  return { sandbox, fake: server, issues };
}

async function runEngine(
  sandbox: Awaited<ReturnType<typeof githubSandbox>>["sandbox"],
  github: FakeGitHub,
) {
  process.env.FORGE_LOOP_DEMO_STEP_MS ??= fastEnv.FORGE_LOOP_DEMO_STEP_MS;
  const reports: string[] = [];
  const started = startEngine(sandbox.loaded, {
    version: "test",
    env: { ...process.env, GITHUB_TOKEN: github.token, GH_TOKEN: "" },
    report: (m) => reports.push(m),
  });
  try {
    const reason = await started.engine.run({ untilIdle: true });
    return { reason, reports, state: readState(sandbox) };
  } finally {
    started.close();
  }
}

function pullFor(github: FakeGitHub, issue: number) {
  const pull = [...github.repo.pulls.values()].find((p) => p.body.includes(`Closes #${issue}`));
  if (!pull) throw new Error(`no pull request for #${issue}`);
  return pull;
}

function ledger(github: FakeGitHub, issue: number) {
  return readLedger(github.repo.commentsOn(issue).map((c) => c.body));
}

describe("engine end to end on GitHub", () => {
  it("works a ready issue to a merge: PR, checks pending then passing, squash merge, issue closed", async () => {
    const { sandbox, fake: github, issues } = await githubSandbox(["clean", "risk"]);
    const clean = issues.get("clean")!;
    const risk = issues.get("risk")!;
    github.inject({ method: "GET", path: /\/issues$/ }, faults.secondaryRateLimit(0));
    github.inject({ method: "GET", path: /\/check-runs$/ }, faults.badGateway());
    github.inject({ method: "POST", path: /\/comments$/ }, faults.secondaryRateLimit(0));

    const { reason, reports, state } = await runEngine(sandbox, github);
    expect(reports).toEqual([]);
    expect(reason).toBe("idle");
    expect([clean, risk].map((n) => state.tasks.get(String(n))?.status)).toEqual([
      "merged",
      "needs_human",
    ]);

    // GitHub's side: the clean PR squash-merged into the bare repository; the risk-gated
    // one a draft, still open.
    const merged = pullFor(github, clean);
    expect(merged).toMatchObject({
      state: "closed",
      draft: false,
      mergedSha: gitSync(sandbox.originDir, ["rev-parse", "main"]),
    });
    expect(gitSync(sandbox.originDir, ["log", "-1", "--format=%s", "main"])).toBe(
      `${merged.title} (#${merged.number})`,
    );
    expect(merged.title).toMatch(new RegExp(`^#${clean}: `));
    expect(pullFor(github, risk)).toMatchObject({ state: "open", draft: true });
    expect(pullFor(github, risk).mergedSha).toBeUndefined();
    expect(gitSync(sandbox.originDir, ["rev-list", "--count", "main"])).toBe("2");

    // The tracker's side: closed without the ready label; the risk-gated issue labelled
    // for a human; each attempt's ledger comment reads back.
    expect(github.repo.issues.get(clean)).toMatchObject({ state: "closed" });
    expect(github.repo.issues.get(clean)?.labels).not.toContain("loop:ready");
    expect(github.repo.issues.get(risk)?.labels).toContain("loop:needs-human");
    expect(ledger(github, clean).map((e) => [e.attempt, e.status, e.pr])).toEqual([
      [1, "merged", merged.number],
    ]);
    expect(ledger(github, clean)[0]).toMatchObject({
      fingerprint: expect.any(String),
      duration_ms: expect.any(Number),
    });
    expect(ledger(github, risk).map((e) => e.status)).toEqual(["needs_human"]);

    // The event log: the PR's checks went pending → passing on GitHub before the merge.
    const store = openStore(statePaths(sandbox.stateDir).eventsDb, { mode: "readonly" });
    try {
      const all = store.log.since(0, 1_000_000);
      expect(store.log.verifyChain().ok).toBe(true);
      const checks = all.filter((e) => e.kind === "pr.checks_changed" && e.payload.issue === clean);
      expect(checks.map((e) => e.payload.state)).toEqual(["pending", "passing"]);
      expect(checks[1]?.payload.checks).toEqual([{ name: "ci / test", state: "passing" }]);
      expect(all.find((e) => e.kind === "pr.merged")?.payload).toMatchObject({
        issue: clean,
        pr: merged.number,
        sha: merged.mergedSha,
        method: "squash",
      });
      expect(
        all.find((e) => e.kind === "pr.opened" && e.payload.issue === risk)?.payload.draft,
      ).toBe(true);
      expect(all.find((e) => e.kind === "loop.started")?.payload).toMatchObject({
        tracker: "github",
        platform: "github",
        repo: "octo/textkit",
      });
    } finally {
      store.close();
    }

    // GitHub's rate limits and 502 were waited out, and shown in the operator stream.
    const stream = readJsonlFile(statePaths(sandbox.stateDir).eventsJsonl).records;
    const waits = stream.filter((r) => r.kind === "forge.wait");
    expect(waits).toHaveLength(3);
    expect(waits.map((w) => w.summary)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^GitHub 403 secondary rate limit on GET \/repos\/octo\/textkit\/issues: waiting 0\.0 s before retry 1$/,
        ),
        expect.stringMatching(
          /^GitHub 502 server error on GET \/repos\/octo\/textkit\/commits\/[0-9a-f]{40}\/check-runs: waiting 1\.0 s/,
        ),
        expect.stringMatching(
          /^GitHub 403 secondary rate limit on POST \/repos\/octo\/textkit\/issues\/\d+\/comments/,
        ),
      ]),
    );
    expect(
      waits.every(
        (w) => w.what === "retry_wait" && w.service === "github" && typeof w.wait_ms === "number",
      ),
    ).toBe(true);
    // Every push carried the token, and nothing the engine wrote contains it.
    expect(
      github.gitRequests.filter((r) => r.service === "git-receive-pack").length,
    ).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(stream)).not.toContain(github.token);
  }, 180_000);

  it("retries a critic-blocked attempt: findings inline on the PR, the same PR updated, then merged", async () => {
    const { sandbox, fake: github, issues } = await githubSandbox(["critic-retry"]);
    const issue = issues.get("critic-retry")!;
    const { reason, reports, state } = await runEngine(sandbox, github);
    expect(reports).toEqual([]);
    expect(reason).toBe("idle");
    expect(state.tasks.get(String(issue))?.status).toBe("merged");

    expect(github.repo.pulls.size).toBe(1);
    const pull = pullFor(github, issue);
    expect(pull).toMatchObject({
      state: "closed",
      mergedSha: gitSync(sandbox.originDir, ["rev-parse", "main"]),
    });
    const reviews = github.repo.reviews.filter((r) => r.pr === pull.number);
    expect(reviews).toHaveLength(2);
    expect(reviews[0]?.body).toMatch(/request_changes\*\* \(blocking\)/);
    expect(reviews[0]?.comments).toEqual([
      {
        path: "src/title-case.js",
        line: 1,
        side: "RIGHT",
        body: expect.stringMatching(/^\*\*sev2\/tests\*\*: titleCase has no tests/),
      },
    ]);
    expect(reviews[1]?.body).toMatch(/approve/);
    // Each review is on the head it judged: the retry pushed a new one.
    expect(reviews[0]?.commitId).not.toBe(reviews[1]?.commitId);
    // The retry's work (tests the critic asked for) is what landed.
    expect(
      gitSync(sandbox.originDir, ["ls-tree", "-r", "--name-only", "main"]).split("\n"),
    ).toContain("test/title-case.test.js");

    expect(ledger(github, issue).map((e) => [e.attempt, e.status, e.reason, e.pr])).toEqual([
      [1, "failed", "critic_blocked", pull.number],
      [2, "merged", undefined, pull.number],
    ]);
    expect(github.repo.issues.get(issue)).toMatchObject({ state: "closed" });
  }, 180_000);
  it("halt --now cuts short an hour-long rate-limit wait: the attempt stops at once, halted", async () => {
    const { sandbox, fake: github, issues } = await githubSandbox(["clean"]);
    const issue = issues.get("clean")!;
    github.inject({ method: "POST", path: /\/pulls$/ }, faults.secondaryRateLimit(3600));
    process.env.FORGE_LOOP_DEMO_STEP_MS ??= fastEnv.FORGE_LOOP_DEMO_STEP_MS;
    const paths = statePaths(sandbox.stateDir);
    const started = startEngine(sandbox.loaded, {
      version: "test",
      env: { ...process.env, GITHUB_TOKEN: github.token, GH_TOKEN: "" },
      report: () => {},
    });
    const run = started.engine.run();
    try {
      const waiting = () =>
        readJsonlFile(paths.eventsJsonl).records.some((r) => r.kind === "forge.wait");
      while (!waiting()) await new Promise((r) => setTimeout(r, 50));

      const operator = openStore(paths.eventsDb, { mode: "observer" });
      const haltedAt = Date.now();
      try {
        requestControl(operator, { command: "halt", mode: "now", by: "test" });
      } finally {
        operator.close();
      }
      const statusNow = () => readState(sandbox).tasks.get(String(issue))?.status;
      // Without the interruption the attempt would sit out GitHub's hour.
      while (statusNow() !== "compensated" && Date.now() - haltedAt < 10_000) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(statusNow()).toBe("compensated");
      expect(readState(sandbox).loop.get("loop")).toMatchObject({
        status: "halted",
        haltMode: "now",
      });
      expect([...github.repo.pulls.values()]).toEqual([]);
    } finally {
      started.engine.stop("signal");
      await run;
      started.close();
    }
  }, 120_000);
});
