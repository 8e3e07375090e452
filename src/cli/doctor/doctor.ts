/**
 * `forge-loop doctor`: a list of independent checks over a state directory's log, each
 * returning a result; the report is healthy when none failed. Checks are data, so other
 * rooms append theirs (GitHub, worktrees) to the list without touching the runner.
 */

import { describeError } from "../../shared/errors.js";
import type { SqliteEventLog } from "../../store/log/sqlite-event-log.js";

/** `warn` is worth a look but not a failure; `skip` means the check does not apply. */
export type CheckStatus = "ok" | "warn" | "fail" | "skip";

export interface CheckResult {
  name: string;
  status: CheckStatus;
  summary: string;
  details?: string[];
  /** Machine-readable figures for `--json`. */
  data?: Record<string, unknown>;
}

export interface DoctorContext {
  /** Opened read-only: the doctor never writes. */
  log: SqliteEventLog;
  /** Epoch ms. */
  now: number;
  host: string;
}

/** A check over some context: the store's take a log; GitHub's a loaded config. */
export interface DoctorCheck<C = DoctorContext> {
  name: string;
  run(ctx: C): Omit<CheckResult, "name"> | Promise<Omit<CheckResult, "name">>;
}

export interface DoctorReport {
  db: string;
  /** Written by the Python forge-loop. */
  foreign: boolean;
  healthy: boolean;
  checks: CheckResult[];
}

/** Runs every check; one that throws is reported as failed, and the others still run. */
export async function runDoctor(
  ctx: DoctorContext,
  checks: readonly DoctorCheck[],
): Promise<DoctorReport> {
  const results = await runChecks(ctx, checks);
  return {
    db: ctx.log.path,
    foreign: ctx.log.isForeign,
    healthy: results.every((r) => r.status !== "fail"),
    checks: results,
  };
}

/** The checks' results in order; a check that throws is a failed result. */
export async function runChecks<C>(
  ctx: C,
  checks: readonly DoctorCheck<C>[],
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    try {
      results.push({ name: check.name, ...(await check.run(ctx)) });
    } catch (err) {
      results.push({
        name: check.name,
        status: "fail",
        summary: `check failed to run: ${describeError(err)}`,
      });
    }
  }
  return results;
}

const marks: Record<CheckStatus, string> = { ok: "✔", warn: "!", fail: "✖", skip: "-" };

export function renderReport(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((c) => c.name.length), 0);
  const lines = [
    `forge-loop doctor: ${report.db}${report.foreign ? " (Python forge-loop database, read-only)" : ""}`,
  ];
  for (const check of report.checks) {
    lines.push(`  ${marks[check.status]} ${check.name.padEnd(width)}  ${check.summary}`);
    for (const detail of check.details ?? []) lines.push(`    ${" ".repeat(width)}  ${detail}`);
  }
  const failed = report.checks.filter((c) => c.status === "fail").length;
  const warned = report.checks.filter((c) => c.status === "warn").length;
  lines.push(
    failed > 0
      ? `${failed} check${failed === 1 ? "" : "s"} failed`
      : `healthy${warned > 0 ? ` (${warned} warning${warned === 1 ? "" : "s"})` : ""}`,
  );
  return `${lines.join("\n")}\n`;
}
