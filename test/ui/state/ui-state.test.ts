import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type KeyContext, type KeyFlags, keyToOutcome } from "../../../src/ui/state/keymap.js";
import {
  initialUiState,
  MAX_FILTER_LENGTH,
  moved,
  reduceUi,
  type UiState,
} from "../../../src/ui/state/ui-state.js";
import { viewIds } from "../../../src/ui/state/views.js";

const ctx: KeyContext = { rows: 10, page: 4, detailLines: 30, head: 500, selectedIssue: 42 };

/** Feeds key presses through the keymap and the reducer, the way the app does. */
function press(state: UiState, input: string, key: KeyFlags = {}, context = ctx): UiState {
  const outcome = keyToOutcome(state, input, key, context);
  return outcome.action ? reduceUi(state, outcome.action) : state;
}

const keyFlagNames = [
  "upArrow",
  "downArrow",
  "leftArrow",
  "rightArrow",
  "pageUp",
  "pageDown",
  "home",
  "end",
  "return",
  "escape",
  "tab",
  "shift",
  "ctrl",
  "meta",
  "backspace",
  "delete",
] as const;

const keyArb = fc.record({
  input: fc.oneof(
    fc.constantFrom(..."?jkgG/HXRrxZpq123456yYnN[]{} +-=_".split(""), "", "\u001b", "\t"),
    fc.string({ maxLength: 4 }),
    fc.string({ unit: "grapheme", maxLength: 3 }),
  ),
  key: fc.record(
    Object.fromEntries(keyFlagNames.map((n) => [n, fc.boolean()])) as Record<
      (typeof keyFlagNames)[number],
      fc.Arbitrary<boolean>
    >,
    { requiredKeys: [] },
  ),
});

const ctxArb = fc.record({
  rows: fc.nat(50),
  page: fc.integer({ min: 0, max: 40 }),
  detailLines: fc.nat(80),
  head: fc.nat(100_000),
  selectedIssue: fc.option(fc.integer({ min: 1, max: 99_999 }), { nil: undefined }),
  commandsUnavailable: fc.option(fc.constant("no engine running"), { nil: undefined }),
});

/** The state any key sequence leads to, checked as it goes. */
function run(keys: { input: string; key: KeyFlags }[], context: KeyContext): UiState {
  let state = initialUiState();
  for (const { input, key } of keys) {
    const outcome = keyToOutcome(state, input, key, withoutUndefined(context));
    if (outcome.action) state = reduceUi(state, outcome.action);
    expect(state.cursor[state.view]).toBeGreaterThanOrEqual(0);
    expect(viewIds).toContain(state.view);
    expect(state.filters[state.view].length).toBeLessThanOrEqual(MAX_FILTER_LENGTH);
    if (state.replay) {
      expect(state.replay.speed).toBeGreaterThanOrEqual(1);
      expect(state.replay.speed).toBeLessThanOrEqual(64);
    }
  }
  return state;
}

function withoutUndefined(context: KeyContext): KeyContext {
  return Object.fromEntries(
    Object.entries(context).filter(([, v]) => v !== undefined),
  ) as unknown as KeyContext;
}

