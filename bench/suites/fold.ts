/**
 * The pure fold alone (no SQLite): `foldEvents` over a realistic engine stream
 * (test/support/engine-stream), against the target of ≥ 300k events/s, beside a baseline
 * that only visits each event (a switch on its kind and one Map write per issue), the
 * floor any fold pays. Both in CPU time (best of several rounds): the fold is one thread
 * of pure computation, and CPU time keeps other processes on a shared machine out of it.
 */
import type { StoredEvent } from "../../src/store/contract/envelope.js";
import { emptyState, foldEvents } from "../../src/store/projections/fold.js";
import { engineEvents } from "../../test/support/engine-stream.js";
import { storedEvents } from "../../test/support/stored-events.js";
import type { BenchFigure, BenchSuite } from "../harness.js";
import { msSince } from "../harness.js";

const ROUNDS = 5;

export const foldSuite: BenchSuite = {
  name: "fold",
  async run(ctx) {
    const count = Math.max(10_000, Math.round(300_000 * ctx.scale));
    const events = storedEvents(engineEvents(count, { seed: 11 }));
    ctx.log(`${events.length} events generated`);
    let foldMs = Number.POSITIVE_INFINITY;
    let visitMs = Number.POSITIVE_INFINITY;
    let foldWallMs = Number.POSITIVE_INFINITY;
    for (let round = 0; round < ROUNDS; round++) {
      visitMs = Math.min(
        visitMs,
        cpuMs(() => visit(events)),
      );
      const start = process.hrtime.bigint();
      foldMs = Math.min(
        foldMs,
        cpuMs(() => foldEvents(emptyState(), events)),
      );
      foldWallMs = Math.min(foldWallMs, msSince(start));
    }
    const rate = events.length / (foldMs / 1000);
    const visitRate = events.length / (visitMs / 1000);
    const figure: BenchFigure = {
      name: `foldEvents, realistic engine mix (${Math.round(events.length / 1000)}k events)`,
      value: rate,
      unit: "events/s",
      baseline: {
        name: "visiting each event (kind switch + Map write)",
        value: visitRate,
        unit: "events/s",
      },
      ratio: rate / visitRate,
      target: { op: ">", value: 300_000, unit: "events/s" },
      notes: `CPU time, best of ${ROUNDS} rounds; wall clock ${Math.round(events.length / (foldWallMs / 1000))} events/s`,
    };
    return [figure];
  },
};

/** The least a fold does: look at each event and write one row per issue. */
function visit(events: readonly StoredEvent[]): Map<unknown, number> {
  const rows = new Map<unknown, number>();
  for (const event of events) {
    switch (event.kind) {
      case "tick.started":
      case "tick.completed":
        rows.set(event.payload.tick, event.sequence);
        break;
      default:
        rows.set(event.payload.issue, event.sequence);
    }
  }
  return rows;
}

/** CPU milliseconds `work` takes (user + system, so the collector's threads count too). */
function cpuMs(work: () => unknown): number {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}
