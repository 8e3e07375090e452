/**
 * Benchmark harness: every figure is measured beside its baseline in the same run and
 * reported as a ratio (or against its target when there is no natural baseline).
 */

export interface BenchFigure {
  /** e.g. "store.appendBatch 1M events". */
  name: string;
  value: number;
  unit: string;
  /** What the figure is compared with, measured in the same run. */
  baseline?: { name: string; value: number; unit: string };
  /** value / baseline.value, or for rates baseline-relative throughput (see `higherIsBetter`). */
  ratio?: number;
  /** Target from the issue, in the figure's unit, e.g. { op: "<", value: 1 } for p99 < 1 ms. */
  target?: { op: "<" | ">"; value: number; unit: string };
  pass?: boolean;
  notes?: string;
}

export interface BenchSuite {
  name: string;
  run(ctx: BenchContext): Promise<BenchFigure[]>;
}

export interface BenchContext {
  /** A fresh temporary directory for this suite, removed afterwards. */
  tmpDir: string;
  /** BENCH_SCALE (default 1): 0.1 runs a tenth of the events, for a quick look. */
  scale: number;
  log(message: string): void;
}

export function percentile(sortedOrNot: readonly number[], p: number): number {
  const sorted = [...sortedOrNot].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

export function judge(value: number, target: BenchFigure["target"]): boolean | undefined {
  if (!target) return undefined;
  return target.op === "<" ? value < target.value : value > target.value;
}

export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}
