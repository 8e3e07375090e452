/**
 * A projection is a pure fold over events, kept per row: `route` names the rows an event
 * touches, `reduce` folds the event into one row. No clock, no I/O, no randomness: the
 * same events always give the same rows, whether folded live, rebuilt, or replayed.
 *
 * Keeping the reducer per row (rather than over a whole map) makes a fold O(1) per event
 * and tells the materialiser exactly which rows changed.
 */
import type { FoldEvent } from "../contract/envelope.js";
import type { ProjectionName, ProjectionRows } from "./types.js";

export interface Projection<P extends ProjectionName> {
  name: P;
  /** Keys of the rows this event changes; [] when it does not concern this projection. */
  route(event: FoldEvent): readonly string[];
  /** Folds one event into one row. `undefined` in = no row yet; `undefined` out = delete the row. */
  reduce(
    row: ProjectionRows[P] | undefined,
    event: FoldEvent,
    key: string,
  ): ProjectionRows[P] | undefined;
  /**
   * Keep at most this many rows: after a fold inserts a new row past the limit, the
   * oldest-inserted rows are evicted (deterministic: depends only on the event order).
   */
  retain?: number;
}
