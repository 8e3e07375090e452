/**
 * `forge-loop doctor [--dir <state dir> | --db <events.db> | --config <forge-loop.yaml>] [--json]`:
 * checks a log read-only (ours or a Python forge-loop's) and exits 1 when any check fails.
 * With --config it checks the state directory that config names (an engine that has not
 * run yet has no log: that is skipped, not failed) and, when its tracker or platform is
 * github, the token, its access to the repository and a dry-run push.
 */
import { type Command, Option } from "commander";
import { DEFAULT_STATE_DIR } from "../../store/paths.js";

export interface DoctorOptions {
  dir?: string;
  db?: string;
  config?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command("doctor")
    .description(
      "Check a state directory's event log (chain, projections, engine lock, queue) and, with --config, GitHub access",
    )
    .addOption(
      new Option("--dir <state dir>", "state directory")
        .default(DEFAULT_STATE_DIR)
        .conflicts(["db", "config"]),
    )
    .addOption(
      new Option("--db <path>", "an events.db to check (also a Python forge-loop one)").conflicts(
        "config",
      ),
    )
    .addOption(
      new Option(
        "--config <file>",
        "a forge-loop.yaml: its state directory, and GitHub when it uses it",
      ),
    )
    .option("--json", "print the report as JSON")
    .action(async (options: DoctorOptions) => {
      const { runDoctorCommand } = await import("../actions/doctor.js");
      await runDoctorCommand(options);
    });
}
