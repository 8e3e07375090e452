/**
 * The UI in a process of its own, for the figures that must not share a process with the
 * load generator: `idle` (CPU while nothing happens) and `tail` (memory while the engine
 * writes). Prints one JSON line with its figures.
 *
 *   node child.js <idle|tail> <events.db> <events.jsonl> <seconds>
 *
 * It loads the console from the build, as `forge-loop tui` does; only the terminal is a
 * stand-in.
 */
import { loadBuiltConsole } from "./built.js";
import { BENCH_TERMINAL, BenchStdin, BenchStdout, isFullFrame } from "./terminal.js";

const [mode, dbPath, jsonlPath, secondsText] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
];
const seconds = Number(secondsText ?? "5");
const { StoreSource, runTui } = await loadBuiltConsole();
const stdout = new BenchStdout(BENCH_TERMINAL.columns, BENCH_TERMINAL.rows);
const stdin = new BenchStdin();
const firstFrame = stdout.next(isFullFrame);

const source = StoreSource.open({ dbPath, jsonlPath, label: "bench" });
const running = runTui({
  source,
  stdout: stdout as unknown as NodeJS.WriteStream,
  stdin: stdin as unknown as NodeJS.ReadStream,
});
await firstFrame;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const gc = () => (globalThis as { gc?: () => void }).gc?.();

if (mode === "idle") {
  await sleep(2000); // settle: the first transcript read, the first clock tick
  const writes = stdout.writes;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await sleep(seconds * 1000);
  const used = process.cpuUsage(cpu);
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  report({
    cpuPercentOfCore: ((used.user + used.system) / 1000 / wallMs) * 100,
    renders: stdout.writes - writes,
    seconds: wallMs / 1000,
  });
} else {
  // RSS as the operator's `top` sees it, at the first frame and then once a second, with no
  // collection forced in between (that would hide how far the heap really grows); the heap
  // left after a full collection at both ends says whether the live data grew.
  const rssStart = process.memoryUsage().rss;
  gc();
  const heapStart = process.memoryUsage().heapUsed;
  const samples: { s: number; rss: number }[] = [];
  const started = Date.now();
  for (let second = 1; Date.now() - started < seconds * 1000; second++) {
    await sleep(started + second * 1000 - Date.now());
    samples.push({ s: second, rss: process.memoryUsage().rss });
  }
  const rssEnd = process.memoryUsage().rss;
  gc();
  report({
    rssStart,
    rssEnd,
    rssMax: Math.max(rssStart, ...samples.map((x) => x.rss)),
    samples,
    heapStart,
    heapEnd: process.memoryUsage().heapUsed,
    renders: stdout.writes,
  });
}
stdin.type("q");
await running;
process.exit(0);

function report(figures: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}
