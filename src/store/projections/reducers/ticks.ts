/**
 * One row per tick, keyed `<run>:<tick>` zero-padded so keys sort in tick order; only the
 * newest ticks are kept. `run` separates the ticks of different Python runner processes,
 * whose tick counters all restart at 0 (the legacy mirror puts it in tick payloads).
 */
import type { FoldEvent } from "../../contract/envelope.js";
import { arrayField, durationMsOf, intField, isRecord, msBetween, stringField } from "../fields.js";
import type { Projection } from "../projection.js";
import type { TickRow } from "../types.js";

const maxOutcomes = 100;

export function tickKey(run: number, tick: number): string {
  return `${String(run).padStart(6, "0")}:${String(tick).padStart(9, "0")}`;
}

export const ticksProjection: Projection<"ticks"> = {
  name: "ticks",
  retain: 500,
  route(event) {
    if (event.kind !== "tick.started" && event.kind !== "tick.completed") return [];
    const tick = tickOf(event);
    return tick === undefined ? [] : [tickKey(intField(event.payload, "run") ?? 0, tick)];
  },
  reduce(row, event) {
    const next: TickRow = row
      ? { ...row }
      : {
          tick: tickOf(event) ?? 0,
          run: intField(event.payload, "run") ?? 0,
          candidates: 0,
          outcomes: [],
        };
    if (event.kind === "tick.started") {
      next.startedAt = event.occurredAt;
      next.startSeq = event.sequence;
      next.candidates = candidatesOf(event.payload);
    } else {
      next.completedAt = event.occurredAt;
      next.endSeq = event.sequence;
      next.durationMs = durationMsOf(event.payload) ?? msBetween(next.startedAt, event.occurredAt);
      next.outcomes = outcomesOf(arrayField(event.payload, "outcomes"));
    }
    return next;
  },
};

/** The payload's `tick`, else the saga id `tick:<n>`. */
function tickOf(event: FoldEvent): number | undefined {
  const tick = intField(event.payload, "tick");
  if (tick !== undefined) return tick;
  const saga = /^tick:(\d{1,15})$/.exec(event.sagaId ?? "");
  return saga ? Number(saga[1]) : undefined;
}

/** Ours list `candidates`; legacy `tick_start` lists `issues`. */
function candidatesOf(payload: Record<string, unknown>): number {
  const candidates = payload.candidates;
  return Array.isArray(candidates) ? candidates.length : arrayField(payload, "issues").length;
}

function outcomesOf(raw: readonly unknown[]): TickRow["outcomes"] {
  const outcomes: TickRow["outcomes"] = [];
  for (const item of raw) {
    if (outcomes.length >= maxOutcomes) break;
    if (!isRecord(item)) continue;
    const issue = intField(item, "issue", "number");
    if (issue === undefined) continue;
    outcomes.push({ issue, status: stringField(item, "status") ?? "unknown" });
  }
  return outcomes;
}
