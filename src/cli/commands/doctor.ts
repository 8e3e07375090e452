/**
 * `forge-loop doctor [--dir <state dir> | --db <events.db>] [--json]`: checks a log
 * read-only (ours or a Python forge-loop's) and exits 1 when any check fails.
 */
import { hostname } from "node:os";
import { type Command, Option } from "commander";
import { openEventLog } from "../../store/log/sqlite-event-log.js";
import { DEFAULT_STATE_DIR, statePaths } from "../../store/paths.js";
import { renderReport, runDoctor } from "../doctor/doctor.js";
import { storeChecks } from "../doctor/store-checks.js";

interface DoctorOptions {
  dir?: string;
  db?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command("doctor")
    .description("Check a state directory's event log: chain, projections, engine lock, queue")
    .addOption(
      new Option("--dir <state dir>", "state directory").default(DEFAULT_STATE_DIR).conflicts("db"),
    )
    .addOption(new Option("--db <path>", "an events.db to check (also a Python forge-loop one)"))
    .option("--json", "print the report as JSON")
    .action(async (options: DoctorOptions) => {
      const path = options.db ?? statePaths(options.dir ?? DEFAULT_STATE_DIR).eventsDb;
      const log = openEventLog(path, { mode: "readonly" });
      try {
        const report = await runDoctor({ log, now: Date.now(), host: hostname() }, storeChecks);
        process.stdout.write(
          options.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report),
        );
        if (!report.healthy) process.exitCode = 1;
      } finally {
        log.close();
      }
    });
}
