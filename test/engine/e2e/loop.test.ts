/**
 * The loop's own rules, end to end: max_ticks stops the engine once the last tick's work
 * is done, the drift guard halts a loop whose every attempt fails the same way three
 * ticks running, and `status` reports what the log says.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import {
  distCli,
  engineFor,
  exited,
  makeSandbox,
  readState,
  spawnEngine,
  waitForEvent,
} from "../../support/engine-sandbox.js";

const run = promisify(execFile);
const failingCheck = (yaml: string) =>
  yaml.replace(
    '  - ["node", "--test"]',
    '  - ["node", "-e", "console.error(\'lint failed at 12:3\'); process.exit(1)"]',
  );

describe("the loop", () => {
  it("stops after max_ticks once the attempts that tick started are finished", async () => {
    const sandbox = await makeSandbox(["clean", "checks-retry"], {
      FORGE_LOOP_SCHEDULING_PARALLEL: "1",
    });
    const engine = spawnEngine(sandbox, ["--max-ticks", "1"], {
      FORGE_LOOP_SCHEDULING_PARALLEL: "1",
    });
    expect(await exited(engine)).toBe(0);
    const state = readState(sandbox);
    expect(state.loop.get("loop")?.status).toBe("stopped");
    expect(state.loop.get("loop")?.haltReason).toMatch(/max_ticks/);
    expect([...state.ticks.values()].map((t) => t.tick)).toEqual([1]);
    // One slot, one tick: exactly one attempt ran (and finished) before the engine stopped.
    const attempts = [...state.tasks.values()].flatMap((t) => t.attempts);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]?.outcome).not.toBe("running");
  }, 60_000);

  it("halts itself when three ticks in a row fail every attempt the same way", async () => {
    const sandbox = await makeSandbox(
      ["clean"],
      { FORGE_LOOP_SCHEDULING_MAX_ATTEMPTS: "10", FORGE_LOOP_CRITIC_ENABLED: "false" },
      failingCheck,
    );
    const started = engineFor(sandbox);
    const running = started.engine.run();
    try {
      const halted = await waitForEvent(sandbox, (e) => e.kind === "loop.halted", 60_000);
      expect(halted.payload).toMatchObject({ reason: "drift", by: "engine", mode: "drain" });
      expect(String(halted.payload.detail)).toContain("checks_failed");
      // Halted: no fourth attempt starts.
      await new Promise((r) => setTimeout(r, 1500));
      const task = readState(sandbox).tasks.get(String(sandbox.issues[0]));
      expect(task?.attempts.map((a) => a.reason)).toEqual([
        "checks_failed",
        "checks_failed",
        "checks_failed",
      ]);
    } finally {
      started.engine.stop("signal");
      await running;
      started.close();
    }
  }, 90_000);

  it("reports the engine, the loop and every task with `status`", async () => {
    const sandbox = await makeSandbox(["clean"]);
    const engine = spawnEngine(sandbox, ["--until-idle"]);
    expect(await exited(engine)).toBe(0);
    const { stdout } = await run(process.execPath, [distCli, "status", "--dir", sandbox.stateDir]);
    expect(stdout).toMatch(/^textkit: no engine running \(last seen \d+s ago, pid \d+ on .+\)/);
    expect(stdout).toMatch(/#1\s+merged\s+a1\s+Add slugify/);
    const json = JSON.parse(
      (await run(process.execPath, [distCli, "status", "--json", "--dir", sandbox.stateDir]))
        .stdout,
    );
    expect(json.engine.alive).toBe(false);
    expect(json.queue).toEqual({ ready: 0, delayed: 0, inFlight: 0, dead: 0 });
    expect(json.tasks[0]).toMatchObject({ issue: 1, status: "merged", attempt: 1, pr: 1 });
  }, 60_000);

  it("runs the demo headless from the command line and prints the summary", async () => {
    const { stdout, stderr } = await run(process.execPath, [distCli, "demo", "--headless"], {
      env: {
        ...process.env,
        FORGE_LOOP_DEMO_STEP_MS: "10",
        FORGE_LOOP_SCHEDULING_COOLDOWN_S: "0",
        FORGE_LOOP_WORKER_STALL_TIMEOUT_S: "2",
      },
      maxBuffer: 10 * 1024 * 1024,
    });
    const output = `stdout:\n${stdout}\nstderr:\n${stderr}`;
    expect(stdout, output).toContain("engine stopped: backlog done");
    expect(stdout.match(/ merged /g), output).toHaveLength(5);
    expect(stdout, output).toMatch(/Rewrite the configuration loader\s+needs_human/);
    // Each scripted failure shows on its issue's row, and nothing else failed: an unplanned
    // failure is a bug (a git race once failed an attempt here; stderr says what it was).
    for (const [title, reason] of [
      ["Add wordCount", "checks_failed"],
      ["Add titleCase", "critic_blocked"],
      ["Add truncate", "stale"],
      ["Add reverseWords", "worker_error"],
    ]) {
      expect(stdout, output).toMatch(new RegExp(`${title}.* merged +2 .* ${reason}\n`));
    }
    expect(stdout, output).toContain("merged 5, failed attempts 4,");
  }, 120_000);
});
