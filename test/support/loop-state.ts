/**
 * Comparing folded states: every projection's rows as `[key, canonical JSON]` in fold
 * order, so two states compare equal exactly when they hold the same rows in the same
 * order (object key order and `undefined` fields aside, which JSON storage drops).
 */

import { canonicalJson } from "../../src/store/contract/canonical-json.js";
import type { StoredEvent } from "../../src/store/contract/envelope.js";
import { projectionNames } from "../../src/store/projections/all.js";
import { emptyState, foldEvents } from "../../src/store/projections/fold.js";
import type { LoopState } from "../../src/store/projections/types.js";

export type StateEntries = { seq: number } & Record<string, [string, string][]>;

export function stateEntries(state: LoopState): StateEntries {
  const out = { seq: state.seq } as StateEntries;
  for (const name of projectionNames) {
    out[name] = [...(state[name] as Map<string, unknown>)].map(([key, row]) => [
      key,
      canonicalJson(row),
    ]);
  }
  return out;
}

/** The state after the events up to `seq`, folded from nothing: the reference. */
export function foldUpTo(events: readonly StoredEvent[], seq: number): LoopState {
  return foldEvents(
    emptyState(),
    events.filter((e) => e.sequence <= seq),
  );
}
