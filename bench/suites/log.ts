/**
 * The event log's write path, beside raw better-sqlite3 in the same run:
 * - batched append of 1M events (BENCH_SCALE scales it) vs a prepared INSERT of the same
 *   rows into the same table layout, without chain or checks, each batch of 1000 in one
 *   transaction on both sides so the commits cost the same (target: ours at least 40% of
 *   the raw rate);
 * - single-event append latency p50/p99, each append its own transaction, on the
 *   million-event log just written (target p99 < 1 ms; no projections attached here).
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import type { AppendInput } from "../../src/store/contract/envelope.js";
import { newEventId } from "../../src/store/log/event-id.js";
import { openEventLog } from "../../src/store/log/sqlite-event-log.js";
import { type BenchFigure, type BenchSuite, msSince, percentile } from "../harness.js";

const BATCH = 1000;
const TARGET_RATIO = 0.4;

const outputTail = `${"FAIL src/fetcher.test.ts > retries on 503\n  expected 3 calls, got 1\n".repeat(12)}`;

/** A realistic mix: mostly heartbeats, some dispatches, and check results with output tails. */
function input(i: number, prefix: string): AppendInput {
  const issue = 100 + (i % 50);
  const attempt = 1 + (i % 3);
  const taskId = `issue:${issue}`;
  const idempotencyKey = `${prefix}:${i}`;
  const bucket = i % 10;
  if (bucket < 7) {
    return {
      kind: "task.heartbeat",
      taskId,
      idempotencyKey,
      payload: {
        issue,
        attempt,
        turns: i % 80,
        tool_uses: i % 200,
        last_tool: "Bash(npm test)",
        cost_usd: (i % 1000) / 100,
        tokens: { input: 12_000 + i, output: 3_400 },
        idle_ms: i % 30_000,
      },
    };
  }
  if (bucket < 9) {
    return {
      kind: "task.dispatched",
      taskId,
      sagaId: `tick:${i >> 8}`,
      idempotencyKey,
      payload: {
        issue,
        attempt,
        adapter: "claude-code",
        model: "claude-sonnet-4-5",
        branch: `loop/${issue}-add-retry-to-fetcher`,
        worktree: `/home/dev/worktrees/app-${issue}`,
        brief_digest: "9f2c4e1a7b3d5f608a1c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f",
      },
    };
  }
  return {
    kind: "checks.completed",
    taskId,
    idempotencyKey,
    payload: {
      issue,
      attempt,
      passed: i % 20 !== 9,
      results: [
        { command: "npm run lint", exit_code: 0, duration_ms: 4_210, output_tail: "" },
        {
          command: "npm test",
          exit_code: i % 20 === 9 ? 1 : 0,
          duration_ms: 48_113,
          output_tail: outputTail,
        },
      ],
    },
  };
}

function rate(events: number, ms: number): number {
  return events / (ms / 1000);
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Raw better-sqlite3 on the same table layout: what the chain and idempotency cost is measured against. */
function rawDatabase(path: string): Database.Database {
  openEventLog(path, { mode: "writer" }).close(); // same tables, indexes and pragmas
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  return db;
}

function rawInsert(db: Database.Database): (i: number, prefix: string) => void {
  const insert = db.prepare(
    `INSERT INTO events (event_id, kind, payload_json, schema_version, occurred_at, task_id,
       saga_id, idempotency_key, chain_hash) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?)`,
  );
  const at = new Date().toISOString();
  const hash = "0".repeat(64);
  return (i, prefix) => {
    const row = input(i, prefix);
    insert.run(
      // The same rows: random ids land all over the event_id index, as ours do.
      newEventId(),
      row.kind,
      JSON.stringify(row.payload),
      at,
      row.taskId ?? null,
      row.sagaId ?? null,
      row.idempotencyKey,
      hash,
    );
  };
}

export const logSuite: BenchSuite = {
  name: "log",
  async run(ctx) {
    const events = Math.max(BATCH, Math.round(1_000_000 * ctx.scale));
    const singles = Math.max(1_000, Math.round(20_000 * ctx.scale));

    // Raw baseline: the same rows, each batch in one transaction, as ours commits them.
    const raw = rawDatabase(join(ctx.tmpDir, "raw.db"));
    const insertRaw = rawInsert(raw);
    const rawBatch = raw.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) insertRaw(i, "b");
    });
    gc();
    let start = process.hrtime.bigint();
    for (let from = 0; from < events; from += BATCH) rawBatch(from, Math.min(events, from + BATCH));
    const rawMs = msSince(start);
    ctx.log(`raw: ${events} rows in ${rawMs.toFixed(0)} ms`);

    // Ours: appendBatch of 1000, chained, idempotent.
    const log = openEventLog(join(ctx.tmpDir, "events.db"), { mode: "writer" });
    gc();
    start = process.hrtime.bigint();
    for (let from = 0; from < events; from += BATCH) {
      const batch: AppendInput[] = [];
      for (let i = from; i < Math.min(events, from + BATCH); i++) batch.push(input(i, "b"));
      log.appendBatch(batch);
    }
    const oursMs = msSince(start);
    ctx.log(`ours: ${events} events in ${oursMs.toFixed(0)} ms`);
    const rawRate = rate(events, rawMs);
    const oursRate = rate(events, oursMs);
    const ratio = oursRate / rawRate;

    // Single appends, each its own transaction, on the million-event logs.
    const rawLatency: number[] = [];
    const oursLatency: number[] = [];
    const warmup = 200;
    for (let i = 0; i < singles + warmup; i++) {
      let t = process.hrtime.bigint();
      raw.transaction(() => insertRaw(i, "s"))();
      if (i >= warmup) rawLatency.push(msSince(t));
      t = process.hrtime.bigint();
      log.append(input(i, "s"));
      if (i >= warmup) oursLatency.push(msSince(t));
    }
    raw.close();
    const verified = log.verifyChain();
    log.close();
    if (!verified.ok) throw new Error(`bench log chain broken: ${JSON.stringify(verified)}`);

    const figures: BenchFigure[] = [
      {
        name: `log.appendBatch ${events} events (batches of ${BATCH})`,
        value: oursRate,
        unit: "events/s",
        baseline: {
          name: `raw INSERT, ${BATCH} per transaction`,
          value: rawRate,
          unit: "events/s",
        },
        ratio,
        pass: ratio >= TARGET_RATIO,
        notes: `target: at least ${TARGET_RATIO * 100}% of the raw rate`,
      },
    ];
    for (const p of [50, 99]) {
      figures.push({
        name: `log.append latency p${p} (${singles} single appends)`,
        value: percentile(oursLatency, p),
        unit: "ms",
        baseline: {
          name: `raw INSERT transaction p${p}`,
          value: percentile(rawLatency, p),
          unit: "ms",
        },
        ratio: percentile(oursLatency, p) / percentile(rawLatency, p),
        ...(p === 99 && { target: { op: "<" as const, value: 1, unit: "ms" } }),
      });
    }
    return figures;
  },
};
