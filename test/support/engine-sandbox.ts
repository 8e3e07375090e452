/**
 * End-to-end engine runs in a real sandbox: a git project with tests and a bare origin,
 * the local forge seeded with demo scenarios, and the compiled demo agent (a real
 * process speaking Claude Code's stream-json) as worker and critic. `npm test` builds
 * `dist/` before the suite runs.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LoadedConfig, loadConfig } from "../../src/engine/config/load.js";
import { buildSandbox, type Sandbox } from "../../src/engine/demo/sandbox.js";
import type { ScenarioName } from "../../src/engine/demo/scenarios.js";
import { seedDemoIssues } from "../../src/engine/demo/seed.js";
import { type StartedEngine, startEngine } from "../../src/engine/start.js";
import type { StoredEvent } from "../../src/store/contract/envelope.js";
import { statePaths } from "../../src/store/paths.js";
import type { LoopState } from "../../src/store/projections/types.js";
import { openStore } from "../../src/store/store.js";

export const repoRoot = new URL("../../", import.meta.url).pathname;
export const distCli = join(repoRoot, "dist/cli.js");
export const distAgent = join(repoRoot, "dist/engine/demo/agent.js");

export function requireDist(): void {
  if (!existsSync(distAgent) || !existsSync(distCli)) {
    throw new Error(
      `the compiled CLI is missing (${distCli}): run \`npm run build\` first (npm test does)`,
    );
  }
}

/** Fast settings for tests: tiny agent steps, short cooldowns and stall timeouts. */
export const fastEnv: Record<string, string> = {
  FORGE_LOOP_DEMO_STEP_MS: "10",
  FORGE_LOOP_SCHEDULING_TICK_INTERVAL_S: "0.2",
  FORGE_LOOP_SCHEDULING_COOLDOWN_S: "0",
  FORGE_LOOP_WORKER_STALL_TIMEOUT_S: "2",
  FORGE_LOOP_HEARTBEAT_INTERVAL_S: "1",
};

export interface EngineSandbox extends Sandbox {
  loaded: LoadedConfig;
  stateDir: string;
  issues: number[];
}

export async function makeSandbox(
  scenarios: readonly ScenarioName[],
  env: Record<string, string> = {},
  patchConfig: (yaml: string) => string = (yaml) => yaml,
): Promise<EngineSandbox> {
  requireDist();
  const dir = mkdtempSync(join(tmpdir(), "forge-e2e-"));
  const sandbox = buildSandbox(dir, [process.execPath, distAgent]);
  writeFileSync(sandbox.configPath, patchConfig(readFileSync(sandbox.configPath, "utf8")));
  const loaded = await loadConfig(sandbox.configPath, { ...process.env, ...fastEnv, ...env });
  const stateDir = loaded.config.paths.state_dir;
  const issues = await seedDemoIssues(
    statePaths(stateDir).localForgeDb,
    loaded.repoDir,
    loaded.config,
    scenarios,
  );
  return { ...sandbox, loaded, stateDir, issues };
}

/** Starts an in-process engine; the agent's step delay reaches it through the env allow-list. */
export function engineFor(
  sandbox: EngineSandbox,
  report: (m: string) => void = () => {},
): StartedEngine {
  process.env.FORGE_LOOP_DEMO_STEP_MS ??= fastEnv.FORGE_LOOP_DEMO_STEP_MS;
  return startEngine(sandbox.loaded, { version: "test", report });
}

export async function runUntilIdle(
  sandbox: EngineSandbox,
): Promise<{ reason: string; state: LoopState }> {
  const started = engineFor(sandbox);
  try {
    const reason = await started.engine.run({ untilIdle: true });
    return { reason, state: readState(sandbox) };
  } finally {
    started.close();
  }
}

export function readState(sandbox: EngineSandbox): LoopState {
  const store = openStore(statePaths(sandbox.stateDir).eventsDb, { mode: "readonly" });
  try {
    return store.readState();
  } finally {
    store.close();
  }
}

/** Runs `forge-loop run` as a real child process on the sandbox. */
export function spawnEngine(
  sandbox: EngineSandbox,
  args: string[] = [],
  env: Record<string, string> = {},
) {
  return spawn(process.execPath, [distCli, "run", "--config", sandbox.configPath, ...args], {
    cwd: sandbox.projectDir,
    env: { ...process.env, ...fastEnv, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Polls the log (read-only) until an event matches, or fails after `timeoutMs`. */
export async function waitForEvent(
  sandbox: EngineSandbox,
  match: (e: StoredEvent) => boolean,
  timeoutMs = 30_000,
): Promise<StoredEvent> {
  const path = statePaths(sandbox.stateDir).eventsDb;
  const deadline = Date.now() + timeoutMs;
  let after = 0;
  while (Date.now() < deadline) {
    const store = tryOpen(path);
    if (store) {
      try {
        for (const event of store.log.since(after, 10_000)) {
          after = event.sequence;
          if (match(event)) return event;
        }
      } finally {
        store.close();
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no matching event within ${timeoutMs} ms`);
}

/** The engine creates the file a moment before its schema: until then, nothing to read. */
function tryOpen(path: string) {
  if (!existsSync(path)) return undefined;
  try {
    return openStore(path, { mode: "readonly" });
  } catch {
    return undefined;
  }
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}
