/**
 * `forge-loop replay [--verify] [--task issue:N] [--to SEQ] [--rebuild] [--dir D | --db P]`:
 * history from the durable log, read-only (ours or a Python forge-loop's).
 * - `--task`: one task's timeline (ticks, dispatches, gates, terminal status, PR).
 * - `--to`: the loop as it stood after event SEQ (the scrubber's state, as text).
 * - `--verify`: the projection tables and snapshots against a fresh fold (exit 1 on a mismatch).
 * - `--rebuild`: refold the tables and snapshots from the log (not while the engine runs).
 * With none of them it prints the state at the head.
 */
import type { Command } from "commander";
import { addStoreOptions, type StoreOptions } from "../store-options.js";

export interface ReplayOptions extends StoreOptions {
  verify?: boolean;
  task?: string;
  to?: string;
  rebuild?: boolean;
}

export function register(program: Command): void {
  addStoreOptions(
    program
      .command("replay")
      .description(
        "Replay the durable log: a task's timeline, the state at a sequence, or a check of the projections",
      )
      .option(
        "--verify",
        "compare the projection tables and snapshots with a fresh fold (exit 1 on a mismatch)",
      )
      .option("--task <task>", "print one task's timeline: issue:42, #42 or 42")
      .option("--to <seq>", "print the state after event <seq>")
      .option(
        "--rebuild",
        "refold the projection tables and snapshots from the log (engine stopped)",
      ),
  ).action(async (options: ReplayOptions) => {
    const { runReplay } = await import("../actions/replay.js");
    runReplay(options);
  });
}
