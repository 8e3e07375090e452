/**
 * `forge-loop events [--follow] [--since SEQ] [--kind K] [--task T] [--json] [--dir D | --db P]`:
 * the durable log, one event per line, read-only (ours or a Python forge-loop's).
 * `--follow` keeps printing new events as they are committed until Ctrl-C.
 */
import type { Command } from "commander";
import { addStoreOptions, type StoreOptions } from "../store-options.js";

export interface EventsOptions extends StoreOptions {
  follow?: boolean;
  since: string;
  kind?: string;
  task?: string;
  json?: boolean;
}

export function register(program: Command): void {
  addStoreOptions(
    program
      .command("events")
      .description("Print the durable event log (ours or a Python forge-loop's), oldest first")
      .option("--follow", "keep printing new events until Ctrl-C")
      .option("--since <seq>", "only events after this sequence", "0")
      .option("--kind <kinds>", "only these kinds: comma-separated, `task.*` for a family")
      .option("--task <task>", "only events about this task: issue:42, #42 or 42")
      .option("--json", "one JSON object per line"),
  ).action(async (options: EventsOptions) => {
    const { runEvents } = await import("../actions/events.js");
    await runEvents(options);
  });
}
