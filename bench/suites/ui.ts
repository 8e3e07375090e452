/**
 * The terminal UI on a big state directory: a 1M-event log (BENCH_SCALE scales it) and a
 * 200 MB JSONL stream.
 * - cold start to the first full frame: the built bin (`forge-loop tui`) in a fresh
 *   process, beside one that only loads Ink and React (target < 600 ms);
 * - a durable event appended by another connection → visible on screen (p95 < 150 ms);
 * - a scrubber key → the frame at the new sequence (p95 < 50 ms), beside `stateAt` alone
 *   for the same sequences;
 * - CPU while idle (< 2 % of a core);
 * - RSS while the engine writes 500 events a second and the stream grows (the "live tail"):
 *   under 200 MiB, and flat.
 * Idle and tail run BENCH_UI_MINUTES (default 0.5; 10 for the full run) in a child process,
 * so the load generator's work is not counted. Every figure is of the build (`npm run bench`
 * builds first): the bin, or the console bundle it loads.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import type { AppendInput } from "../../src/store/contract/envelope.js";
import { formatJsonlLine } from "../../src/store/jsonl/writer.js";
import { acquireWriterLock, heartbeatWriterLock } from "../../src/store/log/writer-lock.js";
import { statePaths } from "../../src/store/paths.js";
import { openStore, type Store } from "../../src/store/store.js";
import type { StoreSource } from "../../src/ui/data/store-source.js";
import { engineStream, prng } from "../../test/support/engine-stream.js";
import { type BenchFigure, type BenchSuite, msSince, percentile } from "../harness.js";
import { builtBin, fakeTty, loadBuiltConsole } from "./ui/built.js";
import { BENCH_TERMINAL, BenchStdin, BenchStdout, isFullFrame, screenText } from "./ui/terminal.js";

const MiB = 1024 * 1024;
const COLD_RUNS = 5;
const APPENDS = 120;
/**
 * Scrubber keys pressed; about half move (the others find nothing further that way). A
 * p95 over ~60 moves is the third-worst frame, which one collection pause decides: ~170
 * moves make it the ninth.
 */
const SEEKS = 320;
const child = fileURLToPath(new URL("./ui/child.js", import.meta.url));

interface Fixture {
  store: Store;
  paths: ReturnType<typeof statePaths>;
  stream: Generator<AppendInput>;
  events: number;
}

export const uiSuite: BenchSuite = {
  name: "ui",
  async run(ctx) {
    const minutes = Number(process.env.BENCH_UI_MINUTES ?? "0.5");
    const fixture = build(ctx.tmpDir, ctx.scale, ctx.log);
    const me = { pid: process.pid, host: hostname(), now: Date.now() };
    // The engine is "running": this process holds the writer lock, as an engine would.
    acquireWriterLock(fixture.store.db, me);
    const beat = setInterval(
      () => heartbeatWriterLock(fixture.store.db, { ...me, now: Date.now() }),
      5000,
    );
    try {
      const figures: BenchFigure[] = [];
      figures.push(await coldStart(fixture, ctx.log));
      figures.push(await appendToVisible(fixture, ctx.log));
      figures.push(...(await scrubberSeeks(fixture, ctx.log)));
      figures.push(await idleCpu(fixture, Math.max(5, minutes * 60), ctx.log));
      figures.push(...(await liveTail(fixture, Math.max(10, minutes * 60), ctx.log)));
      return figures;
    } finally {
      clearInterval(beat);
      fixture.store.close();
    }
  },
};

function build(tmpDir: string, scale: number, log: (m: string) => void): Fixture {
  const events = Math.max(20_000, Math.round(1_000_000 * scale));
  const jsonlBytes = Math.max(4 * MiB, Math.round(200 * MiB * scale));
  const paths = statePaths(join(tmpDir, ".forge-loop"));
  const store = openStore(paths.eventsDb, { mode: "writer" });
  const stream = engineStream({ seed: 11, heartbeats: [40, 120] });
  for (let done = 0; done < events; done += 1000) {
    store.log.appendBatch(
      Array.from({ length: Math.min(1000, events - done) }, () => next(stream)),
    );
    if (done % 200_000 === 0) log(`log: ${done} events`);
  }
  const fd = openSync(paths.eventsJsonl, "a");
  try {
    let written = 0;
    for (let i = 0; written < jsonlBytes; i++) {
      const lines: string[] = [];
      for (let j = 0; j < 2000; j++) lines.push(observationLine(i * 2000 + j));
      const chunk = `${lines.join("\n")}\n`;
      writeSync(fd, chunk);
      written += Buffer.byteLength(chunk);
    }
    log(`jsonl: ${(written / MiB).toFixed(0)} MiB`);
  } finally {
    closeSync(fd);
  }
  return { store, paths, stream, events };
}

