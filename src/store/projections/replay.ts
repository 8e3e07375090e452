/**
 * The state at any sequence, for the replay scrubber and `replay --to`: the nearest
 * snapshot at or before it, then a short fold. Scrubbing stays near one place, so the
 * states already computed are kept (a small LRU, plus a copy every few hundred events of a
 * fold) and the next seek folds from the closest one instead of decoding a snapshot again.
 *
 * `foldEvent` mutates the state it is given. Rows are never mutated (reducers return new
 * rows), so a copy of the maps alone (`cloneState`) keeps a kept state intact: cached states
 * are private, and every caller gets its own copy it may fold further.
 */
import { projectionNames } from "./all.js";
import { emptyState, foldEvent } from "./fold.js";
import type { EventSource, SnapshotSource } from "./snapshots.js";
import type { LoopState, ProjectionName } from "./types.js";

export interface SeekerOptions {
  /** States kept for the next seek (default 32; they share rows, so each costs its maps). */
  cacheSize?: number;
  /** While folding forward, keep a state every this many events (default 1000). */
  checkpointEvery?: number;
}

/** A copy whose maps can be folded without touching the original's. */
export function cloneState(state: LoopState): LoopState {
  const copy = { seq: state.seq } as LoopState;
  for (const name of projectionNames) {
    (copy as Record<ProjectionName, Map<string, unknown>>)[name] = new Map(
      state[name] as Map<string, unknown>,
    );
  }
  return copy;
}

const pageSize = 2000;
/** Checkpoints kept behind a seek's target (see `foldTo`). */
const checkpointsKept = 2;

export class StateSeeker {
  /** Private states by sequence; Map order = least recently used first. */
  private readonly cache = new Map<number, LoopState>();
  private readonly cacheSize: number;
  private readonly checkpointEvery: number;

  constructor(
    private readonly snapshots: SnapshotSource,
    private readonly readEvents: EventSource,
    private readonly head: () => number,
    options: SeekerOptions = {},
  ) {
    this.cacheSize = options.cacheSize ?? 32;
    this.checkpointEvery = options.checkpointEvery ?? 1000;
  }

  /** The state after folding every event up to `seq` (clamped to [0, head]). */
  stateAt(seq: number): LoopState {
    const target = Math.max(0, Math.min(Math.floor(seq), this.head()));
    const base = this.baseFor(target);
    // A state kept at the target itself (stepping back to where it was): one copy will do.
    if (base.seq === target) return cloneState(base);
    const state = cloneState(base);
    this.foldTo(state, target);
    this.remember(state);
    return cloneState(state);
  }

  /** Forgets every kept state (after a rebuild rewrote the snapshots). */
  clear(): void {
    this.cache.clear();
  }

  /** The closest kept state at or before `target` and not before its nearest snapshot. */
  private baseFor(target: number): LoopState {
    const snapshot = this.snapshots.nearest(target);
    const floor = snapshot?.seq ?? 0;
    let best: LoopState | undefined;
    for (const state of this.cache.values()) {
      if (state.seq >= floor && state.seq <= target && (!best || state.seq > best.seq)) {
        best = state;
      }
    }
    if (best) {
      this.remember(best);
      return best;
    }
    if (!snapshot) return emptyState();
    try {
      const decoded = snapshot.state();
      this.remember(decoded);
      return decoded;
    } catch {
      // A snapshot we cannot read is only a lost shortcut: fold from the start instead.
      return emptyState();
    }
  }

  /**
   * Folds forward, keeping a copy every `checkpointEvery` events for stepping back. Only
   * the last few before the target are kept: a copy costs as much as folding hundreds of
   * events, and copies far behind the target serve a later seek into that stretch only.
   */
  private foldTo(state: LoopState, target: number): void {
    const firstCheckpoint = target - checkpointsKept * this.checkpointEvery;
    let nextCheckpoint = Math.max(state.seq + this.checkpointEvery, firstCheckpoint);
    while (state.seq < target) {
      const before = state.seq;
      const page = this.readEvents(state.seq, Math.min(pageSize, target - state.seq));
      for (const event of page) {
        if (event.sequence > target) return;
        foldEvent(state, event);
        if (state.seq >= nextCheckpoint && state.seq < target) {
          this.remember(cloneState(state));
          nextCheckpoint = state.seq + this.checkpointEvery;
        }
      }
      if (state.seq === before) return;
    }
  }

  /** Keeps `state` as the most recently used, dropping the least recently used past the bound. */
  private remember(state: LoopState): void {
    this.cache.delete(state.seq);
    this.cache.set(state.seq, state);
    while (this.cache.size > this.cacheSize) {
      this.cache.delete(this.cache.keys().next().value as number);
    }
  }
}
