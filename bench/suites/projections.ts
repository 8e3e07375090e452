/**
 * Projections, snapshots and replay on a realistic engine stream (test/support/engine-stream):
 * - append with projections, one event per transaction, beside a bare INSERT (p99 < 1 ms;
 *   median of several rounds, since a shared machine's bursts of load land in one round);
 * - batched append with projections beside the log alone (≥ 40 % of its rate);
 * - rebuild() beside a bare scan of the same rows (< 5 s for 1M events);
 * - stateAt to random sequences for a few snapshot intervals K (p95 < 30 ms), which is how
 *   the default K (store.ts) was chosen.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { type AppendInput, canonicalJson } from "../../src/store/contract/index.js";
import { openEventLog } from "../../src/store/log/sqlite-event-log.js";
import { TableSnapshots } from "../../src/store/projections/snapshots.js";
import { DEFAULT_SNAPSHOT_EVERY, openStore } from "../../src/store/store.js";
import { engineStream, prng } from "../../test/support/engine-stream.js";
import { type BenchFigure, type BenchSuite, msSince, percentile } from "../harness.js";

const BATCH = 1000;
const SINGLES = 1000;
const SINGLE_ROUNDS = 5;
const SEEKS = 200;

export const projectionsSuite: BenchSuite = {
  name: "projections",
  async run(ctx) {
    const total = Math.max(BATCH * 10, Math.round(1_000_000 * ctx.scale));
    const label = total >= 1_000_000 ? `${total / 1_000_000}M` : `${Math.round(total / 1000)}k`;
    // Heartbeat-heavy (30-s heartbeats over long attempts): a few thousand issues over 1M
    // events, rather than every issue retried dozens of times.
    const stream = engineStream({ seed: 7, heartbeats: [40, 120] });
    // next(), not for…of: leaving a for…of would close the generator.
    const take = (n: number): AppendInput[] =>
      Array.from({ length: n }, () => stream.next().value as AppendInput);
    const figures: BenchFigure[] = [];
    const storePath = join(ctx.tmpDir, "events.db");
    const plainPath = join(ctx.tmpDir, "plain.db");
    const store = openStore(storePath, { mode: "writer" });
    const plain = openEventLog(plainPath, { mode: "writer" });

    // Batched append: the same batches into both, interleaved so load hits both alike.
    let withMs = 0;
    let plainMs = 0;
    for (let done = 0; done < total; done += BATCH) {
      const batch = take(Math.min(BATCH, total - done));
      let start = process.hrtime.bigint();
      plain.appendBatch(batch);
      plainMs += msSince(start);
      start = process.hrtime.bigint();
      store.log.appendBatch(batch);
      withMs += msSince(start);
      if (done % 100_000 === 0) ctx.log(`appended ${done} events`);
    }
    const withRate = total / (withMs / 1000);
    const plainRate = total / (plainMs / 1000);
    figures.push({
      name: `appendBatch with projections, ${label} events (${BATCH}/tx)`,
      value: withRate,
      unit: "events/s",
      baseline: { name: "the log alone", value: plainRate, unit: "events/s" },
      ratio: withRate / plainRate,
      pass: withRate / plainRate >= 0.4,
      notes: `target: ≥ 40% of the log alone; snapshots every ${DEFAULT_SNAPSHOT_EVERY} events`,
    });

    // Single appends: each its own transaction, into the full log; beside a bare INSERT.
    const raw = new Database(plainPath);
    raw.exec(
      "CREATE TABLE bare (sequence INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT, payload_json TEXT, occurred_at TEXT, idempotency_key TEXT UNIQUE)",
    );
    const bareInsert = raw.prepare(
      "INSERT INTO bare (kind, payload_json, occurred_at, idempotency_key) VALUES (?, ?, ?, ?)",
    );
    const bare = raw.transaction((input: AppendInput) =>
      bareInsert.run(
        input.kind,
        canonicalJson(input.payload),
        input.occurredAt ?? "",
        input.idempotencyKey,
      ),
    );
    // The million appends above left garbage whose collection would land in this phase
    // (`npm run bench` runs node with --expose-gc).
    collectGarbage();
    // As the engine opens its store (checkpoints: "caller"): no checkpoint inside an append.
    store.db.pragma("wal_autocheckpoint = 0");
    // Rounds, so one burst of load on a shared machine moves one round, not the figure.
    const withRounds: number[][] = [];
    const bareRounds: number[][] = [];
    for (let round = 0; round < SINGLE_ROUNDS; round++) {
      const withTimes: number[] = [];
      const bareTimes: number[] = [];
      for (const [i, input] of take(SINGLES).entries()) {
        // The engine checkpoints between appends, once a second (tens of appends); untimed.
        if (i % 100 === 0) store.checkpoint();
        let start = process.hrtime.bigint();
        bare.immediate(input);
        bareTimes.push(msSince(start));
        start = process.hrtime.bigint();
        store.log.append(input);
        withTimes.push(msSince(start));
      }
      withRounds.push(withTimes);
      bareRounds.push(bareTimes);
    }
    raw.close();
    plain.close();
    const medianOf = (rounds: number[][], p: number) =>
      percentile(
        rounds.map((times) => percentile(times, p)),
        50,
      );
    for (const p of [50, 99]) {
      const value = medianOf(withRounds, p);
      const baseline = medianOf(bareRounds, p);
      const perRound = withRounds.map((times) => percentile(times, p).toFixed(2)).join(", ");
      figures.push({
        name: `append one event with projections p${p} (log of ${label})`,
        value,
        unit: "ms",
        baseline: { name: `bare INSERT p${p}`, value: baseline, unit: "ms" },
        ratio: value / baseline,
        ...(p === 99 ? { target: { op: "<" as const, value: 1, unit: "ms" } } : {}),
        notes: `median of ${SINGLE_ROUNDS} rounds of ${SINGLES}: ${perRound} ms`,
      });
    }
    const head = store.log.head();

    // Rebuild beside the bare scan it cannot beat: every payload read and parsed.
    let start = process.hrtime.bigint();
    let scanned = 0;
    for (const json of store.db.prepare("SELECT payload_json FROM events").pluck().iterate()) {
      JSON.parse(json as string);
      scanned += 1;
    }
    const scanMs = msSince(start);
    start = process.hrtime.bigint();
    const rebuilt = store.rebuild();
    const rebuildMs = msSince(start);
    figures.push({
      name: `rebuild() of ${label} events`,
      value: rebuildMs / 1000,
      unit: "s",
      baseline: {
        name: `SELECT + JSON.parse of ${scanned} payloads`,
        value: scanMs / 1000,
        unit: "s",
      },
      ratio: rebuildMs / scanMs,
      target: { op: "<", value: 5, unit: "s" },
      notes: `${rebuilt.snapshots} snapshots written (K = ${DEFAULT_SNAPSHOT_EVERY})`,
    });
    start = process.hrtime.bigint();
    const verified = store.verify();
    ctx.log(`verify: ok=${verified.ok} in ${(msSince(start) / 1000).toFixed(1)} s`);
    store.close();

    figures.push(...seekFigures(storePath, head, label, ctx.log));
    return figures;
  },
};

/** stateAt at random sequences, and stepping back one event at a time, per snapshot interval. */
function seekFigures(
  path: string,
  head: number,
  label: string,
  log: (m: string) => void,
): BenchFigure[] {
  const figures: BenchFigure[] = [];
  for (const every of [1000, 2000, 5000]) {
    const writer = openStore(path, { mode: "writer", snapshotEvery: every });
    let start = process.hrtime.bigint();
    const { snapshots } = writer.rebuild();
    const rebuildS = msSince(start) / 1000;
    const bytes = writer.db
      .prepare(
        "SELECT (SELECT coalesce(sum(length(state)), 0) FROM snapshots) + (SELECT coalesce(sum(length(json)), 0) FROM snapshot_rows)",
      )
      .pluck()
      .get() as number;
    writer.close();

    const reader = openStore(path, { mode: "readonly", snapshotEvery: every });
    collectGarbage();
    const rnd = prng(every);
    const seeks: number[] = [];
    for (let i = 0; i < SEEKS; i++) {
      const seq = 1 + Math.floor(rnd() * head);
      start = process.hrtime.bigint();
      reader.stateAt(seq);
      seeks.push(msSince(start));
    }
    // A cold decode (no row decoded before): what the first seek into a region pays.
    const cold: number[] = [];
    for (let i = 0; i < 10; i++) {
      const snapshots = new TableSnapshots(reader.db);
      const nearest = snapshots.nearest(1 + Math.floor(rnd() * head));
      start = process.hrtime.bigint();
      nearest?.state();
      cold.push(msSince(start));
    }
    const steps: number[] = [];
    let at = Math.floor(head / 2);
    reader.stateAt(at);
    for (let i = 0; i < SEEKS; i++) {
      at -= 1;
      start = process.hrtime.bigint();
      reader.stateAt(at);
      steps.push(msSince(start));
    }
    reader.close();
    const p95 = percentile(seeks, 95);
    log(
      `K=${every}: ${snapshots} snapshots, ${(bytes / 1e6).toFixed(1)} MB, rebuild ${rebuildS.toFixed(1)} s, seek p50 ${percentile(seeks, 50).toFixed(1)} p95 ${p95.toFixed(1)} ms, step back p95 ${percentile(steps, 95).toFixed(2)} ms`,
    );
    figures.push(
      {
        name: `stateAt random seq p95, ${label} events, K=${every}`,
        value: p95,
        unit: "ms",
        baseline: {
          name: "cold decode of one snapshot p50",
          value: percentile(cold, 50),
          unit: "ms",
        },
        ratio: p95 / percentile(cold, 50),
        target: { op: "<", value: 30, unit: "ms" },
        notes: `p50 ${percentile(seeks, 50).toFixed(1)} ms; ${snapshots} snapshots, ${(bytes / 1e6).toFixed(1)} MB; rebuild ${rebuildS.toFixed(1)} s`,
      },
      {
        name: `stateAt one event back p95, K=${every}`,
        value: percentile(steps, 95),
        unit: "ms",
        target: { op: "<", value: 30, unit: "ms" },
      },
    );
  }
  return figures;
}

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
