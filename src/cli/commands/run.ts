/**
 * `forge-loop run`: the engine. One per state directory (the store's writer lock says who
 * holds it). SIGINT/SIGTERM halt now and exit; a second signal exits at once.
 */
import type { Command } from "commander";

export interface RunOptions {
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
      const { runEngine } = await import("../actions/run.js");
      const reason = await runEngine(options);
      process.stderr.write(`forge-loop: engine stopped (${reason})\n`);
      if (reason === "error") process.exitCode = 1;
    });
}
