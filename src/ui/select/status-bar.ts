/**
 * What the status bar says: the engine's state (and when it was last seen when it is not
 * running), the loop's counters, and the operator commands still waiting for an answer.
 */
import type { LoopRow, LoopState } from "../../store/projections/types.js";
import type { EngineLiveness } from "../data/source.js";
import { age, ageMs, clip, money } from "../format.js";
import { type Line, seg } from "./line.js";

/** How long an answered command stays in the status bar. */
export const ANSWER_SHOWN_MS = 15_000;

export type DisplayMode = "live" | "frozen" | "replay";

export function engineSegs(
  engine: EngineLiveness,
  state: LoopState,
  nowMs: number,
  mode: DisplayMode,
): Line {
  const loop = state.loop.get("loop");
  const status = loop?.status ?? "unknown";
  if (mode === "replay") return [seg(`◆ ${status}`, statusColor(status))];
  if (engine.state === "not_running") {
    const seen = engine.lastSeenAt ?? loop?.lastEventAt;
    return [
      seg("○ not running", "red", { bold: true }),
      seg(seen ? ` (last seen ${age(seen, nowMs)} ago)` : " (never seen)", "gray"),
    ];
  }
  if (engine.state === "unknown") {
    return [
      seg(`◇ ${status}`, statusColor(status)),
      seg(loop?.lastEventAt ? ` (last event ${age(loop.lastEventAt, nowMs)} ago)` : "", "gray"),
    ];
  }
  return [seg(`● ${status}`, statusColor(status), { bold: true }), ...idleSegs(loop, nowMs)];
}

/**
 * A running engine with nothing to do records nothing (no ticks either), so "tick 12"
 * could be an hour old: after two tick periods without an event, say for how long.
 */
function idleSegs(loop: LoopRow | undefined, nowMs: number): Line {
  if (loop?.status !== "running") return [];
  const quietMs = ageMs(loop.lastEventAt, nowMs);
  const tickMs = (loop.tickIntervalS ?? 60) * 1000;
  if (quietMs === undefined || quietMs < Math.max(IDLE_AFTER_MS, 2 * tickMs)) return [];
  return [seg(` (idle ${age(loop.lastEventAt, nowMs)})`, "gray")];
}

/** Never "idle" sooner than this, however short the tick period. */
const IDLE_AFTER_MS = 60_000;

function statusColor(status: string) {
  switch (status) {
    case "running":
      return "green" as const;
    case "halted":
    case "draining":
      return "yellow" as const;
    case "stopped":
      return "red" as const;
    default:
      return "gray" as const;
  }
}

export function counterSegs(state: LoopState): Line {
  const loop = state.loop.get("loop");
  const score = state.scorecard.get("scorecard");
  return [
    seg(`tick ${loop?.tick ?? "-"}  `),
    seg(`slots ${state.workers.size}/${loop?.parallel ?? "-"}  `),
    seg(`merged ${score?.merged ?? 0}  `, "green"),
    seg(
      `failed ${score?.failedAttempts ?? 0}  `,
      (score?.failedAttempts ?? 0) > 0 ? "red" : undefined,
    ),
    seg(money(score?.costUsdTotal ?? 0)),
  ];
}

/** `halt requested…` while unanswered; the answer for a little while after it came. */
export function controlSegs(state: LoopState, nowMs: number): Line {
  const loop = state.loop.get("loop");
  if (!loop) return [];
  const pending = Object.values(loop.pendingControls).sort((a, b) => a.seq - b.seq);
  if (pending.length > 0) {
    return pending.map((p) =>
      seg(` ${commandText(p.command, p.target, p.mode)} requested…`, "yellow", { bold: true }),
    );
  }
  const last = loop.recentControls[loop.recentControls.length - 1];
  const since = last ? ageMs(last.answeredAt, nowMs) : undefined;
  if (!last || since === undefined || since > ANSWER_SHOWN_MS) return [];
  const what = commandText(last.command, last.target, last.mode);
  return last.result === "applied"
    ? [seg(` ${what} applied`, "green")]
    : [
        seg(` ${what} rejected${last.detail ? `: ${clip(last.detail, 40)}` : ""}`, "red", {
          bold: true,
        }),
      ];
}

function commandText(command: string, target?: number, mode?: string): string {
  if (command === "halt") return mode === "now" ? "halt now" : "halt";
  return target === undefined ? command : `${command} #${target}`;
}
