/**
 * The legacy mirror on a realistic 1M-line runner JSONL (BENCH_SCALE scales it), beside
 * reading and JSON.parse-ing the same file in the same run:
 * - mirror into a fresh event log (target < 10 s at scale 1, scaled with the size);
 * - mirror the same file again: every event a duplicate, nothing appended;
 * - mirror into a fresh store, then fold the projections in one pass (what the CLI does),
 *   for the record;
 * - the mirror's own share: reading, mapping and redacting with appends that store
 *   nothing, so the log's cost and the mirror's can be told apart;
 * - the two halves of the pipeline a large file goes through (mirror/pipeline.ts), each
 *   alone on one thread: the worker's (read, map, screen keys, prepare rows) with its
 *   batches dropped, and the inserting thread's (chain and insert) fed the batches the
 *   worker prepared beforehand. The pipeline takes at least the longer of the two.
 */
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { PacingSignals } from "../../src/shared/thread-pacing.js";
import { asciiEscapeJson } from "../../src/store/contract/canonical-json.js";
import type { EventLog } from "../../src/store/log/event-log.js";
import { openEventLog } from "../../src/store/log/sqlite-event-log.js";
import { decodeEvents, type EncodedEvents } from "../../src/store/mirror/encoded-events.js";
import {
  DEFAULT_EVENTS_PER_COMMIT,
  type MirrorSummary,
  mirrorFile,
  mirrorThenFold,
} from "../../src/store/mirror/mirror.js";
import { startPrepareWorker } from "../../src/store/mirror/pipeline.js";
import type { WorkerMessage } from "../../src/store/mirror/pipeline-messages.js";
import { type BenchFigure, type BenchSuite, msSince } from "../harness.js";

const LINES = 1_000_000;
const TARGET_S = 10;
const PR = "https://github.com/acme/app/pull/";

/** `json.dumps(record)`: ", " and ": " separators, non-ASCII escaped. */
function pyDumps(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pyDumps).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value)
      .map(([k, v]) => `${pyDumps(k)}: ${pyDumps(v)}`)
      .join(", ")}}`;
  }
  return asciiEscapeJson(JSON.stringify(value));
}

/**
 * One runner tick of three workers, as the Python runner logs it: selection, dispatch,
 * session transitions, watchdog warnings, worker results, critic verdicts, merges, the
 * tick summary, reaping, plus kinds the mirror does not map. About 40 lines.
 */
function tickRecords(run: number, tick: number, t0: number): Record<string, unknown>[] {
  let ms = t0;
  const ts = () => {
    ms += 137;
    return new Date(ms).toISOString();
  };
  const issues = [0, 1, 2].map((w) => 100 + ((tick * 3 + w) % 400));
  const out: Record<string, unknown>[] = [];
  if (tick === 0) out.push({ ts: ts(), kind: "loop_start", parallel: 3, runner_id: `host-${run}` });
  out.push({ ts: ts(), kind: "tick_start", tick, issues });
  out.push({ ts: ts(), kind: "maestro_plan", tick, order: issues, rationale: "oldest first" });
  out.push({
    ts: ts(),
    kind: "po_done",
    tick,
    expanded: issues.slice(0, 2),
    skipped: issues.slice(2),
    outcomes: [],
  });
  const outcomes: Record<string, unknown>[] = [];
  issues.forEach((issue, w) => {
    const session = `sess-${run}-${tick}-${w}`;
    const title = `Résumé parser – handle “smart quotes” in PR bodies (#${issue})`;
    out.push({
      ts: ts(),
      kind: "worker_start",
      tick,
      issue,
      branch: `loop/${issue}`,
      worktree: `/home/loop/.forge/worktrees/app/loop-${issue}`,
      title,
      risk_gated: false,
      past_attempts: w,
    });
    for (const [prior, next] of [
      ["", "DISPATCHED"],
      ["DISPATCHED", "RUNNING"],
      ["RUNNING", "AWAITING_CRITIC"],
    ]) {
      out.push({
        ts: ts(),
        kind: "worker_session_transition",
        session_id: session,
        issue,
        prior_state: prior,
        new_state: next,
        reason: "progress",
        pr_url: next === "AWAITING_CRITIC" ? `${PR}${issue}` : null,
      });
    }
    for (let k = 0; k < 5; k++)
      out.push({
        ts: ts(),
        kind: "worker_progress",
        issue,
        tool: "Bash",
        summary: `npm test -- --run src/parser.test.ts (${k})`,
      });
    if (w === 2)
      out.push({ ts: ts(), kind: "watchdog_worker_stuck", issue, idle_s: 930, stuck_after_s: 900 });
    const status = w === 1 && tick % 4 === 0 ? "failed" : "open";
    const pr = status === "open" ? `${PR}${issue}` : null;
    out.push({
      ts: ts(),
      kind: "worker_done",
      tick,
      issue,
      status,
      pr_url: pr,
      duration_s: 812.4,
      error: status === "failed" ? "exit 1: 3 tests failed" : null,
    });
    if (pr) {
      const blocked = w === 0 && tick % 3 === 0;
      out.push({
        ts: ts(),
        kind: "critic_done",
        issue,
        pr,
        verdict: blocked ? "blocked" : "approved",
        reasons: blocked ? ["sev2: no test for the error path"] : [],
        duration_s: 41.2,
        sev_counts: { sev1: 0, sev2: blocked ? 1 : 0, sev3: 2 },
        parse_retries: 0,
        findings: [
          {
            severity: "sev3",
            category: "style",
            file: "src/parser.ts",
            line: 12,
            message: "naming",
          },
        ],
      });
      if (!blocked)
        out.push({
          ts: ts(),
          kind: "post_critic_automerge_enabled",
          issue,
          pr,
          method: "squash",
          detail: null,
        });
      outcomes.push({
        issue,
        title,
        pr_url: pr,
        status: blocked ? "open" : "merged",
        duration_s: 812.4,
        error: null,
      });
    } else {
      outcomes.push({
        issue,
        title,
        pr_url: null,
        status,
        duration_s: 812.4,
        error: "exit 1: 3 tests failed",
      });
    }
  });
  out.push({
    ts: ts(),
    kind: "tick_done",
    tick,
    merged: outcomes.filter((o) => o.status === "merged").map((o) => o.issue),
    outcomes,
  });
  for (const o of outcomes)
    out.push({ ts: ts(), kind: "worktree_reaped", issue: o.issue, status: o.status });
  out.push({ ts: ts(), kind: "sprint_consolidated", tick, merged: 2, failed: 1 });
  return out;
}

