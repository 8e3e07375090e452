/**
 * What `forge-loop run` does (see `commands/run.ts`): loads the config and runs the
 * engine until it stops; SIGINT/SIGTERM halt now, a second one exits.
 */
import { loadConfig } from "../../engine/config/load.js";
import type { StopReason } from "../../engine/loop/engine.js";
import { startEngine } from "../../engine/start.js";
import { UserError } from "../../shared/errors.js";
import type { RunOptions } from "../commands/run.js";
import { packageVersion } from "../program.js";

export async function runEngine(options: RunOptions): Promise<StopReason> {
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
