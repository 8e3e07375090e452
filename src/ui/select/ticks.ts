/**
 * Rows of the Ticks view: a timeline, newest first, each tick a bar as long as its duration
 * (relative to the longest tick shown) coloured by how its attempts ended.
 */
import type { LoopState, TickRow } from "../../store/projections/types.js";
import { ageMs, duration, shortTime } from "../format.js";
import { type Color, seg } from "./line.js";
import { lazyRows, type Rows } from "./rows.js";
import { outcomeClass } from "./status.js";

export function sortedTicks(state: LoopState): TickRow[] {
  return [...state.ticks.values()].sort((a, b) => b.run - a.run || b.tick - a.tick);
}

export function tickDurationMs(tick: TickRow, nowMs: number): number | undefined {
  return tick.durationMs ?? (tick.completedAt ? undefined : ageMs(tick.startedAt, nowMs));
}

export function tickRows(state: LoopState, nowMs: number, barWidth: number): Rows {
  const ticks = sortedTicks(state);
  const longest = Math.max(1, ...ticks.map((t) => tickDurationMs(t, nowMs) ?? 0));
  const multiRun = new Set(ticks.map((t) => t.run)).size > 1;
  return lazyRows(ticks, tickKey, (tick) => {
    const ms = tickDurationMs(tick, nowMs);
    const filled = ms === undefined ? 0 : Math.max(1, Math.round((ms / longest) * barWidth));
    const counts = outcomeCounts(tick);
    const running = tick.completedAt === undefined && tick.durationMs === undefined;
    const name = multiRun ? `r${tick.run} tick ${tick.tick}` : `tick ${tick.tick}`;
    return {
      line: [
        seg(`${name.padEnd(multiRun ? 13 : 9)} `),
        seg(`${shortTime(tick.startedAt)} `, "gray"),
        seg("█".repeat(Math.min(barWidth, filled)), barColor(counts, running)),
        seg("░".repeat(Math.max(0, barWidth - filled)), "gray"),
        seg(` ${(running ? "running" : duration(ms)).padStart(7)} `),
        seg(counts.good > 0 ? `✔${counts.good} ` : "", "green"),
        seg(counts.bad > 0 ? `✖${counts.bad} ` : "", "red"),
        seg(counts.other > 0 ? `·${counts.other} ` : "", "gray"),
        seg(tick.outcomes.length === 0 && !running ? `${tick.candidates} candidates` : "", "gray"),
      ],
    };
  });
}

export function tickKey(tick: TickRow): string {
  return `${tick.run}:${tick.tick}`;
}

export function outcomeCounts(tick: TickRow): { good: number; bad: number; other: number } {
  const counts = { good: 0, bad: 0, other: 0 };
  for (const outcome of tick.outcomes) counts[outcomeClass(outcome.status)] += 1;
  return counts;
}

function barColor(counts: { good: number; bad: number }, running: boolean): Color {
  if (running) return "cyan";
  if (counts.bad > 0 && counts.good > 0) return "yellow";
  if (counts.bad > 0) return "red";
  return counts.good > 0 ? "green" : "gray";
}