/** Writes about `lines` lines; the runner restarts (tick 0 again) every 500 ticks. */
function writeLegacyFile(path: string, lines: number): number {
  const fd = openSync(path, "w");
  let written = 0;
  let t0 = Date.UTC(2026, 5, 5, 9, 0, 0);
  try {
    for (let n = 0; written < lines; n++) {
      const records = tickRecords(Math.floor(n / 500), n % 500, t0);
      t0 += 60_000;
      writeSync(fd, records.map((r) => `${pyDumps(r)}\n`).join(""));
      written += records.length;
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

/** Takes every batch and stores nothing: only the mirror's own work is left to time. */
const discardingLog = {
  appendBatch: (inputs: readonly unknown[]) => inputs.map(() => ({ inserted: true })),
  transaction: <T>(work: () => T): T => work(),
} as unknown as EventLog;

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** The floor: read the whole file and JSON.parse every line. */
function parseBaseline(path: string): number {
  gc();
  const start = process.hrtime.bigint();
  let count = 0;
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line === "") continue;
    JSON.parse(line);
    count += 1;
  }
  if (count === 0) throw new Error("empty file");
  return msSince(start);
}

/**
 * The pipeline's worker on its own: the batches it sends are taken at once and kept, for
 * `insertAlone`, and nothing is inserted.
 */
function prepareAlone(
  dbPath: string,
  file: string,
): Promise<{ ms: number; batches: EncodedEvents[] }> {
  const log = openEventLog(dbPath, { mode: "writer" });
  const signals = new PacingSignals();
  gc();
  const start = process.hrtime.bigint();
  const worker = startPrepareWorker(log, file, {}, signals);
  log.close();
  const batches: EncodedEvents[] = [];
  return new Promise((resolve, reject) => {
    worker.on("message", (message: WorkerMessage) => {
      if (message.type === "events") {
        batches.push(message.events);
        signals.taken(batches.length);
      } else if (message.type === "done") {
        resolve({ ms: msSince(start), batches });
      } else {
        reject(new Error(message.message));
      }
    });
    worker.on("error", reject);
  });
}

/** The pipeline's inserting thread on its own: `batches` chained and inserted into a fresh log. */
function insertAlone(dbPath: string, batches: readonly EncodedEvents[]): number {
  const log = openEventLog(dbPath, { mode: "writer" });
  gc();
  const start = process.hrtime.bigint();
  let transaction = log.openTransaction();
  let uncommitted = 0;
  for (const batch of batches) {
    log.appendPrepared(decodeEvents(batch), batch.unsure);
    uncommitted += batch.count;
    if (uncommitted >= DEFAULT_EVENTS_PER_COMMIT) {
      transaction.commit();
      transaction = log.openTransaction();
      uncommitted = 0;
    }
  }
  transaction.commit();
  const ms = msSince(start);
  log.close();
  return ms;
}

async function timed(
  run: () => Promise<MirrorSummary>,
): Promise<{ ms: number; summary: MirrorSummary }> {
  gc();
  const start = process.hrtime.bigint();
  const summary = await run();
  return { ms: msSince(start), summary };
}

export const mirrorSuite: BenchSuite = {
  name: "mirror",
  async run(ctx) {
    const lines = Math.max(1000, Math.round(LINES * ctx.scale));
    const path = join(ctx.tmpDir, "loop-runner-events.jsonl");
    const written = writeLegacyFile(path, lines);
    ctx.log(`wrote ${written} legacy lines`);
    const baselineMs = parseBaseline(path);
    const baseline = {
      name: "readFileSync + JSON.parse per line",
      value: baselineMs / 1000,
      unit: "s",
    };
    const target = { op: "<" as const, value: TARGET_S * (written / LINES), unit: "s" };

    const log = openEventLog(join(ctx.tmpDir, "log.db"), { mode: "writer" });
    const first = await timed(() => mirrorFile(log, path));
    ctx.log(
      `first pass: ${first.summary.eventsAppended} events, unmapped ${[...first.summary.unmapped].map(([k, v]) => `${k}×${v}`).join(", ")}`,
    );
    const again = await timed(() => mirrorFile(log, path));
    log.close();

    const ownShare = await timed(() => mirrorFile(discardingLog, path));
    const workerAlone = await prepareAlone(join(ctx.tmpDir, "worker.db"), path);
    const insertingAlone = insertAlone(join(ctx.tmpDir, "inserted.db"), workerAlone.batches);
    workerAlone.batches.length = 0;
    const storeLog = openEventLog(join(ctx.tmpDir, "store.db"), { mode: "writer" });
    const withProjections = await timed(() => mirrorThenFold(storeLog, path));
    storeLog.close();

    const figure = (name: string, ms: number, notes: string, withTarget: boolean): BenchFigure => ({
      name,
      value: ms / 1000,
      unit: "s",
      baseline,
      ratio: ms / baselineMs,
      ...(withTarget ? { target } : {}),
      notes,
    });
    return [
      figure(
        `mirror ${written} legacy lines into a fresh log`,
        first.ms,
        `${first.summary.eventsAppended} events appended (${Math.round(first.summary.eventsAppended / (first.ms / 1000))}/s)`,
        true,
      ),
      figure(
        `mirror the same ${written} lines again (all duplicates)`,
        again.ms,
        `${again.summary.duplicatesSkipped} duplicates, ${again.summary.eventsAppended} appended`,
        false,
      ),
      figure(
        `read + map + redact ${written} lines, appends discarded (the mirror's own share)`,
        ownShare.ms,
        `${ownShare.summary.eventsAppended} events mapped`,
        false,
      ),
      figure(
        `the pipeline's worker alone: read, map, screen keys, prepare ${written} lines`,
        workerAlone.ms,
        "one half of a first pass: its batches taken at once, nothing inserted",
        false,
      ),
      figure(
        `the pipeline's inserting thread alone: chain and insert ${first.summary.eventsAppended} prepared events`,
        insertingAlone,
        "the other half, fed batches prepared beforehand",
        false,
      ),
      figure(
        `mirror ${written} legacy lines into a fresh store, projections folded once after (the CLI)`,
        withProjections.ms,
        `${withProjections.summary.eventsAppended} events; folded batch by batch instead, 47.5 s (session 4)`,
        false,
      ),
    ];
  },
};
