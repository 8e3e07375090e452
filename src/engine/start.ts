/**
 * Wires an engine from a loaded config: the store (writer), the queue in the same
 * database, the operator stream, the tracker and platform, the briefs. The CLI's `run`,
 * the demo and the end-to-end tests all start engines this way.
 */
import { randomBytes } from "node:crypto";
import { basename } from "node:path";
import { type Clock, systemClock } from "../shared/clock.js";
import { JsonlWriter } from "../store/jsonl/writer.js";
import { statePaths } from "../store/paths.js";
import { SqliteQueue } from "../store/queue/sqlite-queue.js";
import { openStore } from "../store/store.js";
import { loadBriefTemplate } from "./briefs/render.js";
import type { LoadedConfig } from "./config/load.js";
import { Emitter } from "./emit/emitter.js";
import { type Forge, openForge } from "./forge/open.js";
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
  /** A tracker and platform built by the caller; default: the ones the config names. */
  forge?: Forge;
  /** Where a GitHub token is looked up (default: this process's environment). */
  env?: NodeJS.ProcessEnv;
}

export function startEngine(loaded: LoadedConfig, options: StartOptions): StartedEngine {
  const { config, repoDir } = loaded;
  const clock = options.clock ?? systemClock;
  const report = options.report ?? ((m: string) => process.stderr.write(`${m}\n`));
  const paths = statePaths(config.paths.state_dir);
  let emitter: Emitter | undefined;
  const runtime = new Runtime();
  const forge =
    options.forge ??
    openForge(loaded, {
      clock,
      ...(options.env ? { env: options.env } : {}),
      // A rate-limit or server-error wait is not tied to one attempt (the client is shared
      // by all of them), so it is a stream-only record of its own kind rather than a
      // `worker.observation`, whose contract needs an issue and an attempt. It has the
      // same `what`/`summary` shape, so the feed shows it like one.
      onWait: (message, ms) =>
        emitter?.observe("forge.wait", {
          what: "retry_wait",
          summary: message,
          wait_ms: ms,
          service: "github",
        }),
      waits: { sleep: runtime.forgeWaits.sleep },
    });
  const store = openStore(paths.eventsDb, { mode: "writer", clock, checkpoints: "caller" });
  const stream = new JsonlWriter(paths.eventsJsonl, { clock });
  let engine: Engine | undefined;
  emitter = new Emitter(store.log, stream, clock, () => engine?.refresh(), report);
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
      runtime,
      startWorker,
      briefs: {
        worker: loadBriefTemplate("worker", paths.briefsDir),
        critic: loadBriefTemplate("critic", paths.briefsDir),
      },
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
