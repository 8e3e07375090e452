/**
 * `forge-loop demo [--dir D] [--headless]`: builds a sandbox (a small project with tests,
 * a bare origin, seeded issues, the bundled demo agent as worker and critic) and runs the
 * real engine on it. Interactive: the engine in a child process and the TUI in front;
 * `--headless` (or no terminal): runs to the end, prints a summary and exits 0.
 */
import type { Command } from "commander";

export interface DemoOptions {
  dir?: string;
  headless?: boolean;
}

export function register(program: Command): void {
  program
    .command("demo")
    .description(
      "Run the loop on a sandbox project with a bundled demo agent (no network, no API key)",
    )
    .option(
      "--dir <dir>",
      "where to build the sandbox (a new or empty directory; default: a fresh temporary one)",
    )
    .option("--headless", "run to the end without the TUI, print a summary and exit")
    .action(async (options: DemoOptions) => {
      const { runDemo } = await import("../actions/demo.js");
      await runDemo(options);
    });
}