describe("UI reducer under arbitrary keys", () => {
  it("never throws and keeps its invariants", () => {
    fc.assert(
      fc.property(fc.array(keyArb, { maxLength: 60 }), ctxArb, (keys, context) => {
        run(keys, context as KeyContext);
      }),
      { numRuns: 400 },
    );
  });

  it("Esc always leaves the current mode for normal mode", () => {
    fc.assert(
      fc.property(fc.array(keyArb, { maxLength: 40 }), ctxArb, (keys, context) => {
        const state = run(keys, context as KeyContext);
        const after = press(state, "", { escape: true }, withoutUndefined(context as KeyContext));
        expect(after.mode).toBe("normal");
        expect(after.confirm).toBeUndefined();
      }),
      { numRuns: 400 },
    );
  });

  it("four Escs from anywhere reach live normal mode with no filter", () => {
    fc.assert(
      fc.property(fc.array(keyArb, { maxLength: 40 }), ctxArb, (keys, context) => {
        let state = run(keys, context as KeyContext);
        for (let i = 0; i < 4; i++) {
          state = press(state, "", { escape: true }, withoutUndefined(context as KeyContext));
        }
        expect(state.mode).toBe("normal");
        expect(state.filters[state.view]).toBe("");
        expect(state.replay).toBeUndefined();
        expect(state.frozenAt).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it("movement stays within the rows whatever the page size", () => {
    fc.assert(
      fc.property(
        fc.nat(100),
        fc.constantFrom("up", "down", "top", "bottom", "pageUp", "pageDown" as const),
        fc.nat(100),
        fc.integer({ min: -3, max: 50 }),
        (current, to, count, page) => {
          const next = moved(current, to, count, page);
          expect(next).toBeGreaterThanOrEqual(0);
          expect(next).toBeLessThanOrEqual(Math.max(0, count - 1));
        },
      ),
    );
  });
});

describe("UI reducer, by key", () => {
  it("j/k, arrows, g/G and PgUp/PgDn move the cursor of the current view", () => {
    let s = initialUiState();
    s = press(s, "j");
    s = press(s, "", { downArrow: true });
    expect(s.cursor.tasks).toBe(2);
    s = press(s, "k");
    expect(s.cursor.tasks).toBe(1);
    s = press(s, "", { upArrow: true });
    s = press(s, "", { upArrow: true });
    expect(s.cursor.tasks).toBe(0);
    s = press(s, "G");
    expect(s.cursor.tasks).toBe(9);
    s = press(s, "g");
    expect(s.cursor.tasks).toBe(0);
    s = press(s, "", { pageDown: true });
    expect(s.cursor.tasks).toBe(4);
    s = press(s, "", { pageUp: true });
    expect(s.cursor.tasks).toBe(0);
    expect(s.cursor.workers).toBe(0);
  });

  it("Tab cycles the views, Shift-Tab goes back, digits jump", () => {
    let s = initialUiState();
    s = press(s, "", { tab: true });
    expect(s.view).toBe("workers");
    s = press(s, "", { tab: true, shift: true });
    s = press(s, "", { tab: true, shift: true });
    expect(s.view).toBe("events");
    for (const [digit, view] of [
      ["1", "tasks"],
      ["2", "workers"],
      ["3", "critic"],
      ["4", "prs"],
      ["5", "ticks"],
      ["6", "events"],
    ] as const) {
      expect(press(s, digit).view).toBe(view);
    }
  });

  it("Enter opens the detail, j/k then scroll it, Esc goes back", () => {
    let s = press(initialUiState(), "", { return: true });
    expect(s.mode).toBe("detail");
    s = press(s, "j");
    s = press(s, "j");
    expect(s.detailScroll).toBe(2);
    expect(s.cursor.tasks).toBe(0);
    s = press(s, "", { escape: true });
    expect(s.mode).toBe("normal");
    expect(s.detailScroll).toBe(0);
  });

  it("Enter on an empty list opens nothing", () => {
    const s = press(initialUiState(), "", { return: true }, { ...ctx, rows: 0 });
    expect(s.mode).toBe("normal");
  });

  it("/ filters the current view; Enter keeps the filter, Esc clears it", () => {
    let s = press(initialUiState(), "/");
    expect(s.mode).toBe("filter");
    for (const c of "fail") s = press(s, c);
    // Keys that mean something elsewhere are text while typing.
    s = press(s, "q");
    s = press(s, "", { backspace: true });
    expect(s.filters.tasks).toBe("fail");
    s = press(s, "", { return: true });
    expect(s.mode).toBe("normal");
    expect(s.filters.tasks).toBe("fail");
    expect(s.filters.workers).toBe("");
    s = press(s, "", { escape: true });
    expect(s.filters.tasks).toBe("");
  });

  it("Esc while typing a filter clears it and leaves filter mode", () => {
    let s = press(initialUiState(), "/");
    s = press(s, "abc");
    s = press(s, "", { escape: true });
    expect(s.mode).toBe("normal");
    expect(s.filters.tasks).toBe("");
  });

  it("a pasted filter drops control characters and is capped", () => {
    let s = press(initialUiState(), "/");
    s = press(s, "a\u0007b\u001b[31mc");
    expect(s.filters.tasks).toBe("ab[31mc");
    s = press(s, "x".repeat(5000));
    expect(s.filters.tasks.length).toBe(MAX_FILTER_LENGTH);
  });

  it("? opens the help overlay and ?, q or Esc close it without quitting", () => {
    for (const close of [
      ["?", {}],
      ["q", {}],
      ["", { escape: true }],
    ] as const) {
      let s = press(initialUiState(), "?");
      expect(s.mode).toBe("help");
      s = press(s, "j");
      expect(s.cursor.tasks).toBe(0);
      s = press(s, close[0], close[1]);
      expect(s.mode).toBe("normal");
      expect(s.quit).toBe(false);
    }
  });

  it("H and X ask to confirm; n or Esc cancels; y confirms with the command as the effect", () => {
    const asked = press(initialUiState(), "H");
    expect(asked.mode).toBe("confirm");
    expect(asked.confirm).toEqual({ command: "halt", mode: "drain" });
    expect(press(asked, "n").mode).toBe("normal");
    expect(press(asked, "", { escape: true }).confirm).toBeUndefined();
    expect(press(asked, "j")).toEqual(asked);
    const yes = keyToOutcome(asked, "y", {}, ctx);
    expect(yes.effect).toEqual({ type: "control", intent: { command: "halt", mode: "drain" } });
    expect(reduceUi(asked, yes.action!).mode).toBe("normal");
    const now = press(initialUiState(), "X");
    expect(now.confirm).toEqual({ command: "halt", mode: "now" });
    expect(keyToOutcome(now, "", { return: true }, ctx).effect).toEqual({
      type: "control",
      intent: { command: "halt", mode: "now" },
    });
  });

  it("R resumes and r retries the selected issue at once; x asks before killing it", () => {
    const s = initialUiState();
    expect(keyToOutcome(s, "R", {}, ctx).effect).toEqual({
      type: "control",
      intent: { command: "resume" },
    });
    expect(keyToOutcome(s, "r", {}, ctx).effect).toEqual({
      type: "control",
      intent: { command: "retry", target: 42 },
    });
    const kill = press(s, "x");
    expect(kill.confirm).toEqual({ command: "kill", target: 42 });
  });

  it("r and x without a selected task say so", () => {
    const { selectedIssue: _, ...none } = ctx;
    const s = press(initialUiState(), "r", {}, none);
    expect(s.notice?.text).toMatch(/select a task/);
    expect(press(initialUiState(), "x", {}, none).mode).toBe("normal");
  });

  it("with no engine, command keys say why and ask nothing", () => {
    const down = { ...ctx, commandsUnavailable: "no engine running (last seen 3m ago)" };
    for (const key of ["H", "X", "R", "r", "x"]) {
      const outcome = keyToOutcome(initialUiState(), key, {}, down);
      expect(outcome.effect).toBeUndefined();
      const s = press(initialUiState(), key, {}, down);
      expect(s.mode).toBe("normal");
      expect(s.notice?.text).toMatch(/^no engine running \(last seen 3m ago\): .* not sent$/);
    }
  });

  it("the next key clears a notice", () => {
    const s = press(initialUiState(), "r", {}, { ...ctx, commandsUnavailable: "read-only" });
    expect(s.notice).toBeDefined();
    expect(press(s, "j").notice).toBeUndefined();
  });

  it("Z freezes at the head and Z or Esc unfreezes", () => {
    const frozen = press(initialUiState(), "Z");
    expect(frozen.frozenAt).toBe(500);
    expect(press(frozen, "Z").frozenAt).toBeUndefined();
    expect(press(frozen, "", { escape: true }).frozenAt).toBeUndefined();
  });

  it("q quits", () => {
    expect(press(initialUiState(), "q").quit).toBe(true);
  });
});

describe("replay keys", () => {
  const inReplay = () => press(initialUiState(), "p");

  it("p freezes at the head (or where the display was frozen)", () => {
    expect(inReplay().replay).toEqual({ seq: 500, following: false, playing: false, speed: 1 });
    const fromFrozen = press(press(initialUiState(), "Z", {}, { ...ctx, head: 123 }), "p");
    expect(fromFrozen.replay?.seq).toBe(123);
    expect(fromFrozen.frozenAt).toBeUndefined();
  });

  it("←/→ step one event, Home/End jump to the ends, within the log", () => {
    let s = inReplay();
    s = press(s, "", { leftArrow: true });
    s = press(s, "", { leftArrow: true });
    expect(s.replay?.seq).toBe(498);
    s = press(s, "", { rightArrow: true });
    expect(s.replay?.seq).toBe(499);
    s = press(s, "", { home: true });
    expect(s.replay?.seq).toBe(1);
    s = press(s, "", { leftArrow: true });
    expect(s.replay?.seq).toBe(1);
    s = press(s, "", { end: true });
    expect(s.replay?.seq).toBe(500);
    s = press(s, "", { rightArrow: true });
    expect(s.replay?.seq).toBe(500);
  });

  it("End stays on the last event as the log grows, until another key moves the scrubber", () => {
    let s = press(inReplay(), "", { home: true });
    s = press(s, "", { end: true });
    expect(s.replay).toMatchObject({ seq: 500, following: true });
    s = reduceUi(s, { type: "replayFollow", head: 520 });
    expect(s.replay).toMatchObject({ seq: 520, following: true });
    s = press(s, "", { leftArrow: true }, { ...ctx, head: 520 });
    expect(s.replay).toMatchObject({ seq: 519, following: false });
    expect(reduceUi(s, { type: "replayFollow", head: 530 })).toBe(s);
    expect(press(initialUiState(), "p").replay?.following).toBe(false);
  });

  it("[ ] and { } ask the log for boundaries; { } need a selected task", () => {
    const s = inReplay();
    expect(keyToOutcome(s, "[", {}, ctx).effect).toEqual({ type: "seek", target: "prevTick" });
    expect(keyToOutcome(s, "]", {}, ctx).effect).toEqual({ type: "seek", target: "nextTick" });
    expect(keyToOutcome(s, "{", {}, ctx).effect).toEqual({
      type: "seek",
      target: "prevAttempt",
      issue: 42,
    });
    expect(keyToOutcome(s, "}", {}, ctx).effect).toEqual({
      type: "seek",
      target: "nextAttempt",
      issue: 42,
    });
    const { selectedIssue: _, ...none } = ctx;
    expect(press(s, "{", {}, none).notice?.text).toMatch(/select a task/);
  });

  it("Space plays and pauses; + and - set the speed from ×1 to ×64", () => {
    let s = inReplay();
    s = press(s, " ");
    expect(s.replay?.playing).toBe(true);
    s = press(s, " ");
    expect(s.replay?.playing).toBe(false);
    for (let i = 0; i < 10; i++) s = press(s, "+");
    expect(s.replay?.speed).toBe(64);
    s = press(s, "-");
    expect(s.replay?.speed).toBe(32);
    for (let i = 0; i < 10; i++) s = press(s, "-");
    expect(s.replay?.speed).toBe(1);
  });

  it("playback moves speed events per frame and pauses at the head", () => {
    let s = reduceUi(initialUiState(), { type: "replayStart", seq: 10 });
    s = reduceUi(s, { type: "replaySpeed", step: 1 });
    s = reduceUi(s, { type: "replayPlay" });
    s = reduceUi(s, { type: "replayFrame", head: 13 });
    expect(s.replay).toEqual({ seq: 12, following: false, playing: true, speed: 2 });
    s = reduceUi(s, { type: "replayFrame", head: 13 });
    expect(s.replay).toEqual({ seq: 13, following: false, playing: false, speed: 2 });
    expect(reduceUi(s, { type: "replayFrame", head: 20 })).toBe(s);
  });

  it("commands are refused in replay: it shows history", () => {
    const s = inReplay();
    for (const key of ["H", "X", "R", "r", "x"]) {
      expect(keyToOutcome(s, key, {}, ctx).effect).toBeUndefined();
      expect(press(s, key).notice?.text).toMatch(/replay shows history/);
    }
  });

  it("Esc goes back to live; the list keys still work in replay", () => {
    let s = inReplay();
    s = press(s, "j");
    s = press(s, "3");
    expect(s.view).toBe("critic");
    expect(s.replay).toBeDefined();
    s = press(s, "", { escape: true });
    expect(s.replay).toBeUndefined();
  });
});
