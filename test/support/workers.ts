/**
 * Helpers for worker tests: the fake agents' paths, specs pointing at them, scenario
 * files, what a fake agent recorded, and whether a process is really still running.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach } from "vitest";
import type { AdapterName, WorkerProgress, WorkerSpec } from "../../src/engine/workers/types.js";

export type FakeAgent = "claude" | "codex" | "command-worker";

export function fakeAgentPath(name: FakeAgent): string {
  return fileURLToPath(new URL(`./fake-agents/${name}`, import.meta.url));
}

/** A fresh temporary directory per call, removed after each test. */
export function tempDirFactory(): (prefix?: string) => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return (prefix = "forge-worker-") => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
}

const defaultAgent: Record<AdapterName, FakeAgent> = {
  "claude-code": "claude",
  codex: "codex",
  command: "command-worker",
};

/** A spec running the fake agent for `adapter`, with generous timeouts unless overridden. */
export function fakeSpec(adapter: AdapterName, overrides: Partial<WorkerSpec> = {}): WorkerSpec {
  return {
    adapter,
    command: [fakeAgentPath(defaultAgent[adapter])],
    args: [],
    stallTimeoutMs: 20_000,
    wallTimeoutMs: 60_000,
    killGraceMs: 2_000,
    envAllow: [],
    ...overrides,
  };
}

export interface Step {
  do: string;
  [key: string]: unknown;
}

/** Writes a scenario file; pass its path as FAKE_AGENT_SCRIPT. */
export function writeScenario(
  dir: string,
  steps: Step[],
  extra: Record<string, unknown> = {},
): string {
  const path = join(dir, `scenario-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify({ steps, ...extra }));
  return path;
}

export interface AgentRecord {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  pid: number;
  prompt?: string;
  stdin?: string;
  briefFile?: string;
  briefFromFile?: string;
}

export function readRecord(path: string): AgentRecord {
  return JSON.parse(readFileSync(path, "utf8")) as AgentRecord;
}

/** Pids of the grandchildren a fake agent started. */
export function recordedChildPids(recordPath: string): number[] {
  return readFileSync(`${recordPath}.pids`, "utf8").split("\n").filter(Boolean).map(Number);
}

/** Running, not merely a zombie waiting to be reaped. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Collects progress as the engine would receive it. */
export function progressLog(): {
  items: WorkerProgress[];
  onProgress: (p: WorkerProgress) => void;
} {
  const items: WorkerProgress[] = [];
  return { items, onProgress: (p) => items.push(p) };
}

/** A git repository with one commit, usable as a worktree. */
export function initRepo(dir: string): string {
  const git = (...args: string[]) =>
    execFileSync(
      "git",
      ["-c", "user.name=Test", "-c", "user.email=test@example.invalid", ...args],
      {
        cwd: dir,
        stdio: "ignore",
      },
    );
  git("init", "-q", "-b", "main");
  writeFileSync(join(dir, "README.md"), "# sandbox\n");
  git("add", "README.md");
  git("commit", "-q", "-m", "initial");
  return dir;
}
