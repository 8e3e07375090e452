/**
 * The UI's own state (what is shown and how), apart from the loop state it shows: one
 * reducer, fed by key actions (see `keymap.ts`) and by the replay timer. Pure: no clock,
 * no I/O, so any key sequence can be checked against it.
 */
import { type PerView, perView, type ViewId, viewIds } from "./views.js";

/** `normal` is the resting mode; every other mode is left with Esc. */
export type Mode = "normal" | "help" | "filter" | "confirm" | "detail";

/** An operator command as the UI asks for it (the store adds ids and the author). */
export type ControlIntent =
  | { command: "halt"; mode: "drain" | "now" }
  | { command: "resume" }
  | { command: "retry"; target: number }
  | { command: "kill"; target: number };

export interface ReplayState {
  /** The sequence the views show. */
  seq: number;
  /** On the last event and staying there as the log grows (End), until a key moves it. */
  following: boolean;
  playing: boolean;
  /** Events folded per frame while playing: 1, 2, 4 … 64. */
  speed: number;
}

export type NoticeLevel = "info" | "warn" | "error";

export interface Notice {
  text: string;
  level: NoticeLevel;
}

export interface UiState {
  view: ViewId;
  mode: Mode;
  /** Selected row per view, an index into the view's filtered rows. */
  cursor: PerView<number>;
  /** First line shown of the expanded detail (detail mode). */
  detailScroll: number;
  filters: PerView<string>;
  /** The command waiting for y/n (confirm mode). */
  confirm?: ControlIntent;
  replay?: ReplayState;
  /** Sequence the display is frozen at (`Z`); the engine keeps running. */
  frozenAt?: number;
  /** One line for the operator; cleared by the next key. */
  notice?: Notice;
  quit: boolean;
}

export type Movement = "up" | "down" | "top" | "bottom" | "pageUp" | "pageDown";

export type UiAction =
  | { type: "help" }
  | { type: "escape" }
  | { type: "move"; to: Movement; rows: number; page: number }
  /** The selected row moved in its list (rows came or went above it): follow it. */
  | { type: "follow"; cursor: number }
  | { type: "scrollDetail"; to: Movement; lines: number; page: number }
  | { type: "view"; view: ViewId }
  | { type: "cycleView"; step: 1 | -1 }
  | { type: "openDetail" }
  | { type: "filterStart" }
  | { type: "filterInput"; text: string }
  | { type: "filterBackspace" }
  | { type: "filterCommit" }
  | { type: "ask"; confirm: ControlIntent }
  | { type: "answered" }
  | { type: "freeze"; seq: number }
  | { type: "replayStart"; seq: number }
  | { type: "replaySeek"; seq: number; head: number }
  /** To the last event, and after it as the log grows. */
  | { type: "replayEnd"; head: number }
  /** The log grew while replay follows its last event. */
  | { type: "replayFollow"; head: number }
  | { type: "replayPlay" }
  | { type: "replaySpeed"; step: 1 | -1 }
  /** One frame of playback: moves `speed` events on, pausing at `head`. */
  | { type: "replayFrame"; head: number }
  | { type: "notice"; notice: Notice }
  | { type: "quit" };

export const MIN_SPEED = 1;
export const MAX_SPEED = 64;
/** Longest filter kept: a paste of a whole log must not become the filter. */
export const MAX_FILTER_LENGTH = 200;

export function initialUiState(): UiState {
  return {
    view: "tasks",
    mode: "normal",
    cursor: perView(0),
    detailScroll: 0,
    filters: perView(""),
    quit: false,
  };
}

/** Actions that do not come from a key leave the notice alone; every key clears it. */
const notKeyActions = new Set<UiAction["type"]>([
  "notice",
  "replayFrame",
  "replayFollow",
  "follow",
]);

