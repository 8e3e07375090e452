/**
 * Folding events into the whole `LoopState`: every projection's `route` names the rows an
 * event touches and its `reduce` folds the event into each of them. The live view, replay
 * and snapshots all go through here, so the same events always give the same state.
 *
 * The fold works IN PLACE: `foldEvent` mutates the maps of the state it is given and
 * returns that same object. That keeps a fold O(1) per event (no copy of any map), which
 * replay of a million-event log needs. Rows themselves are never mutated (reducers return
 * new rows; a property test holds them to it), so a caller that must keep an earlier state
 * intact copies its maps (not its rows) before folding on, or serialises it.
 */
import type { FoldEvent } from "../contract/envelope.js";
import { type AnyProjection, projectionNames, projections } from "./all.js";
import { isRecord } from "./fields.js";
import type { Projection } from "./projection.js";
import type { LoopState, ProjectionName, ProjectionRows } from "./types.js";

/** The state before any event: sequence 0 and an empty map per projection. */
export function emptyState(): LoopState {
  const state = { seq: 0 } as LoopState;
  for (const name of projectionNames) {
    (state as Record<ProjectionName, Map<string, unknown>>)[name] = new Map();
  }
  return state;
}

/**
 * Told of every row a fold sets or deletes, so that a snapshot writer encodes only the rows
 * that changed instead of comparing every row of the state at every snapshot.
 */
export interface RowChanges {
  /** `key` was inserted or given a new row. */
  set(name: ProjectionName, key: string): void;
  /** `key` was deleted, by its reducer or evicted past `retain`. */
  deleted(name: ProjectionName, key: string): void;
}

/**
 * Folds one event into `state` in place and returns the same object, with `seq` set to the
 * event's sequence. An event whose sequence is not past `state.seq` was already folded (a
 * snapshot overlapping the events read after it) and changes nothing.
 */
export function foldEvent(state: LoopState, event: FoldEvent, changes?: RowChanges): LoopState {
  if (event.sequence <= state.seq) return state;
  for (const projection of projections) foldInto(state, projection, event, changes);
  state.seq = event.sequence;
  return state;
}

/** Folds events in order, in place (see `foldEvent`). */
export function foldEvents(state: LoopState, events: Iterable<FoldEvent>): LoopState {
  for (const event of events) foldEvent(state, event);
  return state;
}

function rowsOf<P extends ProjectionName>(
  state: LoopState,
  projection: Projection<P>,
): Map<string, ProjectionRows[P]> {
  return state[projection.name] as Map<string, ProjectionRows[P]>;
}

function foldInto(
  state: LoopState,
  anyProjection: AnyProjection,
  event: FoldEvent,
  changes: RowChanges | undefined,
): void {
  // Widened once here so the body is written once for every projection.
  const projection = anyProjection as Projection<ProjectionName>;
  const keys = projection.route(event);
  if (keys.length === 0) return;
  const rows = rowsOf(state, projection);
  const name = projection.name;
  for (const key of keys) {
    const before = rows.get(key);
    const after = projection.reduce(before, event, key);
    if (after === undefined) {
      if (rows.delete(key)) changes?.deleted(name, key);
      continue;
    }
    // Re-setting an existing key keeps its insertion position: eviction stays by first insert.
    rows.set(key, after);
    changes?.set(name, key);
    if (before === undefined && projection.retain !== undefined) {
      evictOldest(rows, projection.retain, name, changes);
    }
  }
}

function evictOldest(
  rows: Map<string, unknown>,
  retain: number,
  name: ProjectionName,
  changes: RowChanges | undefined,
): void {
  if (rows.size <= retain) return;
  for (const key of rows.keys()) {
    rows.delete(key);
    changes?.deleted(name, key);
    if (rows.size <= retain) return;
  }
}

/** Snapshot format: rows as `[key, row]` entry arrays, which keep the maps' insertion order. */
interface SerializedState {
  version: 1;
  seq: number;
  rows: Record<ProjectionName, [string, unknown][]>;
}

/** The state as JSON text for a snapshot; `deserializeState` gives back an equal state. */
export function serializeState(state: LoopState): string {
  const rows = {} as SerializedState["rows"];
  for (const name of projectionNames) rows[name] = [...state[name].entries()];
  const serialized: SerializedState = { version: 1, seq: state.seq, rows };
  return JSON.stringify(serialized);
}

/**
 * Rebuilds a state from `serializeState` output. Throws an `Error` naming the problem when
 * the text is not such a snapshot (the caller then folds from sequence 0 instead).
 * A projection missing from the snapshot (one added since it was taken) starts empty.
 */
export function deserializeState(json: string): LoopState {
  const parsed: unknown = JSON.parse(json);
  if (!isRecord(parsed) || parsed.version !== 1) {
    throw new Error("snapshot is not a version 1 forge-loop state");
  }
  const { seq, rows } = parsed;
  if (typeof seq !== "number" || !Number.isInteger(seq) || seq < 0 || !isRecord(rows)) {
    throw new Error("snapshot has no valid seq or rows");
  }
  const state = emptyState();
  state.seq = seq;
  for (const name of projectionNames) {
    const entries = rows[name];
    if (entries === undefined) continue;
    if (!Array.isArray(entries)) throw new Error(`snapshot rows of ${name} are not a list`);
    const map = state[name] as Map<string, unknown>;
    for (const entry of entries) {
      if (!Array.isArray(entry) || typeof entry[0] !== "string" || !isRecord(entry[1])) {
        throw new Error(`snapshot row of ${name} is not a [key, row] pair`);
      }
      map.set(entry[0], entry[1]);
    }
  }
  return state;
}
