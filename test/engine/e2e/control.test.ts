/**
 * Operator commands against a running engine process, through the real CLI: halt is
 * applied within 500 ms while a worker runs, halt --now leaves no worker alive, resume,
 * kill and retry do what ENGINE.md says, and SIGTERM halts now and exits.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import type { StoredEvent } from "../../../src/store/contract/envelope.js";
import { statePaths } from "../../../src/store/paths.js";
import {
  distCli,
  type EngineSandbox,
  exited,
  makeSandbox,
  spawnEngine,
  waitForEvent,
} from "../../support/engine-sandbox.js";

const run = promisify(execFile);
let engines: ReturnType<typeof spawnEngine>[] = [];

afterEach(async () => {
  for (const engine of engines) engine.kill("SIGKILL");
  engines = [];
});

async function cli(sandbox: EngineSandbox, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [distCli, ...args, "--dir", sandbox.stateDir], {
    cwd: sandbox.projectDir,
  });
  return stdout;
}

function answerTo(request: StoredEvent) {
  return (e: StoredEvent) =>
    e.kind === "control.applied" && e.payload.request_id === request.payload.request_id;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function workerPid(sandbox: EngineSandbox, issue: number, attempt: number): number | undefined {
  const file = join(
    statePaths(sandbox.stateDir).logsDir,
    `issue-${issue}`,
    `a${attempt}`,
    "worker",
    "worker.pid",
  );
  return existsSync(file) ? Number(readFileSync(file, "utf8")) : undefined;
}

async function waitUntil(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (predicate()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return predicate();
}

describe("operator commands", () => {
  it("halts within 500 ms while a worker runs, halts now with no worker left, resumes, and stops on SIGTERM", async () => {
    const sandbox = await makeSandbox(["clean"], { FORGE_LOOP_DEMO_STEP_MS: "400" });
    const issue = sandbox.issues[0] as number;
    const engine = spawnEngine(sandbox, [], { FORGE_LOOP_DEMO_STEP_MS: "400" });
    engines.push(engine);
    await waitForEvent(sandbox, (e) => e.kind === "task.dispatched");

    expect(await cli(sandbox, "halt", "--reason", "lunch")).toMatch(/^halt applied/);
    const halt = await waitForEvent(
      sandbox,
      (e) => e.kind === "control.requested" && e.payload.command === "halt",
    );
    const applied = await waitForEvent(sandbox, answerTo(halt));
    expect(Date.parse(applied.occurredAt) - Date.parse(halt.occurredAt)).toBeLessThan(500);
    expect((await waitForEvent(sandbox, (e) => e.kind === "loop.halted")).payload).toMatchObject({
      reason: "lunch",
      by: "operator",
      mode: "drain",
    });

    const pid = workerPid(sandbox, issue, 1);
    expect(pid).toBeDefined();
    expect(await cli(sandbox, "halt", "--now")).toMatch(/^halt applied: halted now/);
    expect(await waitUntil(() => !alive(pid as number), 12_000)).toBe(true);
    await waitForEvent(sandbox, (e) => e.kind === "task.compensated" && e.payload.issue === issue);

    expect(await cli(sandbox, "resume")).toMatch(/^resume applied/);
    await waitForEvent(sandbox, (e) => e.kind === "task.dispatched" && e.payload.attempt === 2);
    engine.kill("SIGTERM");
    expect(await exited(engine)).toBe(0);
    const stopped = await waitForEvent(sandbox, (e) => e.kind === "loop.stopped");
    expect(stopped.payload.reason).toBe("signal");
    const pid2 = workerPid(sandbox, issue, 2);
    expect(pid2 === undefined || !alive(pid2)).toBe(true);
  }, 90_000);

  it("kills one issue's worker (the attempt fails as killed) and retries it at once on request", async () => {
    const sandbox = await makeSandbox(["clean"], {
      FORGE_LOOP_DEMO_STEP_MS: "400",
      FORGE_LOOP_SCHEDULING_COOLDOWN_S: "3600",
    });
    const issue = sandbox.issues[0] as number;
    const engine = spawnEngine(sandbox, [], {
      FORGE_LOOP_DEMO_STEP_MS: "400",
      FORGE_LOOP_SCHEDULING_COOLDOWN_S: "3600",
    });
    engines.push(engine);
    await waitForEvent(sandbox, (e) => e.kind === "task.dispatched");
    expect(await cli(sandbox, "kill", String(issue))).toMatch(/^kill applied/);
    const failed = await waitForEvent(sandbox, (e) => e.kind === "task.failed");
    expect(failed.payload).toMatchObject({ issue, attempt: 1, reason: "killed" });
    // In cooldown for an hour, but the operator asks for it now.
    await waitForEvent(
      sandbox,
      (e) => e.kind === "task.skipped" && e.payload.reason === "cooldown",
    );
    expect(await cli(sandbox, "retry", String(issue))).toMatch(/^retry applied/);
    await waitForEvent(sandbox, (e) => e.kind === "pr.merged", 60_000);
    await expect(cli(sandbox, "kill", "999")).rejects.toMatchObject({
      stdout: expect.stringMatching(/rejected: no attempt is running for #999/),
    });
  }, 90_000);
});
