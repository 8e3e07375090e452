import { readdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * A worker is spawned as the leader of its own process group, so stopping it stops
 * everything it started (test runners, dev servers, shells) with one signal.
 */

/** After SIGKILL, how long to wait for the kernel to take the group down. */
const killWaitMs = 5_000;
const pollMs = 25;

/** Sends `signal` to every process in the group; a group that is already gone is fine. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "ESRCH" && code !== "EPERM") throw err;
  }
}

/**
 * Whether any process of the group is still running. Zombies do not count: an orphaned
 * grandchild that has exited waits for init to reap it, but it runs nothing.
 */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  return process.platform === "linux" ? hasRunningMember(pgid) : true;
}

function hasRunningMember(pgid: number): boolean {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return true;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(entry);
    if (stat && stat.pgrp === pgid && stat.state !== "Z" && stat.state !== "X") return true;
  }
  return false;
}

/** State and process group from `/proc/<pid>/stat` (the name may contain spaces and parens). */
function procStat(pid: string): { state: string; pgrp: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { state: fields[0] ?? "", pgrp: Number(fields[2]) };
}

/** SIGTERM to the group, SIGKILL to whatever is left after `graceMs`; resolves once it is gone. */
export async function terminateGroup(pgid: number, graceMs: number): Promise<void> {
  signalGroup(pgid, "SIGTERM");
  // A stopped process only acts on SIGTERM once it runs again.
  signalGroup(pgid, "SIGCONT");
  if (await waitUntilGone(pgid, graceMs)) return;
  signalGroup(pgid, "SIGKILL");
  await waitUntilGone(pgid, killWaitMs);
}

async function waitUntilGone(pgid: number, withinMs: number): Promise<boolean> {
  const deadline = performance.now() + withinMs;
  while (groupAlive(pgid)) {
    if (performance.now() >= deadline) return false;
    await sleep(pollMs);
  }
  return true;
}
