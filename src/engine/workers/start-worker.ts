import type { WorkerAdapter } from "./adapter.js";
import { claudeCodeAdapter } from "./adapters/claude-code.js";
import { codexAdapter } from "./adapters/codex.js";
import { commandAdapter } from "./adapters/command.js";
import { supervise } from "./supervisor.js";
import type { AdapterName, StartWorkerInput, WorkerHandle } from "./types.js";

const adapters: Record<AdapterName, WorkerAdapter> = {
  "claude-code": claudeCodeAdapter,
  codex: codexAdapter,
  command: commandAdapter,
};

/**
 * Starts a worker for `input.spec.adapter`. Never throws: a worker that cannot start
 * settles `done` with outcome `error` and a message saying what to fix.
 */
export function startWorker(input: StartWorkerInput): WorkerHandle {
  return supervise(input, adapters[input.spec.adapter]);
}