function next(stream: Generator<AppendInput>): AppendInput {
  return stream.next().value as AppendInput;
}

function observationLine(i: number): string {
  return formatJsonlLine({
    kind: "worker.observation",
    ts: new Date(Date.UTC(2026, 10, 20) + i * 50).toISOString(),
    payload: {
      issue: 100 + (i % 50),
      attempt: 1 + (i % 3),
      what: "tool",
      summary: `Bash(npm test -- --run src/fetcher.test.ts) exit 0 after ${i % 900} ms`,
    },
  });
}

/**
 * Spawn → the first full frame of the bin, beside a process that only loads Ink and React
 * (as installed: the module files one by one); bare `node` in notes.
 */
async function coldStart(f: Fixture, log: (m: string) => void): Promise<BenchFigure> {
  const timeRun = async (args: string[]) => {
    const start = process.hrtime.bigint();
    const { stdout } = await execa(process.execPath, args, { env: { NODE_ENV: "production" } });
    if (!stdout.trim().startsWith("{")) throw new Error(`child printed: ${stdout}`);
    return msSince(start);
  };
  const ui: number[] = [];
  const inkOnly: number[] = [];
  const bare: number[] = [];
  const loadInk = "await import('ink'); await import('react'); process.stdout.write('{}\\n')";
  for (let i = 0; i < COLD_RUNS; i++) {
    bare.push(await timeRun(["-e", "process.stdout.write('{}\\n')"]));
    inkOnly.push(await timeRun(["--input-type=module", "-e", loadInk]));
    ui.push(await binFirstFrame(f.paths.stateDir));
  }
  const value = percentile(ui, 50);
  const baseline = percentile(inkOnly, 50);
  const node = percentile(bare, 50);
  log(
    `cold start median ${value.toFixed(0)} ms (ink+react ${baseline.toFixed(0)}, node ${node.toFixed(0)})`,
  );
  return {
    name: `tui cold start to first full frame (${label(f.events)} events, big JSONL), median of ${COLD_RUNS}`,
    value,
    unit: "ms",
    baseline: { name: "node loading ink and react, nothing else", value: baseline, unit: "ms" },
    ratio: value / baseline,
    target: { op: "<", value: 600, unit: "ms" },
    notes: `bare node start ${node.toFixed(0)} ms; the bin runs \`tui --dir\` on the fixture, its terminal a pipe passed off as a ${BENCH_TERMINAL.columns}×${BENCH_TERMINAL.rows} TTY`,
  };
}

/** Spawn → the first full frame of `forge-loop tui` on the state directory; then it quits. */
async function binFirstFrame(stateDir: string): Promise<number> {
  const start = process.hrtime.bigint();
  const bin = execa(process.execPath, ["--import", fakeTty, builtBin, "tui", "--dir", stateDir], {
    env: { NODE_ENV: "production" },
  });
  let written = "";
  const ms = await new Promise<number>((resolve, reject) => {
    bin.stdout.setEncoding("utf8");
    bin.stdout.on("data", (chunk: string) => {
      written += chunk;
      if (isFullFrame(screenText(written))) resolve(msSince(start));
    });
    bin.then(() => reject(new Error(`the bin exited before a full frame: ${written}`)), reject);
  });
  bin.stdin.write("q");
  await bin;
  return ms;
}

interface Session {
  stdout: BenchStdout;
  stdin: BenchStdin;
  source: StoreSource;
  stop(): Promise<void>;
}

