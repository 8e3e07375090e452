/**
 * The keymap of TUI.md (lazygit / k9s grammar): a key press, in the current UI state,
 * becomes a UI action and/or an effect the app carries out (an operator command, a seek
 * that needs the log). Pure, so every key can be tested without a terminal.
 */
import type { ControlIntent, Movement, UiAction, UiState } from "./ui-state.js";
import { views } from "./views.js";

/** The parts of Ink's `Key` the keymap reads. */
export interface KeyFlags {
  upArrow?: boolean;
  downArrow?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  home?: boolean;
  end?: boolean;
  return?: boolean;
  escape?: boolean;
  tab?: boolean;
  shift?: boolean;
  ctrl?: boolean;
  meta?: boolean;
  backspace?: boolean;
  delete?: boolean;
}

/** What the keymap needs to know about the screen at the moment of the key. */
export interface KeyContext {
  /** Rows of the current view after its filter. */
  rows: number;
  /** Rows the list shows at once: the page size. */
  page: number;
  /** Lines of the expanded detail (detail mode). */
  detailLines: number;
  /** Issue of the selected row, when it has one. */
  selectedIssue?: number;
  /** Highest sequence in the log. */
  head: number;
  /** Why operator commands cannot be sent now (no engine, read-only log), if so. */
  commandsUnavailable?: string;
}

export type SeekTarget = "prevTick" | "nextTick" | "prevAttempt" | "nextAttempt";

export type Effect =
  | { type: "control"; intent: ControlIntent }
  /** A jump to a tick or attempt boundary: the app asks the log where it is. */
  | { type: "seek"; target: SeekTarget; issue?: number };

export interface KeyOutcome {
  action?: UiAction;
  effect?: Effect;
}

export interface KeyHelp {
  keys: string;
  does: string;
  /** Shown only in replay. */
  replay?: boolean;
}

/** Every key, for the help overlay; the order is the order of TUI.md. */
export const keyHelp: readonly KeyHelp[] = [
  { keys: "?", does: "this help" },
  { keys: "j/k ↑/↓", does: "move" },
  { keys: "g/G", does: "first / last row" },
  { keys: "PgUp/PgDn", does: "page up / down" },
  { keys: "Tab 1-6", does: "switch view" },
  { keys: "Enter", does: "open detail, findings" },
  { keys: "Esc", does: "back; clears the filter" },
  { keys: "/", does: "filter the view" },
  { keys: "H", does: "halt, drain (confirm)" },
  { keys: "X", does: "halt now (confirm)" },
  { keys: "R", does: "resume" },
  { keys: "r", does: "retry selected issue" },
  { keys: "x", does: "kill its worker (confirm)" },
  { keys: "Z", does: "freeze the display" },
  { keys: "p", does: "enter replay" },
  { keys: "q", does: "quit (engine keeps going)" },
  { keys: "←/→", does: "one event back / forward", replay: true },
  { keys: "[ ]", does: "prev / next tick", replay: true },
  { keys: "{ }", does: "prev / next attempt", replay: true },
  { keys: "Home/End", does: "first / last (End follows)", replay: true },
  { keys: "Space", does: "play / pause", replay: true },
  { keys: "+/-", does: "speed ×1 … ×64", replay: true },
  { keys: "Esc", does: "back to live", replay: true },
];

export function keyToOutcome(
  state: UiState,
  input: string,
  key: KeyFlags,
  ctx: KeyContext,
): KeyOutcome {
  switch (state.mode) {
    case "help":
      return helpKey(input, key);
    case "confirm":
      return confirmKey(state, input, key);
    case "filter":
      return filterKey(input, key, ctx);
    case "detail":
      return detailKey(state, input, key, ctx);
    case "normal":
      return normalKey(state, input, key, ctx);
  }
}

function helpKey(input: string, key: KeyFlags): KeyOutcome {
  if (key.escape || key.return || input === "?" || input === "q") return act({ type: "escape" });
  return {};
}

function confirmKey(state: UiState, input: string, key: KeyFlags): KeyOutcome {
  if (input === "y" || input === "Y" || key.return) {
    return state.confirm
      ? { action: { type: "answered" }, effect: { type: "control", intent: state.confirm } }
      : act({ type: "answered" });
  }
  if (input === "n" || input === "N" || key.escape) return act({ type: "escape" });
  return {};
}

function filterKey(input: string, key: KeyFlags, ctx: KeyContext): KeyOutcome {
  if (key.escape) return act({ type: "escape" });
  if (key.return) return act({ type: "filterCommit" });
  if (key.backspace || key.delete) return act({ type: "filterBackspace" });
  const movement = arrowMovement(key);
  if (movement) return act({ type: "move", to: movement, rows: ctx.rows, page: ctx.page });
  const text = printable(input, key);
  return text ? act({ type: "filterInput", text }) : {};
}

function detailKey(state: UiState, input: string, key: KeyFlags, ctx: KeyContext): KeyOutcome {
  const movement = listMovement(input, key);
  if (movement) {
    return act({ type: "scrollDetail", to: movement, lines: ctx.detailLines, page: ctx.page });
  }
  if (key.return) return {};
  return normalKey(state, input, key, ctx);
}

