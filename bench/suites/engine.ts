/**
 * Engine overhead per tick (issue: "200 open issues and instant fake workers, p50/p95 under
 * 100 ms excluding worker and check time"). A real engine on a real sandbox repository
 * and local forge; the worker is `true` (instant, no changes), checks and critic are off.
 * The tick is timed from listing the backlog to the last dispatch (attempts are awaited
 * outside the timing); the baseline is the tracker's own listing of the same backlog.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../src/engine/config/load.js";
import { buildSandbox } from "../../src/engine/demo/sandbox.js";
import { openLocalForge } from "../../src/engine/forge/local/local-forge.js";
import { type FingerprintCache, runTick } from "../../src/engine/loop/tick.js";
import { startEngine } from "../../src/engine/start.js";
import { statePaths } from "../../src/store/paths.js";
import { type BenchFigure, type BenchSuite, msSince, percentile } from "../harness.js";

const ISSUES = 200;
const TICKS = 40;

export const engineSuite: BenchSuite = {
  name: "engine",
  async run(ctx) {
    const dir = join(ctx.tmpDir, "sandbox");
    mkdirSync(dir);
    const sandbox = buildSandbox(dir, ["true"]);
    const env = {
      ...process.env,
      FORGE_LOOP_WORKER_ADAPTER: "command",
      FORGE_LOOP_CRITIC_ENABLED: "false",
      FORGE_LOOP_SCHEDULING_COOLDOWN_S: "0",
      FORGE_LOOP_SCHEDULING_MAX_ATTEMPTS: "1000",
    };
    const loaded = await loadConfig(sandbox.configPath, env);
    loaded.config.checks = [];
    const forgeDb = statePaths(loaded.config.paths.state_dir).localForgeDb;
    const forge = openLocalForge(forgeDb, {
      repoDir: loaded.repoDir,
      remote: loaded.config.remote,
      base: "main",
      checks: [],
      checkTimeoutMs: 1000,
    });
    for (let i = 1; i <= ISSUES; i++) {
      await forge.tracker.create({
        title: `Backlog item ${i}: tidy module ${i % 17}`,
        body: `Details for ${i}.\n`.repeat(20),
        labels: ["loop:ready", `priority:p${i % 4}`],
      });
    }
    const started = startEngine(loaded, { version: "bench", report: () => {} });
    const engineCtx = started.engine.context();
    const cache: FingerprintCache = new Map();
    const tickMs: number[] = [];
    const listMs: number[] = [];
    try {
      for (let tick = 1; tick <= TICKS; tick++) {
        const listStart = process.hrtime.bigint();
        await forge.tracker.listOpenWithLabel("loop:ready");
        listMs.push(msSince(listStart));
        const start = process.hrtime.bigint();
        const result = await runTick(engineCtx, tick, cache);
        tickMs.push(msSince(start));
        await Promise.all(result.attempts);
      }
    } finally {
      started.close();
      forge.close();
    }
    ctx.log(`${TICKS} ticks over ${ISSUES} open issues`);
    const steady = tickMs.slice(1);
    const p50 = percentile(steady, 50);
    const p95 = percentile(steady, 95);
    const base = percentile(listMs, 50);
    const figures: BenchFigure[] = [
      {
        name: `engine tick overhead p50 (${ISSUES} open issues)`,
        value: p50,
        unit: "ms",
        baseline: { name: "tracker listing alone, p50", value: base, unit: "ms" },
        ratio: p50 / base,
        target: { op: "<", value: 100, unit: "ms" },
      },
      {
        name: `engine tick overhead p95 (${ISSUES} open issues)`,
        value: p95,
        unit: "ms",
        target: { op: "<", value: 100, unit: "ms" },
      },
      {
        name: "engine first tick (fingerprints all issues)",
        value: tickMs[0] ?? Number.NaN,
        unit: "ms",
        notes: "reads every issue's comments once; later ticks reuse unchanged fingerprints",
      },
    ];
    return figures;
  },
};
