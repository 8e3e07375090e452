/**
 * `forge-loop mirror <file> [--follow] [--dir <state dir> | --db <events.db>]`: translates
 * a Python forge-loop runner's JSONL into our event log (EVENTS.md "The legacy mirror"), so
 * a Python deployment can be watched (`forge-loop tui`) and replayed here.
 *
 * The mirror writes loop events, so it takes the engine's writer lock: it refuses to run
 * beside an engine (or another mirror) on the same state directory.
 */
import { type Command, Option } from "commander";
import { DEFAULT_STATE_DIR } from "../../store/paths.js";

export interface MirrorOptions {
  follow?: boolean;
  dir?: string;
  db?: string;
}

export function register(program: Command): void {
  program
    .command("mirror")
    .description(
      "Mirror a Python forge-loop runner's JSONL into the event log, to watch and replay it",
    )
    .argument("<file>", "the runner's events file, e.g. docs/ops/loop-runner-events.jsonl")
    .option("--follow", "keep mirroring what is appended (and rotated in) until interrupted")
    .addOption(
      new Option("--dir <state dir>", "state directory").default(DEFAULT_STATE_DIR).conflicts("db"),
    )
    .addOption(new Option("--db <path>", "the events.db to write (created when missing)"))
    .action(async (file: string, options: MirrorOptions) => {
      const { runMirror } = await import("../actions/mirror.js");
      await runMirror(file, options);
    });
}