function normalKey(state: UiState, input: string, key: KeyFlags, ctx: KeyContext): KeyOutcome {
  if (key.escape) return act({ type: "escape" });
  if (state.replay) {
    const replay = replayKey(state, input, key, ctx);
    if (replay) return replay;
  }
  const movement = listMovement(input, key);
  if (movement) return act({ type: "move", to: movement, rows: ctx.rows, page: ctx.page });
  if (key.tab) return act({ type: "cycleView", step: key.shift ? -1 : 1 });
  const view = views.find((v) => v.digit === input);
  if (view) return act({ type: "view", view: view.id });
  if (key.return) return ctx.rows > 0 ? act({ type: "openDetail" }) : {};
  if (key.ctrl || key.meta) return {};
  switch (input) {
    case "?":
      return act({ type: "help" });
    case "/":
      return act({ type: "filterStart" });
    case "q":
      return act({ type: "quit" });
    case "Z":
      return state.replay
        ? notice("replay already holds the display; Esc returns to live", "info")
        : act({ type: "freeze", seq: ctx.head });
    case "p":
      return state.replay
        ? notice("already in replay; Esc returns to live", "info")
        : act({ type: "replayStart", seq: state.frozenAt ?? ctx.head });
    case "H":
      return command(state, ctx, { command: "halt", mode: "drain" }, true);
    case "X":
      return command(state, ctx, { command: "halt", mode: "now" }, true);
    case "R":
      return command(state, ctx, { command: "resume" }, false);
    case "r":
      return withSelectedIssue(ctx, "retry", (target) =>
        command(state, ctx, { command: "retry", target }, false),
      );
    case "x":
      return withSelectedIssue(ctx, "kill", (target) =>
        command(state, ctx, { command: "kill", target }, true),
      );
    default:
      return {};
  }
}

function replayKey(
  state: UiState,
  input: string,
  key: KeyFlags,
  ctx: KeyContext,
): KeyOutcome | undefined {
  const seq = state.replay?.seq ?? 0;
  const seek = (to: number): KeyOutcome => act({ type: "replaySeek", seq: to, head: ctx.head });
  if (key.leftArrow) return seek(Math.max(Math.min(1, ctx.head), seq - 1));
  if (key.rightArrow) return seek(seq + 1);
  if (key.home) return seek(Math.min(1, ctx.head));
  if (key.end) return act({ type: "replayEnd", head: ctx.head });
  switch (input) {
    case " ":
      return act({ type: "replayPlay" });
    case "+":
    case "=":
      return act({ type: "replaySpeed", step: 1 });
    case "-":
    case "_":
      return act({ type: "replaySpeed", step: -1 });
    case "[":
      return { effect: { type: "seek", target: "prevTick" } };
    case "]":
      return { effect: { type: "seek", target: "nextTick" } };
    case "{":
    case "}": {
      const target = input === "{" ? "prevAttempt" : "nextAttempt";
      if (ctx.selectedIssue === undefined) {
        return notice("select a task first: { } jump between its attempts", "warn");
      }
      return { effect: { type: "seek", target, issue: ctx.selectedIssue } };
    }
    default:
      return undefined;
  }
}

export function describeIntent(intent: ControlIntent): string {
  switch (intent.command) {
    case "halt":
      return intent.mode === "now" ? "halt now" : "halt (drain)";
    case "resume":
      return "resume";
    case "retry":
    case "kill":
      return `${intent.command} #${intent.target}`;
  }
}

function command(
  state: UiState,
  ctx: KeyContext,
  intent: ControlIntent,
  confirm: boolean,
): KeyOutcome {
  if (state.replay) {
    return notice(`replay shows history: Esc to go live, then ${describeIntent(intent)}`, "warn");
  }
  if (ctx.commandsUnavailable) {
    return notice(`${ctx.commandsUnavailable}: ${describeIntent(intent)} not sent`, "warn");
  }
  if (confirm) return act({ type: "ask", confirm: intent });
  return { effect: { type: "control", intent } };
}

function withSelectedIssue(
  ctx: KeyContext,
  verb: string,
  then: (issue: number) => KeyOutcome,
): KeyOutcome {
  if (ctx.selectedIssue === undefined) return notice(`select a task to ${verb} first`, "warn");
  return then(ctx.selectedIssue);
}

function listMovement(input: string, key: KeyFlags): Movement | undefined {
  const arrow = arrowMovement(key);
  if (arrow) return arrow;
  if (key.ctrl || key.meta) return undefined;
  if (input === "j") return "down";
  if (input === "k") return "up";
  if (input === "g" || key.home) return "top";
  if (input === "G" || key.end) return "bottom";
  return undefined;
}

function arrowMovement(key: KeyFlags): Movement | undefined {
  if (key.downArrow) return "down";
  if (key.upArrow) return "up";
  if (key.pageDown) return "pageDown";
  if (key.pageUp) return "pageUp";
  return undefined;
}

/** Typed text for the filter: control characters (and escape sequences) dropped. */
function printable(input: string, key: KeyFlags): string {
  if (key.ctrl || key.meta || key.tab) return "";
  return input.replace(/[\u0000-\u001f\u007f-\u009f]/g, "");
}

function act(action: UiAction): KeyOutcome {
  return { action };
}

function notice(text: string, level: "info" | "warn"): KeyOutcome {
  return act({ type: "notice", notice: { text, level } });
}
