/**
 * What the UI reads and writes, in one interface: the live loop state and feed, the
 * state as of any past sequence (replay), boundaries to jump between, operator commands,
 * and whether an engine is there to answer them. The store-backed implementation is in
 * `store-source.ts`; components never touch the store directly.
 */
import type { LoopState } from "../../store/projections/types.js";
import type { SeekTarget } from "../state/keymap.js";
import type { ControlIntent } from "../state/ui-state.js";
import type { FeedLine } from "./feed.js";

export interface EngineLiveness {
  /** `unknown` when the log has no lock to ask (a Python forge-loop database). */
  state: "running" | "not_running" | "unknown";
  /** When the engine last proved alive (its lock heartbeat, else its last event). */
  lastSeenAt?: string;
  pid?: number;
}

export interface LiveView {
  /** The folded state at `head`. Folded in place: read it, never keep it past a change. */
  state: LoopState;
  head: number;
  /** Grows on every change; the UI re-renders when it does. */
  version: number;
  /** Recent feed lines, oldest first, bounded. */
  feed: readonly FeedLine[];
  engine: EngineLiveness;
  /** Repository or directory being watched, for the status bar. */
  label: string;
  /** Why operator commands can never be sent from here (a read-only database), if so. */
  readOnly?: string;
  /** JSONL lines that did not parse, so the operator knows some were skipped. */
  malformedLines: number;
}

export type ControlResult = { ok: true; requestId: string } | { ok: false; reason: string };

export interface UiSource {
  live(): LiveView;
  /** Called (at most every poll interval) after the live view changed. */
  subscribe(onChange: () => void): () => void;
  /** The state as of `seq` (from the nearest snapshot plus a short fold). */
  stateAt(seq: number): LoopState;
  /** Feed lines of the durable events up to `seq`, oldest first, at most `limit`. */
  feedUpTo(seq: number, limit: number): FeedLine[];
  /** The nearest boundary before/after `from`, or undefined when there is none. */
  boundary(from: number, target: SeekTarget, issue?: number): number | undefined;
  /** Appends `control.requested`; refuses (and says why) when no engine would answer. */
  requestControl(intent: ControlIntent): ControlResult;
  /** The last `lines` lines of an attempt's worker transcript, summarised for display. */
  transcriptTail(issue: number, attempt: number, lines: number): Promise<string[]>;
  close(): void;
}
