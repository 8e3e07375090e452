/**
 * `forge-loop doctor [--dir <state dir> | --db <events.db> | --config <forge-loop.yaml>] [--json]`:
 * checks a log read-only (ours or a Python forge-loop's) and exits 1 when any check fails.
 * With --config it checks the state directory that config names (an engine that has not
 * run yet has no log: that is skipped, not failed) and, when its tracker or platform is
 * github, the token, its access to the repository and a dry-run push.
 */
import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { type Command, Option } from "commander";
import { loadConfig } from "../../engine/config/load.js";
import { openEventLog } from "../../store/log/sqlite-event-log.js";
import { DEFAULT_STATE_DIR, statePaths } from "../../store/paths.js";
import {
  type CheckResult,
  type DoctorReport,
  renderReport,
  runChecks,
  runDoctor,
} from "../doctor/doctor.js";
import { GitHubProbe, githubChecks } from "../doctor/github-checks.js";
import { storeChecks } from "../doctor/store-checks.js";

interface DoctorOptions {
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
      const report = options.config
        ? await configReport(options.config)
        : await logReport(eventsDb(options));
      process.stdout.write(
        options.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report),
      );
      if (!report.healthy) process.exitCode = 1;
    });
}

function eventsDb(options: DoctorOptions): string {
  return options.db ?? statePaths(options.dir ?? DEFAULT_STATE_DIR).eventsDb;
}

async function logReport(path: string): Promise<DoctorReport> {
  const log = openEventLog(path, { mode: "readonly" });
  try {
    return await runDoctor({ log, now: Date.now(), host: hostname() }, storeChecks);
  } finally {
    log.close();
  }
}

async function configReport(configPath: string): Promise<DoctorReport> {
  const loaded = await loadConfig(configPath);
  const path = statePaths(loaded.config.paths.state_dir).eventsDb;
  const store: DoctorReport = existsSync(path)
    ? await logReport(path)
    : {
        db: path,
        foreign: false,
        healthy: true,
        checks: [
          {
            name: "event log",
            status: "skip",
            summary: "none yet: the engine has not run with this config",
          },
        ],
      };
  const { tracker, platform } = loaded.config;
  const github: CheckResult[] =
    tracker === "github" || platform === "github"
      ? await runChecks(new GitHubProbe(loaded, process.env), githubChecks)
      : [];
  const checks = [...store.checks, ...github];
  return { ...store, checks, healthy: checks.every((c) => c.status !== "fail") };
}
