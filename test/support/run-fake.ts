/**
 * Starts a real worker process (a fake agent) through `startWorker`, the way the engine
 * does, and collects what the engine would see.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startWorker } from "../../src/engine/workers/start-worker.js";
import type {
  AdapterName,
  WorkerHandle,
  WorkerProgress,
  WorkerResult,
  WorkerSpec,
} from "../../src/engine/workers/types.js";
import { fakeSpec, initRepo, progressLog, type Step, writeScenario } from "./workers.js";

export interface FakeRunOptions {
  /** A built-in scenario (FAKE_AGENT_SCENARIO) … */
  scenario?: string;
  /** … or these steps (FAKE_AGENT_SCRIPT). */
  steps?: Step[];
  spec?: Partial<WorkerSpec>;
  env?: Record<string, string>;
  brief?: string;
  onProgress?: (progress: WorkerProgress) => void;
}

export interface FakeRun {
  handle: WorkerHandle;
  progress: WorkerProgress[];
  cwd: string;
  logDir: string;
  recordPath: string;
}

export function startFake(
  tempDir: () => string,
  adapter: AdapterName,
  options: FakeRunOptions = {},
): FakeRun {
  const cwd = initRepo(tempDir());
  const logDir = join(tempDir(), "logs", "issue-1", "a1");
  const recordPath = join(tempDir(), "record.json");
  const env: Record<string, string> = { FAKE_AGENT_RECORD: recordPath, ...options.env };
  if (options.scenario) env.FAKE_AGENT_SCENARIO = options.scenario;
  if (options.steps) env.FAKE_AGENT_SCRIPT = writeScenario(tempDir(), options.steps);
  const log = progressLog();
  const handle = startWorker({
    spec: fakeSpec(adapter, { env, ...options.spec }),
    brief: options.brief ?? "Fix issue #1: make the greeting friendlier.",
    cwd,
    logDir,
    onProgress: (p) => {
      log.onProgress(p);
      options.onProgress?.(p);
    },
  });
  return { handle, progress: log.items, cwd, logDir, recordPath };
}

export async function runFake(
  tempDir: () => string,
  adapter: AdapterName,
  options: FakeRunOptions = {},
): Promise<FakeRun & { result: WorkerResult }> {
  const run = startFake(tempDir, adapter, options);
  return { ...run, result: await run.handle.done };
}

/** The transcript's lines. */
export function transcriptLines(result: WorkerResult): string[] {
  return readFileSync(result.transcriptPath, "utf8").split("\n").slice(0, -1);
}

/** The heartbeat counters the engine derives from progress. */
export function heartbeat(progress: WorkerProgress[]) {
  let turns = 0;
  let toolUses = 0;
  let lastTool: string | undefined;
  let costUsd: number | undefined;
  let tokens: number | undefined;
  for (const p of progress) {
    if (p.type === "turn") turns += 1;
    if (p.type === "tool_started") {
      toolUses += 1;
      lastTool = p.name;
    }
    if (p.type === "usage") {
      costUsd = p.costUsd ?? costUsd;
      tokens = p.tokens ?? tokens;
    }
  }
  return { turns, toolUses, lastTool, costUsd, tokens };
}

export function observations(progress: WorkerProgress[], what?: string) {
  return progress.filter(
    (p): p is Extract<WorkerProgress, { type: "observation" }> =>
      p.type === "observation" && (what === undefined || p.what === what),
  );
}
