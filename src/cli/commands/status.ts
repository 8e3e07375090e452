/**
 * `forge-loop status [--json]`: the loop at a glance, read-only: engine alive or not,
 * state, tick, slots, queue depth, every task's status and the last failure.
 */
import type { Command } from "commander";
import { addStoreOptions, type StoreOptions } from "../store-options.js";

export type StatusOptions = StoreOptions & { json?: boolean };

export function register(program: Command): void {
  addStoreOptions(
    program
      .command("status")
      .description("Show the engine, the loop and every task at a glance")
      .option("--json", "print the report as JSON"),
  ).action(async (options: StatusOptions) => {
    const { runStatus } = await import("../actions/status.js");
    runStatus(options);
  });
}