export function reduceUi(state: UiState, action: UiAction): UiState {
  const base = notKeyActions.has(action.type) ? state : withoutNotice(state);
  switch (action.type) {
    case "help":
      return { ...base, mode: base.mode === "help" ? "normal" : "help" };
    case "escape":
      return leaveMode(base);
    case "move":
      return {
        ...base,
        cursor: {
          ...base.cursor,
          [base.view]: moved(base.cursor[base.view], action.to, action.rows, action.page),
        },
      };
    case "follow":
      return { ...base, cursor: { ...base.cursor, [base.view]: Math.max(0, action.cursor) } };
    case "scrollDetail":
      return {
        ...base,
        detailScroll: moved(base.detailScroll, action.to, action.lines, action.page),
      };
    case "view":
      return switchView(base, action.view);
    case "cycleView": {
      const index = viewIds.indexOf(base.view);
      const next = viewIds[(index + action.step + viewIds.length) % viewIds.length] ?? base.view;
      return switchView(base, next);
    }
    case "openDetail":
      return { ...base, mode: "detail", detailScroll: 0 };
    case "filterStart":
      return { ...base, mode: "filter" };
    case "filterInput":
      return withFilter(base, (base.filters[base.view] + action.text).slice(0, MAX_FILTER_LENGTH));
    case "filterBackspace":
      return withFilter(base, [...base.filters[base.view]].slice(0, -1).join(""));
    case "filterCommit":
      return { ...base, mode: "normal" };
    case "ask":
      return { ...base, mode: "confirm", confirm: action.confirm };
    case "answered":
      return { ...base, mode: "normal", confirm: undefined };
    case "freeze":
      return base.frozenAt === undefined
        ? { ...base, frozenAt: action.seq }
        : { ...base, frozenAt: undefined };
    case "replayStart":
      return {
        ...base,
        frozenAt: undefined,
        replay: {
          seq: action.seq,
          following: false,
          playing: false,
          speed: base.replay?.speed ?? MIN_SPEED,
        },
      };
    case "replaySeek":
      return base.replay
        ? {
            ...base,
            replay: { ...base.replay, seq: clamp(action.seq, 0, action.head), following: false },
          }
        : base;
    case "replayEnd":
      return base.replay
        ? { ...base, replay: { ...base.replay, seq: action.head, following: true } }
        : base;
    case "replayFollow":
      return base.replay?.following && base.replay.seq !== action.head
        ? { ...base, replay: { ...base.replay, seq: action.head } }
        : base;
    case "replayPlay":
      return base.replay
        ? { ...base, replay: { ...base.replay, playing: !base.replay.playing } }
        : base;
    case "replaySpeed":
      return base.replay
        ? { ...base, replay: { ...base.replay, speed: nextSpeed(base.replay.speed, action.step) } }
        : base;
    case "replayFrame":
      return frame(base, action.head);
    case "notice":
      return { ...base, notice: action.notice };
    case "quit":
      return { ...base, quit: true };
  }
}

/**
 * Esc leaves the current mode; from normal mode it peels one layer at a time: the
 * view's filter, then replay, then a frozen display. Four presses always reach live.
 */
function leaveMode(state: UiState): UiState {
  if (state.mode === "filter") return { ...withFilter(state, ""), mode: "normal" };
  if (state.mode !== "normal") {
    return { ...state, mode: "normal", confirm: undefined, detailScroll: 0 };
  }
  if (state.filters[state.view] !== "") return withFilter(state, "");
  if (state.replay) return { ...state, replay: undefined };
  if (state.frozenAt !== undefined) return { ...state, frozenAt: undefined };
  return state;
}

function switchView(state: UiState, view: ViewId): UiState {
  const mode = state.mode === "detail" ? "normal" : state.mode;
  return { ...state, view, mode, detailScroll: 0 };
}

/** A new filter text starts the selection at the first match. */
function withFilter(state: UiState, text: string): UiState {
  return {
    ...state,
    filters: { ...state.filters, [state.view]: text },
    cursor: { ...state.cursor, [state.view]: 0 },
  };
}

function withoutNotice(state: UiState): UiState {
  return state.notice === undefined ? state : { ...state, notice: undefined };
}

function frame(state: UiState, head: number): UiState {
  const replay = state.replay;
  if (!replay?.playing) return state;
  const seq = Math.min(head, replay.seq + replay.speed);
  return { ...state, replay: { ...replay, seq, playing: seq < head } };
}

export function moved(current: number, to: Movement, count: number, page: number): number {
  const last = Math.max(0, count - 1);
  const step = Math.max(1, page);
  const target =
    to === "up"
      ? current - 1
      : to === "down"
        ? current + 1
        : to === "top"
          ? 0
          : to === "bottom"
            ? last
            : to === "pageUp"
              ? current - step
              : current + step;
  return clamp(target, 0, last);
}

function nextSpeed(speed: number, step: 1 | -1): number {
  return clamp(step === 1 ? speed * 2 : Math.floor(speed / 2), MIN_SPEED, MAX_SPEED);
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), Math.max(low, high));
}
