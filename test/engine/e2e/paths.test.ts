/**
 * The loop end to end, in real git repositories with a real agent process: every path of
 * ENGINE.md (merge, checks retry, critic retry, stall, crash, risk gate, timeout, max
 * attempts → blocked), asserted on the event log, the git remote and the tracker.
 */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { openLocalForge } from "../../../src/engine/forge/local/local-forge.js";
import { statePaths } from "../../../src/store/paths.js";
import { openStore } from "../../../src/store/store.js";
import { type EngineSandbox, makeSandbox, runUntilIdle } from "../../support/engine-sandbox.js";

function originLog(sandbox: EngineSandbox): string[] {
  return execFileSync("git", ["log", "--format=%s", "main"], {
    cwd: sandbox.originDir,
    encoding: "utf8",
  })
    .trim()
    .split("\n");
}

function events(sandbox: EngineSandbox) {
  const store = openStore(statePaths(sandbox.stateDir).eventsDb, { mode: "readonly" });
  try {
    return {
      all: store.log.since(0, 1_000_000),
      chain: store.log.verifyChain(),
      verify: store.verify(),
    };
  } finally {
    store.close();
  }
}

function reasons(all: ReturnType<typeof events>["all"], issue: number): string[] {
  return all
    .filter((e) => e.kind === "task.failed" && e.payload.issue === issue)
    .map((e) => String(e.payload.reason));
}

async function trackerIssue(sandbox: EngineSandbox, issue: number) {
  const forge = openLocalForge(statePaths(sandbox.stateDir).localForgeDb, {
    repoDir: sandbox.projectDir,
    remote: "origin",
    base: "main",
    checks: [],
    checkTimeoutMs: 1000,
  });
  try {
    return await forge.tracker.getIssue(issue);
  } finally {
    forge.close();
  }
}

describe("engine end to end", () => {
  it("works every scenario of the demo to its expected end", async () => {
    const sandbox = await makeSandbox([
      "clean",
      "checks-retry",
      "critic-retry",
      "stall",
      "crash",
      "risk",
    ]);
    const [clean, checksRetry, criticRetry, stall, crash, risk] = sandbox.issues as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const { reason, state } = await runUntilIdle(sandbox);
    expect(reason).toBe("idle");
    const status = (n: number) => state.tasks.get(String(n))?.status;
    expect([clean, checksRetry, criticRetry, stall, crash].map(status)).toEqual([
      "merged",
      "merged",
      "merged",
      "merged",
      "merged",
    ]);
    expect(status(risk)).toBe("needs_human");

    const { all, chain, verify } = events(sandbox);
    expect(chain.ok).toBe(true);
    expect(verify.ok).toBe(true);
    expect(reasons(all, clean)).toEqual([]);
    expect(reasons(all, checksRetry)).toEqual(["checks_failed"]);
    expect(reasons(all, criticRetry)).toEqual(["critic_blocked"]);
    expect(reasons(all, stall)).toEqual(["stale"]);
    expect(reasons(all, crash)).toEqual(["worker_error"]);

    // The critic's block carried a sev2 tests finding, and the retry's brief fixed it.
    const verdicts = all.filter(
      (e) => e.kind === "critique.issued" && e.payload.issue === criticRetry,
    );
    expect(verdicts.map((v) => [v.payload.overall, v.payload.blocking])).toEqual([
      ["request_changes", true],
      ["approve", false],
    ]);
    // Risk-gated: a draft PR, a merge.blocked, never a merge.
    expect(all.find((e) => e.kind === "pr.opened" && e.payload.issue === risk)?.payload.draft).toBe(
      true,
    );
    expect(all.some((e) => e.kind === "merge.blocked" && e.payload.issue === risk)).toBe(true);
    expect(all.some((e) => e.kind === "pr.merged" && e.payload.issue === risk)).toBe(false);

    // Five squash merges really landed on the remote, one per merged issue.
    const log = originLog(sandbox);
    expect(log).toHaveLength(6);
    for (const n of [clean, checksRetry, criticRetry, stall, crash])
      expect(log.some((s) => s.startsWith(`#${n}:`))).toBe(true);
    expect((await trackerIssue(sandbox, clean)).issue.state).toBe("closed");
    expect((await trackerIssue(sandbox, risk)).issue.labels).toContain("loop:needs-human");
    // Every attempt left its ledger comment on the issue.
    expect(
      (await trackerIssue(sandbox, checksRetry)).comments.filter((c) =>
        c.body.startsWith("<!-- forge-loop:attempt -->"),
      ),
    ).toHaveLength(2);
    // Idempotency keys are unique by construction; every event kind is in the contract.
    expect(new Set(all.map((e) => e.idempotencyKey)).size).toBe(all.length);
  }, 120_000);

  it("gives up after max_attempts: the issue gets loop:blocked and a comment saying why", async () => {
    const sandbox = await makeSandbox(
      ["clean"],
      { FORGE_LOOP_SCHEDULING_MAX_ATTEMPTS: "2" },
      (yaml) =>
        yaml.replace(
          '  - ["node", "--test"]',
          '  - ["node", "-e", "console.error(\'lint: 3 problems\'); process.exit(2)"]',
        ),
    );
    const issue = sandbox.issues[0] as number;
    const { reason, state } = await runUntilIdle(sandbox);
    expect(reason).toBe("idle");
    expect(state.tasks.get(String(issue))?.attempts.map((a) => a.reason)).toEqual([
      "checks_failed",
      "checks_failed",
    ]);
    const { issue: data, comments } = await trackerIssue(sandbox, issue);
    expect(data.labels).toContain("loop:blocked");
    expect(comments.at(-1)?.body).toMatch(/gave up after 2 failed attempts[\s\S]*checks_failed/);
    // The failing check's output reached the second attempt's brief.
    const { all } = events(sandbox);
    const failed = all.filter((e) => e.kind === "checks.completed" && e.payload.passed === false);
    expect(JSON.stringify(failed[0]?.payload)).toContain("lint: 3 problems");
    expect(originLog(sandbox)).toHaveLength(1);
  }, 60_000);

  it("ends a worker that runs past worker_timeout_s with `timeout`, then retries", async () => {
    const sandbox = await makeSandbox(["stall"], {
      FORGE_LOOP_WORKER_STALL_TIMEOUT_S: "60",
      FORGE_LOOP_WORKER_WORKER_TIMEOUT_S: "2",
    });
    const { state } = await runUntilIdle(sandbox);
    const task = state.tasks.get(String(sandbox.issues[0]));
    expect(task?.attempts.map((a) => a.reason ?? a.outcome)).toEqual(["timeout", "completed"]);
    expect(task?.status).toBe("merged");
  }, 60_000);
});
