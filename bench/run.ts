/**
 * `npm run bench`: runs every suite, prints a table and writes bench/results.json.
 * BENCH_ONLY=<suite name substring> runs a subset; BENCH_SCALE scales event counts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BenchFigure, type BenchSuite, judge } from "./harness.js";
import { suites } from "./suites/index.js";

const only = process.env.BENCH_ONLY;
const scale = Number(process.env.BENCH_SCALE ?? "1");
const results: { suite: string; figures: BenchFigure[] }[] = [];

function fmt(n: number | undefined): string {
  if (n === undefined || Number.isNaN(n)) return "-";
  if (Math.abs(n) >= 1000) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(3);
}

async function runSuite(suite: BenchSuite): Promise<void> {
  const tmpDir = mkdtempSync(join(tmpdir(), `forge-bench-${suite.name}-`));
  try {
    const figures = await suite.run({
      tmpDir,
      scale,
      log: (m) => process.stderr.write(`  [${suite.name}] ${m}\n`),
    });
    for (const f of figures) f.pass ??= judge(f.value, f.target);
    results.push({ suite: suite.name, figures });
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
}

for (const suite of suites as BenchSuite[]) {
  if (only && !suite.name.includes(only)) continue;
  process.stderr.write(`running ${suite.name}…\n`);
  await runSuite(suite);
}

const rows = results.flatMap((r) =>
  r.figures.map((f) => ({
    figure: f.name,
    value: `${fmt(f.value)} ${f.unit}`,
    baseline: f.baseline ? `${fmt(f.baseline.value)} ${f.baseline.unit} (${f.baseline.name})` : "-",
    ratio: f.ratio === undefined ? "-" : fmt(f.ratio),
    target: f.target ? `${f.target.op} ${f.target.value} ${f.target.unit}` : "-",
    ok: f.pass === undefined ? "" : f.pass ? "yes" : "NO",
  })),
);
console.table(rows);
const resultsFile = new URL("../../bench/results.json", import.meta.url);

/**
 * A partial run (BENCH_ONLY) replaces only its own suites' entries, so the file always holds
 * the latest figures of every suite; each entry says when and at what scale it was measured.
 */
function merged(): { suite: string }[] {
  const fresh = results.map((r) => ({ ...r, at: new Date().toISOString(), scale }));
  if (!only || !existsSync(resultsFile)) return fresh;
  const previous = JSON.parse(readFileSync(resultsFile, "utf8")) as {
    results?: { suite: string }[];
  };
  const kept = (previous.results ?? []).filter((r) => !fresh.some((f) => f.suite === r.suite));
  const order = (suites as BenchSuite[]).map((s) => s.name);
  return [...kept, ...fresh].sort((a, b) => order.indexOf(a.suite) - order.indexOf(b.suite));
}

writeFileSync(
  resultsFile,
  `${JSON.stringify({ at: new Date().toISOString(), node: process.version, results: merged() }, null, 2)}\n`,
);
