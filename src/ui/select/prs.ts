/** Rows of the PRs view: every pull request, newest first, with checks and merge state. */
import type { LoopState, PrRow } from "../../store/projections/types.js";
import { type Color, seg } from "./line.js";
import { lazyRows, type Rows } from "./rows.js";

const checksLook: Record<string, { icon: string; color: Color }> = {
  passing: { icon: "✔", color: "green" },
  failing: { icon: "✖", color: "red" },
  pending: { icon: "…", color: "yellow" },
};

const stateColor: Record<PrRow["state"], Color> = {
  open: "blue",
  merged: "green",
  blocked: "red",
  closed: "gray",
};

export function sortedPrs(state: LoopState): PrRow[] {
  return [...state.prs.values()].sort((a, b) => b.pr - a.pr);
}

export function prRows(state: LoopState): Rows {
  return lazyRows(
    sortedPrs(state),
    (pr) => String(pr.pr),
    (pr) => {
      const checks = checksLook[pr.checksState ?? ""] ?? { icon: "·", color: "gray" };
      return {
        issue: pr.issue,
        line: [
          seg(`PR #${pr.pr}`.padEnd(9)),
          seg(`#${pr.issue}`.padEnd(7), "gray"),
          seg(`${checks.icon} ${(pr.checksState ?? "no checks").padEnd(10)}`, checks.color),
          seg(pr.state.padEnd(8), stateColor[pr.state] ?? "white"),
          seg(pr.mergeMethod ? `(${pr.mergeMethod}) ` : "", "gray"),
          seg(pr.blockedReason ? `${pr.blockedReason} ` : "", "red"),
          seg(pr.branch ?? "", undefined, { dim: true }),
        ],
      };
    },
  );
}
