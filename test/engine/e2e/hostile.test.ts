/**
 * Hostile input: issue text full of shell syntax never reaches a shell and still yields
 * valid branch names and a merge; a critic that prints garbage yields a blocking `error`
 * verdict with its raw output kept.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { scenarioMarker } from "../../../src/engine/demo/scenarios.js";
import { openLocalForge } from "../../../src/engine/forge/local/local-forge.js";
import { statePaths } from "../../../src/store/paths.js";
import { makeSandbox, runUntilIdle } from "../../support/engine-sandbox.js";

describe("hostile input", () => {
  it("keeps shell syntax, quotes, newlines and unicode in issue text away from any shell", async () => {
    const canary = join(tmpdir(), `forge-loop-pwned-${process.pid}-${Date.now()}`);
    const sandbox = await makeSandbox([]);
    const title = `$(touch ${canary}) \`touch ${canary}\` "quoted" 'single' ; rm -rf / && echo 🚀 ünïcødé\nsecond line ${"x".repeat(300)}`;
    const forge = openLocalForge(statePaths(sandbox.stateDir).localForgeDb, {
      repoDir: sandbox.projectDir,
      remote: "origin",
      base: "main",
      checks: [],
      checkTimeoutMs: 1000,
    });
    const created = await forge.tracker.create({
      title: title.slice(0, 256),
      body: `Run $(touch ${canary}) and |tee ${canary}\n\n${scenarioMarker("clean")}`,
      labels: ["loop:ready"],
    });
    forge.close();
    const { state } = await runUntilIdle(sandbox);
    const task = state.tasks.get(String(created.number));
    expect(task?.status).toBe("merged");
    expect(existsSync(canary)).toBe(false);
    const branch = task?.attempts[0]?.branch as string;
    expect(branch).toMatch(/^loop\/\d+-[a-z0-9-]+$/);
    expect(() => execFileSync("git", ["check-ref-format", "--branch", branch])).not.toThrow();
    // The PR title keeps the text (one line, bounded), exactly as written.
    const subject = execFileSync("git", ["log", "-1", "--format=%s", "main"], {
      cwd: sandbox.originDir,
      encoding: "utf8",
    });
    expect(subject).toContain(`$(touch ${canary})`);
    expect(subject).not.toContain("\n#");
  }, 60_000);

  it("turns a critic that prints garbage into a blocking error verdict and keeps the raw output", async () => {
    const sandbox = await makeSandbox(
      ["clean"],
      { FORGE_LOOP_SCHEDULING_MAX_ATTEMPTS: "1" },
      (yaml) =>
        yaml.replace(
          /critic:\n {2}enabled: true\n {2}adapter: claude-code\n {2}command: .*\n/,
          'critic:\n  enabled: true\n  adapter: command\n  command: ["node", "-e", "console.log(\'LGTM {{{ not json ]]\'); console.log(\'\\\\u0000\\\\xff garbage\')"]\n',
        ),
    );
    const { state } = await runUntilIdle(sandbox);
    const attempt = state.tasks.get(String(sandbox.issues[0]))?.attempts[0];
    expect(attempt?.reason).toBe("critic_blocked");
    expect(attempt?.verdict?.overall).toBe("error");
    expect(attempt?.verdict?.blocking).toBe(true);
    const logDir = join(statePaths(sandbox.stateDir).logsDir, `issue-${sandbox.issues[0]}`, "a1");
    expect(readdirSync(logDir)).toContain("critic-raw-output.txt");
    expect(readFileSync(join(logDir, "critic-raw-output.txt"), "utf8")).toContain(
      "LGTM {{{ not json",
    );
  }, 60_000);
});
