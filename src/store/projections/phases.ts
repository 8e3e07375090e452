/** The gates an attempt passes, in order; an attempt's phase is the furthest one reached. */
import type { AttemptRow } from "./types.js";

type Phase = AttemptRow["phase"];

const rank: Record<Phase, number> = { dispatched: 0, checks: 1, critic: 2, pr: 3, merge: 4 };

/** The further of two phases: news of an earlier gate (a re-run of checks) never moves back. */
export function furthestPhase(current: Phase, reached: Phase): Phase {
  return rank[reached] > rank[current] ? reached : current;
}
