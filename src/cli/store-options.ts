/**
 * The `--dir <state dir>` / `--db <events.db>` pair every store-reading command takes.
 */
import { type Command, Option } from "commander";
import { DEFAULT_STATE_DIR, statePaths } from "../store/paths.js";

export interface StoreOptions {
  dir?: string;
  db?: string;
}

export function addStoreOptions(command: Command): Command {
  return command
    .addOption(
      new Option("--dir <state dir>", "state directory").default(DEFAULT_STATE_DIR).conflicts("db"),
    )
    .addOption(
      new Option("--db <path>", "an events.db (ours, or a Python forge-loop one read-only)"),
    );
}

export function eventsDbPath(options: StoreOptions): string {
  return options.db ?? statePaths(options.dir ?? DEFAULT_STATE_DIR).eventsDb;
}