async function openSession(f: Fixture, withJsonl: boolean): Promise<Session> {
  const { StoreSource, runTui } = await loadBuiltConsole();
  const stdout = new BenchStdout(BENCH_TERMINAL.columns, BENCH_TERMINAL.rows);
  const stdin = new BenchStdin();
  const source = StoreSource.open({
    dbPath: f.paths.eventsDb,
    ...(withJsonl ? { jsonlPath: f.paths.eventsJsonl } : {}),
    label: "bench",
  });
  const first = stdout.next((c) => c.includes("┌ Tasks"));
  const running = runTui({
    source,
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
  });
  await first;
  return {
    stdout,
    stdin,
    source,
    stop: async () => {
      stdin.type("q");
      await running;
    },
  };
}

function withTimeout(promise: Promise<void>, ms: number): Promise<boolean> {
  return Promise.race([
    promise.then(() => true),
    new Promise<boolean>((r) => setTimeout(() => r(false), ms)),
  ]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The engine's connection appends an event; how long until the UI draws it. */
async function appendToVisible(f: Fixture, log: (m: string) => void): Promise<BenchFigure> {
  const session = await openSession(f, false);
  const rnd = prng(5);
  const times: number[] = [];
  let missed = 0;
  try {
    for (let i = 0; i < APPENDS; i++) {
      await sleep(40 + rnd() * 200); // not in step with the poll
      const marker = `bench-visible-${i}`;
      const shown = session.stdout.next((c) => c.includes(marker));
      const start = process.hrtime.bigint();
      f.store.log.append({
        kind: "task.planned",
        payload: { issue: 900_000 + i, title: marker, labels: [], fingerprint: marker },
        idempotencyKey: `bench:${marker}`,
        taskId: `issue:${900_000 + i}`,
      });
      if (await withTimeout(shown, 5000)) times.push(msSince(start));
      else missed += 1;
    }
  } finally {
    await session.stop();
  }
  const p95 = percentile(times, 95);
  log(`append → visible p50 ${percentile(times, 50).toFixed(1)} ms, p95 ${p95.toFixed(1)} ms`);
  return {
    name: "event appended by the engine → visible on screen, p95",
    value: p95,
    unit: "ms",
    target: { op: "<", value: 150, unit: "ms" },
    notes: `p50 ${percentile(times, 50).toFixed(1)} ms over ${times.length} appends${missed ? `, ${missed} never shown` : ""}`,
  };
}

const keysForSeeks = ["\u001b[H", "\u001b[F", "[", "]", "\u001b[D", "\u001b[C", "{", "}"];

/** Scrubber keys → the frame at the new sequence, beside `stateAt` of those sequences. */
async function scrubberSeeks(f: Fixture, log: (m: string) => void): Promise<BenchFigure[]> {
  const session = await openSession(f, true);
  const rnd = prng(9);
  const frameTimes: number[] = [];
  const reached: number[] = [];
  try {
    const replay = session.stdout.next((c) => c.includes("REPLAY ◀"));
    session.stdin.type("p");
    await replay;
    let at = session.source.live().head;
    for (let i = 0; i < SEEKS; i++) {
      // Now and then select another task, so { } jump to attempts all over the log.
      if (rnd() < 0.3) {
        for (let j = Math.floor(rnd() * 30); j > 0; j--) session.stdin.type("j");
        await sleep(60);
      }
      const key = keysForSeeks[Math.floor(rnd() * keysForSeeks.length)] as string;
      let seen = at;
      const moved = session.stdout.next((c) => {
        const match = /seq ([\d,]+) \//.exec(c);
        if (!match) return false;
        seen = Number((match[1] as string).replaceAll(",", ""));
        return seen !== at;
      });
      const start = process.hrtime.bigint();
      session.stdin.type(key);
      if (await withTimeout(moved, 1000)) {
        frameTimes.push(msSince(start));
        reached.push(seen);
        at = seen;
      }
      await sleep(20);
    }
  } finally {
    await session.stop();
  }
  const foldTimes = reached.map((seq) => {
    const start = process.hrtime.bigint();
    f.store.stateAt(seq);
    return msSince(start);
  });
  const p95 = percentile(frameTimes, 95);
  const foldP95 = percentile(foldTimes, 95);
  log(`seek → frame p95 ${p95.toFixed(1)} ms (stateAt alone ${foldP95.toFixed(1)} ms)`);
  return [
    {
      name: "replay scrubber key → frame at the new sequence, p95",
      value: p95,
      unit: "ms",
      baseline: {
        name: "store.stateAt of the same sequences (fresh store cache)",
        value: foldP95,
        unit: "ms",
      },
      ratio: p95 / foldP95,
      target: { op: "<", value: 50, unit: "ms" },
      notes: `${frameTimes.length} seeks (Home/End, tick and attempt jumps, single steps); p50 ${percentile(frameTimes, 50).toFixed(1)} ms`,
    },
  ];
}

async function runChild<Result = Record<string, number>>(
  mode: string,
  f: Fixture,
  seconds: number,
): Promise<Result> {
  const { stdout } = await execa(
    process.execPath,
    ["--expose-gc", child, mode, f.paths.eventsDb, f.paths.eventsJsonl, String(seconds)],
    { env: { NODE_ENV: "production" } },
  );
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as Result;
}

async function idleCpu(
  f: Fixture,
  seconds: number,
  log: (m: string) => void,
): Promise<BenchFigure> {
  const result = await runChild("idle", f, seconds);
  const value = result.cpuPercentOfCore ?? Number.NaN;
  log(`idle CPU ${value.toFixed(2)} % of a core, ${result.renders} renders in ${seconds} s`);
  return {
    name: `tui idle CPU over ${seconds} s (engine running, nothing happening)`,
    value,
    unit: "% of a core",
    target: { op: "<", value: 2, unit: "% of a core" },
    notes: `${result.renders} writes to the terminal while idle`,
  };
}

/** The issue's live tail: durable events a second (each also a stream line, as the engine writes). */
const TAIL_EVENTS_PER_S = 500;
/** Worker observations a second: stream-only lines, as busy workers add. */
const TAIL_OBSERVATIONS_PER_S = 200;
/**
 * The shortest live tail whose RSS slope says whether memory is flat: RSS settles over the
 * first few minutes (the heap grows to its working size, code is compiled), so a shorter
 * run's second half still shows the settling.
 */
const FLATNESS_MIN_S = 600;
/**
 * "Flat": RSS grows less than this over the second half of the live tail. The heap's own
 * sizing moves RSS by a MiB or two over a few minutes (10-minute runs measured -0.06, -0.01
 * and 0.55 MiB/min); a leak of a MiB a minute would add 60 MiB an hour.
 */
const FLAT_MIB_PER_MIN = 1;
/**
 * RSS is taken as the median of each such window, longer than a collection's saw-tooth (or
 * of each tenth of a shorter run).
 */
const SLOPE_WINDOW_S = 30;

interface TailResult {
  rssStart: number;
  rssEnd: number;
  rssMax: number;
  /** RSS every second. */
  samples: { s: number; rss: number }[];
  /** The heap after a full collection, at the first frame and at the end. */
  heapStart: number;
  heapEnd: number;
}

/** The UI in a child while this process writes like a busy engine: events and stream lines. */
async function liveTail(
  f: Fixture,
  seconds: number,
  log: (m: string) => void,
): Promise<BenchFigure[]> {
  const running = runChild<TailResult>("tail", f, seconds);
  const fd = openSync(f.paths.eventsJsonl, "a");
  let line = 10_000_000;
  let appended = 0;
  let observed = 0;
  try {
    await sleep(2000); // let the child reach its first frame before the load starts
    const started = Date.now();
    for (let elapsed = 0; elapsed < (seconds + 1) * 1000; elapsed = Date.now() - started) {
      // Whatever is due by now, so the rates hold even when a write or a tick runs late.
      const due = Math.floor((elapsed / 1000) * TAIL_EVENTS_PER_S) - appended;
      const results = f.store.log.appendBatch(Array.from({ length: due }, () => next(f.stream)));
      appended += results.length;
      const lines = results.map((r) =>
        formatJsonlLine({
          kind: r.event.kind,
          seq: r.event.sequence,
          ts: r.event.occurredAt,
          payload: r.event.payload,
        }),
      );
      const observations = Math.floor((elapsed / 1000) * TAIL_OBSERVATIONS_PER_S) - observed;
      for (let i = 0; i < observations; i++) lines.push(observationLine(line++));
      observed += observations;
      if (lines.length > 0) writeSync(fd, `${lines.join("\n")}\n`);
      await sleep(100);
    }
  } finally {
    closeSync(fd);
  }
  const result = await running;
  const mb = (bytes: number) => bytes / MiB;
  const minutes = seconds / 60;
  const slope = rssSlope(result.samples);
  const heapGrowth = mb(result.heapEnd - result.heapStart) / minutes;
  // About 30 samples, evenly spread, are enough to show the trend.
  const every = Math.max(1, Math.round(result.samples.length / 30));
  const trail = result.samples
    .filter((x) => x.s % every === 0)
    .map((x) => `${x.s}s ${mb(x.rss).toFixed(0)}`)
    .join(", ");
  log(
    `tail: RSS ${mb(result.rssStart).toFixed(0)} → ${mb(result.rssEnd).toFixed(0)} MiB (max ${mb(result.rssMax).toFixed(0)}); second half ${slope.toFixed(2)} MiB/min; live heap ${mb(result.heapStart).toFixed(0)} → ${mb(result.heapEnd).toFixed(0)} MiB`,
  );
  log(`tail: RSS samples (MiB) ${trail}`);
  const rates = `${TAIL_EVENTS_PER_S} events/s + ${TAIL_OBSERVATIONS_PER_S} observations/s`;
  return [
    {
      name: `tui RSS after ${seconds} s of live tail (${appended} events: ${rates})`,
      value: mb(result.rssEnd),
      unit: "MiB",
      baseline: { name: "RSS at the first frame", value: mb(result.rssStart), unit: "MiB" },
      ratio: mb(result.rssEnd) / mb(result.rssStart),
      target: { op: "<", value: 200, unit: "MiB" },
      notes: `max ${mb(result.rssMax).toFixed(0)} MiB; no collection forced during the run; RSS samples (MiB): ${trail}`,
    },
    {
      name: "tui RSS growth over the second half of the live tail",
      value: slope,
      unit: "MiB/min",
      ...(seconds >= FLATNESS_MIN_S
        ? { target: { op: "<", value: FLAT_MIB_PER_MIN, unit: "MiB/min" } }
        : {}),
      notes: `flat = under ${FLAT_MIB_PER_MIN} MiB/min: the least-squares slope, over the second half of the run, of RSS sampled once a second and taken as the median of each ${SLOPE_WINDOW_S} s (a collection's saw-tooth is several MiB high)${seconds >= FLATNESS_MIN_S ? "" : `; judged from BENCH_UI_MINUTES ≥ ${FLATNESS_MIN_S / 60}, as RSS settles over the first minutes`}. Live heap after full collections ${mb(result.heapStart).toFixed(0)} → ${mb(result.heapEnd).toFixed(0)} MiB (${heapGrowth.toFixed(2)} MiB/min: the loop state grows with the events)`,
    },
  ];
}

/**
 * Least-squares slope (MiB a minute) of RSS over the second half of the samples, each
 * window of them taken as its median.
 */
function rssSlope(samples: TailResult["samples"]): number {
  const size = Math.max(1, Math.min(SLOPE_WINDOW_S, Math.floor(samples.length / 10)));
  const windows: { s: number; rss: number }[] = [];
  for (let i = 0; i + size <= samples.length; i += size) {
    const window = samples.slice(i, i + size);
    windows.push({
      s: percentile(
        window.map((x) => x.s),
        50,
      ),
      rss: percentile(
        window.map((x) => x.rss),
        50,
      ),
    });
  }
  const half = windows.slice(Math.floor(windows.length / 2));
  if (half.length < 2) return Number.NaN;
  const mx = half.reduce((a, x) => a + x.s, 0) / half.length;
  const my = half.reduce((a, x) => a + x.rss, 0) / half.length;
  const num = half.reduce((a, x) => a + (x.s - mx) * (x.rss - my), 0);
  const den = half.reduce((a, x) => a + (x.s - mx) ** 2, 0);
  return (num / den / MiB) * 60;
}

function label(n: number): string {
  return n >= 1_000_000 ? `${n / 1_000_000}M` : `${Math.round(n / 1000)}k`;
}
