/**
 * The UI in a process of its own, for the figures that must not share a process with the
 * load generator: `cold` (start to first full frame), `idle` (CPU while nothing happens)
 * and `tail` (memory while the engine writes). Prints one JSON line with its figures.
 *
 *   node child.js <cold|idle|tail> <events.db> <events.jsonl> <seconds>
 */
import { StoreSource } from "../../../src/ui/data/store-source.js";
import { runTui } from "../../../src/ui/run.js";
import { BenchStdin, BenchStdout } from "./terminal.js";

const [mode, dbPath, jsonlPath, secondsText] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
];
const seconds = Number(secondsText ?? "5");
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
  gc();
  const rssStart = process.memoryUsage().rss;
  let rssMax = rssStart;
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    await sleep(1000);
    rssMax = Math.max(rssMax, process.memoryUsage().rss);
  }
  gc();
  report({
    rssStart,
    rssMax,
    rssEnd: process.memoryUsage().rss,
    head: source.live().head,
    feedLines: source.live().feed.length,
    renders: stdout.writes,
  });
}
stdin.type("q");
await running;
process.exit(0);

function report(figures: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}
