/**
 * `forge-loop run`: the engine. One per state directory (the store's writer lock says who
 * holds it). SIGINT/SIGTERM halt now and exit; a second signal exits at once.
 */
import type { Command } from "commander";
import { loadConfig } from "../../engine/config/load.js";
import type { StopReason } from "../../engine/loop/engine.js";
import { startEngine } from "../../engine/start.js";
import { UserError } from "../../shared/errors.js";
import { packageVersion } from "../program.js";

interface RunOptions {
  config: string;
  untilIdle?: boolean;
  maxTicks?: string;
}

export function register(program: Command): void {
  program
    .command("run")
    .description(
      "Run the engine: work the backlog until stopped (SIGINT/SIGTERM halt now and exit)",
    )
    .option("-c, --config <path>", "the config file", "forge-loop.yaml")
    .option("--until-idle", "stop once every ready issue is merged, blocked or left for a human")
    .option("--max-ticks <n>", "stop after this many ticks (overrides scheduling.max_ticks)")
    .action(async (options: RunOptions) => {
      const reason = await runEngine(options);
      process.stderr.write(`forge-loop: engine stopped (${reason})\n`);
      if (reason === "error") process.exitCode = 1;
    });
}

async function runEngine(options: RunOptions): Promise<StopReason> {
  const loaded = await loadConfig(options.config);
  if (options.maxTicks !== undefined) {
    const n = Number(options.maxTicks);
    if (!Number.isInteger(n) || n < 0)
      throw new UserError(`--max-ticks: "${options.maxTicks}" is not a whole number ≥ 0`);
    loaded.config.scheduling.max_ticks = n;
  }
  const started = startEngine(loaded, { version: packageVersion() });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      process.stderr.write(`forge-loop: second ${signal}: exiting now\n`);
      process.exit(130);
    }
    process.stderr.write(
      `forge-loop: ${signal}: halting now (stopping workers); send it again to exit at once\n`,
    );
    started.engine.stop("signal");
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await started.engine.run({ untilIdle: options.untilIdle === true });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    started.close();
  }
}
