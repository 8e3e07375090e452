/**
 * Wires an engine from a loaded config: the store (writer), the queue in the same
 * database, the operator stream, the tracker and platform, the briefs. The CLI's `run`,
 * the demo and the end-to-end tests all start engines this way.
 */
import { randomBytes } from "node:crypto";
import { basename } from "node:path";
import { statePaths } from "../store/paths.js";
import { JsonlWriter } from "../store/jsonl/writer.js";
import { SqliteQueue } from "../store/queue/sqlite-queue.js";
import { openStore } from "../store/store.js";
import { type Clock, systemClock } from "../shared/clock.js";
import { UserError } from "../shared/errors.js";
import { loadBriefTemplate } from "./briefs/render.js";
import type { LoadedConfig } from "./config/load.js";
import { Emitter } from "./emit/emitter.js";
import { openLocalForge } from "./forge/local/local-forge.js";
import type { Platform, Tracker } from "./forge/types.js";
import { Engine } from "./loop/engine.js";
import { Runtime } from "./loop/runtime.js";
import { startWorker } from "./workers/start-worker.js";

/** Queue claims after which an item that keeps crashing the engine is dead-lettered. */
const QUEUE_MAX_CLAIMS = 5;

export interface StartedEngine {
  engine: Engine;
  close(): void;
}

export interface StartOptions {
  version: string;
  clock?: Clock;
  report?: (message: string) => void;
  /** Remote services other than the embedded local forge (GitHub) are built by the caller. */
  forge?: { tracker: Tracker; platform: Platform; close(): void };
}

export function startEngine(loaded: LoadedConfig, options: StartOptions): StartedEngine {
  const { config, repoDir } = loaded;
  const clock = options.clock ?? systemClock;
  const report = options.report ?? ((m: string) => process.stderr.write(`${m}\n`));
  const paths = statePaths(config.paths.state_dir);
  const forge = options.forge ?? localForge(loaded, paths.localForgeDb, clock);
  const store = openStore(paths.eventsDb, { mode: "writer", clock });
  const stream = new JsonlWriter(paths.eventsJsonl, { clock });
  let engine: Engine | undefined;
  const emitter = new Emitter(store.log, stream, clock, () => engine?.refresh(), report);
  engine = new Engine(
    {
      config,
      repoDir,
      paths,
      emitter,
      queue: new SqliteQueue(store.db, clock, { maxAttempts: QUEUE_MAX_CLAIMS }),
      tracker: forge.tracker,
      platform: forge.platform,
      clock,
      runtime: new Runtime(),
      startWorker,
      briefs: { worker: loadBriefTemplate("worker", paths.briefsDir), critic: loadBriefTemplate("critic", paths.briefsDir) },
      report,
    },
    store,
    {
      runnerId: randomBytes(8).toString("hex"),
      version: options.version,
      configDigest: loaded.digest,
      repo: loaded.repoSlug ?? basename(repoDir),
    },
  );
  return {
    engine,
    close() {
      stream.close();
      store.close();
      forge.close();
    },
  };
}

function localForge(loaded: LoadedConfig, dbPath: string, clock: Clock) {
  const { config, repoDir } = loaded;
  if (config.tracker !== "local" || config.platform !== "local") {
    throw new UserError(
      `tracker: ${config.tracker}, platform: ${config.platform} is not available in this build`,
      "Use tracker: local and platform: local.",
    );
  }
  return openLocalForge(dbPath, {
    repoDir,
    remote: config.remote,
    base: config.base_branch,
    checks: config.checks,
    checkTimeoutMs: config.checks_timeout_s * 1000,
    clock,
  });
}
