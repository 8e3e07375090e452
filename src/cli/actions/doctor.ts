/**
 * What `forge-loop doctor` does (see `commands/doctor.ts`): the log's checks and, with
 * --config, GitHub's.
 */
import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { loadConfig } from "../../engine/config/load.js";
import { openEventLog } from "../../store/log/sqlite-event-log.js";
import { DEFAULT_STATE_DIR, statePaths } from "../../store/paths.js";
import type { DoctorOptions } from "../commands/doctor.js";
import {
  type CheckResult,
  type DoctorReport,
  renderReport,
  runChecks,
  runDoctor,
} from "../doctor/doctor.js";
import { GitHubProbe, githubChecks } from "../doctor/github-checks.js";
import { storeChecks } from "../doctor/store-checks.js";

export async function runDoctorCommand(options: DoctorOptions): Promise<void> {
  const report = options.config
    ? await configReport(options.config)
    : await logReport(eventsDb(options));
  process.stdout.write(
    options.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report),
  );
  if (!report.healthy) process.exitCode = 1;
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
