/**
 * Every projection, in a fixed order: the fold, the materialiser and the snapshots all
 * iterate this list, so adding a projection here is the one step that wires it in.
 */
import type { Projection } from "./projection.js";
import { loopProjection } from "./reducers/loop.js";
import { prsProjection } from "./reducers/prs.js";
import { scorecardProjection } from "./reducers/scorecard.js";
import { tasksProjection } from "./reducers/tasks.js";
import { ticksProjection } from "./reducers/ticks.js";
import { verdictsProjection } from "./reducers/verdicts.js";
import { workersProjection } from "./reducers/workers.js";
import type { ProjectionName } from "./types.js";

/** A projection of any name, with its row type tied to its name. */
export type AnyProjection = { [P in ProjectionName]: Projection<P> }[ProjectionName];

/** The names of every projection, in the fixed order (also the order of `projections`). */
export const projectionNames = [
  "loop",
  "ticks",
  "tasks",
  "workers",
  "verdicts",
  "prs",
  "scorecard",
] as const satisfies readonly ProjectionName[];

export const projections: readonly AnyProjection[] = [
  loopProjection,
  ticksProjection,
  tasksProjection,
  workersProjection,
  verdictsProjection,
  prsProjection,
  scorecardProjection,
];
