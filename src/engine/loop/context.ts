/**
 * Everything a tick phase or an attempt needs, handed in once by the engine. Real
 * implementations in production, the same ones in tests (with fake remote services).
 */

import type { Clock } from "../../shared/clock.js";
import type { StatePaths } from "../../store/paths.js";
import type { LoopState } from "../../store/projections/types.js";
import type { Queue } from "../../store/queue/queue.js";
import type { BriefTemplate } from "../briefs/render.js";
import type { ResolvedConfig } from "../config/load.js";
import type { Emitter } from "../emit/emitter.js";
import type { Platform, Tracker } from "../forge/types.js";
import type { StartWorkerInput, WorkerHandle } from "../workers/types.js";
import type { Runtime } from "./runtime.js";

export interface EngineContext {
  config: ResolvedConfig;
  repoDir: string;
  paths: StatePaths;
  emitter: Emitter;
  /** The engine's folded view of the log, current after every emit. */
  state(): LoopState;
  queue: Queue;
  tracker: Tracker;
  platform: Platform;
  clock: Clock;
  runtime: Runtime;
  startWorker(input: StartWorkerInput): WorkerHandle;
  briefs: { worker: BriefTemplate; critic: BriefTemplate };
  /** Where diagnostics go (stderr in production). */
  report(message: string): void;
}

/** How an attempt ended, for the tick's outcomes and the drift guard. */
export interface AttemptOutcome {
  issue: number;
  status: "merged" | "completed" | "needs_human" | "failed" | "compensated" | "halted";
  /** Failure signature for the drift guard (failed attempts only). */
  signature?: string;
}
