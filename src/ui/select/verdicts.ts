/** Rows of the Critic view: every verdict, newest first, with its severity counts. */
import type { LoopState, VerdictRow } from "../../store/projections/types.js";
import { duration } from "../format.js";
import { type Seg, seg } from "./line.js";
import { lazyRows, type Rows } from "./rows.js";
import { verdictColor } from "./status.js";

export function sortedVerdicts(state: LoopState): VerdictRow[] {
  return [...state.verdicts.values()].sort((a, b) => b.seq - a.seq);
}

export function verdictRows(state: LoopState): Rows {
  return lazyRows(sortedVerdicts(state), verdictKey, (v) => ({
    issue: v.issue,
    line: [
      seg(`#${v.issue} a${v.attempt}  `),
      seg(`${v.overall.padEnd(16)}`, verdictColor(v.overall, v.blocking), { bold: v.blocking }),
      seg(v.blocking ? "blocks  " : "        ", "red"),
      ...severitySegs(v),
      seg(`  ${duration(v.durationMs)}  `, "gray"),
      seg(v.summary ?? "", undefined, { dim: true }),
    ],
  }));
}

export function verdictKey(v: VerdictRow): string {
  return `${v.issue}:${v.attempt}:${v.seq}`;
}

/** `sev1×1 sev2×2`, only the severities found; `no findings` when there are none. */
function severitySegs(v: VerdictRow): Seg[] {
  const segs = (["sev1", "sev2", "sev3"] as const)
    .filter((s) => v.sevCounts[s] > 0)
    .map((s) =>
      seg(`${s}×${v.sevCounts[s]} `, s === "sev1" ? "red" : s === "sev2" ? "yellow" : "gray"),
    );
  return segs.length > 0 ? segs : [seg("no findings", "gray")];
}
