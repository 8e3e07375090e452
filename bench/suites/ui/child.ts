/**
 * The UI in a process of its own, for the figures that must not share a process with the
 * load generator: `cold` (start to first full frame), `idle` (CPU while nothing happens)
 * and `tail` (memory while the engine writes). Prints one JSON line with its figures.
 *
 *   node child.js <cold|idle|tail> <events.db> <events.jsonl> <seconds>
 *
 * It starts the way `forge-loop tui` does: the CLI's program and every command definition
 * are loaded, then the tui command loads the console; only the terminal is a stand-in.
 * (The program is not built: its version comes from package.json, which the bench build
 * has not; building it takes ~3 ms.)
 */
import "../../../src/cli/program.js";
import { loadConsole } from "../../../src/cli/commands/tui.js";
import { BenchStdin, BenchStdout } from "./terminal.js";

const [mode, dbPath, jsonlPath, secondsText] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
];
const seconds = Number(secondsText ?? "5");
const { StoreSource, runTui } = await loadConsole();
const stdout = new BenchStdout(120, 40);
const stdin = new BenchStdin();
const fullFrame = (chunk: string) => chunk.includes("┌ Tasks") && chunk.includes("┌ Events");
const firstFrame = stdout.next(fullFrame);

const source = StoreSource.open({ dbPath, jsonlPath, label: "bench" });
const running = runTui({
  source,
  stdout: stdout as unknown as NodeJS.WriteStream,
  stdin: stdin as unknown as NodeJS.ReadStream,
});
await firstFrame;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const gc = () => (globalThis as { gc?: () => void }).gc?.();

if (mode === "cold") {
  report({ firstFrame: true });
} else if (mode === "idle") {
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
  // RSS as the operator's `top` sees it, once a second, with no collection forced in
  // between (that would hide how far the heap really grows); the heap left after a full
  // collection at both ends says whether the live data grew.
  gc();
  const rssStart = process.memoryUsage().rss;
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
