/**
 * The state at any sequence, for the replay scrubber and `replay --to`: the nearest
 * snapshot at or before it, then a short fold. Scrubbing stays near one place, so the
 * states already computed are kept (a small LRU) and the next seek folds from the closest
 * one instead of decoding a snapshot again.
 *
 * `foldEvent` mutates the state it is given. Rows are never mutated (reducers return new
 * rows), so a copy of the maps alone (`cloneState`) keeps a kept state intact: cached states
 * are private, and every caller gets its own copy it may fold further.
 */
import { projectionNames } from "./all.js";
import { deserializeState, emptyState, foldEvent } from "./fold.js";
import type { EventSource, SnapshotSource } from "./snapshots.js";
import type { LoopState, ProjectionName } from "./types.js";

export interface SeekerOptions {
  /** States kept for the next seek (default 24). */
  cacheSize?: number;
  /** Decoded snapshots (and the states folded from them) kept at once (default 3). */
  maxFamilies?: number;
  /** While folding forward, keep a state every this many events (default 256). */
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

interface Kept {
  state: LoopState;
  /** The snapshot it was folded from (0: from the empty state): states of one family share rows. */
  family: number;
}

export class StateSeeker {
  /** Private states by sequence; Map order = least recently used first. */
  private readonly cache = new Map<number, Kept>();
  private readonly cacheSize: number;
  private readonly maxFamilies: number;
  private readonly checkpointEvery: number;

  constructor(
    private readonly snapshots: SnapshotSource,
    private readonly readEvents: EventSource,
    private readonly head: () => number,
    options: SeekerOptions = {},
  ) {
    this.cacheSize = options.cacheSize ?? 24;
    this.maxFamilies = options.maxFamilies ?? 3;
    this.checkpointEvery = options.checkpointEvery ?? 256;
  }

  /** The state after folding every event up to `seq` (clamped to [0, head]). */
  stateAt(seq: number): LoopState {
    const target = Math.max(0, Math.min(Math.floor(seq), this.head()));
    const base = this.baseFor(target);
    const state = cloneState(base.state);
    this.foldTo(state, target, base.family);
    this.remember({ state, family: base.family });
    return cloneState(state);
  }

  /** Forgets every kept state (after a rebuild rewrote the snapshots). */
  clear(): void {
    this.cache.clear();
  }

  /** The closest kept state at or before `target` and not before its nearest snapshot. */
  private baseFor(target: number): Kept {
    const snapshot = this.snapshots.nearest(target);
    const floor = snapshot?.seq ?? 0;
    let best: Kept | undefined;
    for (const kept of this.cache.values()) {
      const at = kept.state.seq;
      if (at >= floor && at <= target && (!best || at > best.state.seq)) best = kept;
    }
    if (best) {
      this.remember(best);
      return best;
    }
    if (!snapshot) return { state: emptyState(), family: 0 };
    try {
      const decoded = { state: deserializeState(snapshot.text()), family: snapshot.seq };
      this.remember(decoded);
      return decoded;
    } catch {
      // A snapshot we cannot read is only a lost shortcut: fold from the start instead.
      return { state: emptyState(), family: 0 };
    }
  }

  /** Folds forward, keeping a copy every `checkpointEvery` events for stepping back. */
  private foldTo(state: LoopState, target: number, family: number): void {
    let nextCheckpoint = state.seq + this.checkpointEvery;
    while (state.seq < target) {
      const before = state.seq;
      const page = this.readEvents(state.seq, Math.min(pageSize, target - state.seq));
      for (const event of page) {
        if (event.sequence > target) return;
        foldEvent(state, event);
        if (state.seq >= nextCheckpoint && state.seq < target) {
          this.remember({ state: cloneState(state), family });
          nextCheckpoint = state.seq + this.checkpointEvery;
        }
      }
      if (state.seq === before) return;
    }
  }

  /**
   * Keeps `kept` as the most recently used. Bounded twice: by count, and by families, since
   * each family holds a whole decoded state while its members only add their maps.
   */
  private remember(kept: Kept): void {
    this.cache.delete(kept.state.seq);
    this.cache.set(kept.state.seq, kept);
    while (this.cache.size > this.cacheSize) this.evict(this.oldest().family, true);
    while (new Set([...this.cache.values()].map((k) => k.family)).size > this.maxFamilies) {
      this.evict(this.oldest().family, false);
    }
  }

  private oldest(): Kept {
    return this.cache.values().next().value as Kept;
  }

  /** Drops the oldest entry (`one`), or every entry of `family`. */
  private evict(family: number, one: boolean): void {
    for (const [seq, kept] of this.cache) {
      if (kept.family !== family) continue;
      this.cache.delete(seq);
      if (one) return;
    }
  }
}
