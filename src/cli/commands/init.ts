/**
 * `forge-loop init`: writes a commented default `forge-loop.yaml` (never over an existing
 * one without --force) and, with --create-labels, asks the configured tracker to set up
 * the loop's labels.
 */
import type { Command } from "commander";
import type { CommandIo } from "./issue.js";

export interface InitOptions {
  repo: string;
  tracker: string;
  platform?: string;
  config: string;
  force?: boolean;
  createLabels?: boolean;
}

/**
 * The engine's default config file (`CONFIG_FILE` of engine/config/load.ts, which loads the
 * config schema: too much to load for defining a command).
 */
export const CONFIG_FILE = "forge-loop.yaml";

const processIo: Pick<CommandIo, "out"> = { out: (text) => process.stdout.write(text) };

export function register(program: Command, io: Pick<CommandIo, "out"> = processIo): void {
  program
    .command("init")
    .description("Write a commented forge-loop.yaml with every default.")
    .option("--repo <repo>", "the repository: a path or owner/name", ".")
    .option("--tracker <kind>", "where issues come from: local or github", "local")
    .option(
      "--platform <kind>",
      "where pull requests live: local or github (default: as --tracker)",
    )
    .option("--config <file>", "where to write the config", CONFIG_FILE)
    .option("--force", "overwrite an existing config")
    .option("--create-labels", "create the loop's labels in the tracker")
    .action(async (opts: InitOptions) => {
      const { runInit } = await import("../actions/init.js");
      await runInit(opts, io);
    });
}
