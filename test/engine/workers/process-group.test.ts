import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import {
  groupAlive,
  signalGroup,
  terminateGroup,
} from "../../../src/engine/workers/process-group.js";
import { isRunning } from "../../support/workers.js";

/** A detached shell (its own group) that starts two background sleepers and reports their pids. */
async function spawnGroup(trapTerm: boolean): Promise<{ leader: number; members: number[] }> {
  const trap = trapTerm ? "trap '' TERM;" : "";
  const script = `${trap} sleep 300 & echo $!; sleep 300 & echo $!; wait`;
  const child = spawn("sh", ["-c", script], {
    detached: true,
    stdio: ["ignore", "pipe", "ignore"],
  });
  const pids: number[] = [];
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) =>
    pids.push(...chunk.split("\n").filter(Boolean).map(Number)),
  );
  while (pids.length < 2) await once(child.stdout, "data");
  child.unref();
  return { leader: child.pid as number, members: pids };
}

describe("process groups", () => {
  it("reports a group that does not exist as gone, and signalling it is harmless", () => {
    expect(groupAlive(2 ** 22 - 7)).toBe(false);
    expect(() => signalGroup(2 ** 22 - 7, "SIGTERM")).not.toThrow();
  });

  it("terminates a whole group with SIGTERM", async () => {
    const { leader, members } = await spawnGroup(false);
    expect(groupAlive(leader)).toBe(true);
    await terminateGroup(leader, 5_000);
    expect(groupAlive(leader)).toBe(false);
    for (const pid of [leader, ...members]) expect(isRunning(pid)).toBe(false);
  });

  it("escalates to SIGKILL when the group ignores SIGTERM", async () => {
    const { leader, members } = await spawnGroup(true);
    const started = performance.now();
    await terminateGroup(leader, 300);
    expect(performance.now() - started).toBeGreaterThanOrEqual(250); // it waited out the grace
    for (const pid of [leader, ...members]) expect(isRunning(pid)).toBe(false);
  });
});
