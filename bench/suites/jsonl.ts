/**
 * The JSONL operator stream, beside raw Node in the same run:
 * - writer: locked, rotating, redacting appends vs JSON.stringify + writeSync on an open
 *   O_APPEND descriptor (the floor), and vs fs.appendFileSync (what naive code does);
 * - reader: readJsonlFile MB/s vs readFileSync + split("\n") + JSON.parse;
 * - readTail: the last 500 records of a 200 MB stream (BENCH_SCALE scales the size) vs
 *   reading the whole file and parsing its last 500 lines;
 * - tailer: append-to-delivery latency p50/p95 (target p95 < 50 ms) vs the raw fs.watch
 *   notification for the same appends.
 */
import { appendFileSync, closeSync, openSync, readFileSync, watch, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { readJsonlFile, readTail } from "../../src/store/jsonl/reader.js";
import { JsonlTailer } from "../../src/store/jsonl/tailer.js";
import { formatJsonlLine, JsonlWriter } from "../../src/store/jsonl/writer.js";
import { type BenchFigure, type BenchSuite, msSince, percentile } from "../harness.js";

const MiB = 1024 * 1024;
const TAIL_RECORDS = 500;

/** A realistic stream: mostly worker observations, some durable events with a seq. */
function entry(i: number) {
  if (i % 4 !== 0) {
    return {
      kind: "worker.observation",
      payload: {
        issue: 100 + (i % 50),
        attempt: 1 + (i % 3),
        what: "tool",
        summary: `Bash(npm test -- --run src/fetcher.test.ts) exit 0 after ${i % 900} ms`,
      },
    };
  }
  return {
    kind: "task.heartbeat",
    seq: i,
    payload: {
      issue: 100 + (i % 50),
      attempt: 1 + (i % 3),
      turns: i % 80,
      tool_uses: i % 200,
      last_tool: "Bash(npm test)",
      cost_usd: (i % 1000) / 100,
      idle_ms: i % 30_000,
    },
  };
}

function rate(count: number, ms: number): number {
  return count / (ms / 1000);
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function writerFigures(dir: string, lines: number): BenchFigure[] {
  const ts = new Date().toISOString();
  const rawPath = join(dir, "raw.jsonl");
  const fd = openSync(rawPath, "a");
  gc();
  let start = process.hrtime.bigint();
  for (let i = 0; i < lines; i++) writeSync(fd, `${JSON.stringify({ ts, ...entry(i) })}\n`);
  const rawRate = rate(lines, msSince(start));
  closeSync(fd);

  const naivePath = join(dir, "naive.jsonl");
  gc();
  start = process.hrtime.bigint();
  for (let i = 0; i < lines; i++)
    appendFileSync(naivePath, `${JSON.stringify({ ts, ...entry(i) })}\n`);
  const naiveRate = rate(lines, msSince(start));

  // Default 10 MiB rotation and retention: rotations happen inside the measured loop.
  const writer = new JsonlWriter(join(dir, "events.jsonl"));
  gc();
  start = process.hrtime.bigint();
  for (let i = 0; i < lines; i++) writer.append({ ts, ...entry(i) });
  const oursRate = rate(lines, msSince(start));
  writer.close();

  const name = `JsonlWriter.append ${lines} lines (locked, redacted, rotating)`;
  return [
    {
      name,
      value: oursRate,
      unit: "lines/s",
      baseline: { name: "JSON.stringify + writeSync, open fd", value: rawRate, unit: "lines/s" },
      ratio: oursRate / rawRate,
    },
    {
      name,
      value: oursRate,
      unit: "lines/s",
      baseline: { name: "JSON.stringify + fs.appendFileSync", value: naiveRate, unit: "lines/s" },
      ratio: oursRate / naiveRate,
    },
  ];
}

/** Writes `bytes` of stream in 1 MiB blocks of realistic lines. */
function writeStream(path: string, bytes: number): number {
  const ts = new Date().toISOString();
  const lines: string[] = [];
  let blockBytes = 0;
  for (let i = 0; blockBytes < MiB; i++) {
    const line = `${formatJsonlLine({ ts, ...entry(i) })}\n`;
    lines.push(line);
    blockBytes += Buffer.byteLength(line);
  }
  const block = Buffer.from(lines.join(""));
  const fd = openSync(path, "w");
  let written = 0;
  while (written < bytes) written += writeSync(fd, block);
  closeSync(fd);
  return written;
}

function readerFigure(dir: string, bytes: number): BenchFigure {
  const path = join(dir, "read.jsonl");
  const size = writeStream(path, bytes);
  readJsonlFile(path); // warm the page cache for both contenders

  gc();
  let start = process.hrtime.bigint();
  // Kept, as a reader's caller keeps them: the same garbage-collector load for both.
  const rawRecords: unknown[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line) rawRecords.push(JSON.parse(line));
  }
  const rawMBs = size / MiB / (msSince(start) / 1000);
  const rawCount = rawRecords.length;
  rawRecords.length = 0;

  gc();
  start = process.hrtime.bigint();
  const result = readJsonlFile(path);
  const oursMBs = size / MiB / (msSince(start) / 1000);
  if (result.records.length !== rawCount || result.malformed.length > 0) {
    throw new Error(`reader disagrees with the baseline: ${result.records.length} vs ${rawCount}`);
  }
  return {
    name: `readJsonlFile ${(size / MiB).toFixed(0)} MiB (${rawCount} lines)`,
    value: oursMBs,
    unit: "MiB/s",
    baseline: { name: 'readFileSync + split("\\n") + JSON.parse', value: rawMBs, unit: "MiB/s" },
    ratio: oursMBs / rawMBs,
  };
}

function readTailFigure(dir: string, bytes: number): BenchFigure {
  const path = join(dir, "tail.jsonl");
  const size = writeStream(path, bytes);
  const runs: number[] = [];
  let last: unknown;
  for (let i = 0; i < 21; i++) {
    const start = process.hrtime.bigint();
    const tail = readTail(path, TAIL_RECORDS);
    runs.push(msSince(start));
    last = tail.records.at(-1);
    if (tail.records.length !== TAIL_RECORDS) throw new Error("readTail returned too few records");
  }
  gc();
  const start = process.hrtime.bigint();
  const all = readFileSync(path, "utf8").split("\n");
  const naive = all
    .slice(-TAIL_RECORDS - 1)
    .filter(Boolean)
    .map((l) => JSON.parse(l) as unknown);
  const naiveMs = msSince(start);
  if (JSON.stringify(naive.at(-1)) !== JSON.stringify(last)) {
    throw new Error("readTail disagrees with the baseline");
  }
  const median = percentile(runs, 50);
  return {
    name: `readTail last ${TAIL_RECORDS} records of ${(size / MiB).toFixed(0)} MiB (median of 21)`,
    value: median,
    unit: "ms",
    baseline: {
      name: "readFileSync whole file + split + parse last 500",
      value: naiveMs,
      unit: "ms",
    },
    ratio: median / naiveMs,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Delay from each append to fs.watch's notification of it: the floor any watcher pays. */
async function rawWatchDelays(path: string, appends: number): Promise<number[]> {
  const delays: number[] = [];
  let pendingSince: number | undefined;
  // The directory, as the tailer watches it (a file watch would lose the file on rotation).
  const watcher = watch(dirname(path), (_event, filename) => {
    if (filename !== basename(path) || pendingSince === undefined) return;
    delays.push(performance.now() - pendingSince);
    pendingSince = undefined;
  });
  const writer = new JsonlWriter(path);
  for (let i = 0; i < appends; i++) {
    pendingSince = performance.now();
    writer.append({ kind: "worker.observation", payload: { i, t: pendingSince } });
    await sleep(5);
  }
  await sleep(100);
  writer.close();
  watcher.close();
  return delays;
}

/** Delay from each append to its delivery by the tailer, records stamped at append time. */
async function tailerDelays(path: string, appends: number): Promise<number[]> {
  const delays: number[] = [];
  const tailer = new JsonlTailer(path, {
    from: "end",
    onBatch: (batch) => {
      const now = performance.now();
      for (const record of batch.records) delays.push(now - (record.t as number));
    },
  });
  const writer = new JsonlWriter(path);
  writer.append({ kind: "warmup" });
  tailer.start();
  await sleep(50);
  for (let i = 0; i < appends; i++) {
    writer.append({ kind: "worker.observation", payload: { i, t: performance.now() } });
    await sleep(5);
  }
  await sleep(1500);
  tailer.stop();
  writer.close();
  if (delays.length !== appends) throw new Error(`tailer delivered ${delays.length}/${appends}`);
  return delays;
}

async function tailerFigures(dir: string, appends: number): Promise<BenchFigure[]> {
  const raw = await rawWatchDelays(join(dir, "watch.jsonl"), appends);
  const ours = await tailerDelays(join(dir, "tail-live.jsonl"), appends);
  return [50, 95].map((p) => ({
    name: `JsonlTailer append-to-delivery p${p} (${appends} appends, 5 ms apart)`,
    value: percentile(ours, p),
    unit: "ms",
    baseline: { name: `raw fs.watch notification p${p}`, value: percentile(raw, p), unit: "ms" },
    ratio: percentile(ours, p) / percentile(raw, p),
    ...(p === 95 && { target: { op: "<" as const, value: 50, unit: "ms" } }),
  }));
}

export const jsonlSuite: BenchSuite = {
  name: "jsonl",
  async run(ctx) {
    const lines = Math.max(5_000, Math.round(200_000 * ctx.scale));
    const readBytes = Math.max(4 * MiB, Math.round(100 * MiB * ctx.scale));
    const tailBytes = Math.max(8 * MiB, Math.round(200 * MiB * ctx.scale));
    const appends = Math.max(50, Math.round(400 * ctx.scale));

    const figures = writerFigures(ctx.tmpDir, lines);
    ctx.log("writer done");
    figures.push(readerFigure(ctx.tmpDir, readBytes));
    ctx.log("reader done");
    figures.push(readTailFigure(ctx.tmpDir, tailBytes));
    ctx.log("readTail done");
    figures.push(...(await tailerFigures(ctx.tmpDir, appends)));
    return figures;
  },
};
