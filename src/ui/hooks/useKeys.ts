/**
 * The keyboard: each key goes through the keymap, its action to the UI reducer and its
 * effect (an operator command, a jump the log must find) to the source.
 */
import { useInput } from "ink";
import { useCallback, useRef } from "react";
import type { UiSource } from "../data/source.js";
import {
  describeIntent,
  type Effect,
  type KeyContext,
  type KeyFlags,
  keyToOutcome,
} from "../state/keymap.js";
import type { UiAction, UiState } from "../state/ui-state.js";

export function useKeys(
  currentUi: () => UiState,
  ctx: KeyContext,
  dispatch: (action: UiAction) => void,
  source: UiSource,
): void {
  // The context is as of the last render; the UI state is as of the last key.
  const latest = useRef(ctx);
  latest.current = ctx;
  const runEffect = useCallback(
    (effect: Effect, state: UiState) => {
      const result = carryOut(effect, state, source);
      if (result) dispatch(result);
    },
    [source, dispatch],
  );
  useInput(
    useCallback(
      (input: string, key: KeyFlags) => {
        const handle = (text: string, flags: KeyFlags) => {
          const state = currentUi();
          const outcome = keyToOutcome(state, text, flags, latest.current);
          if (outcome.action) dispatch(outcome.action);
          if (outcome.effect) runEffect(outcome.effect, state);
        };
        // Esc and the next key read together arrive as one Alt-modified key. No key here
        // uses Alt, so it is what it was typed as: Esc, then the key.
        if (key.meta && !key.escape && !key.ctrl && input !== "") {
          handle("", { escape: true });
          handle(input, { ...key, meta: false });
          return;
        }
        handle(input, key);
      },
      [currentUi, dispatch, runEffect],
    ),
  );
}

/** Runs an effect against the source; the action returned says how it went. */
function carryOut(effect: Effect, ui: UiState, source: UiSource): UiAction | undefined {
  if (effect.type === "control") {
    const what = describeIntent(effect.intent);
    const result = source.requestControl(effect.intent);
    return {
      type: "notice",
      notice: result.ok
        ? { text: `${what} sent; waiting for the engine to apply it`, level: "info" }
        : { text: `${what} not sent: ${result.reason}`, level: "warn" },
    };
  }
  if (!ui.replay) return undefined;
  const seq = source.boundary(ui.replay.seq, effect.target, effect.issue);
  if (seq === undefined) {
    return { type: "notice", notice: { text: noBoundary(effect), level: "info" } };
  }
  return { type: "replaySeek", seq, head: source.live().head };
}

function noBoundary(effect: Extract<Effect, { type: "seek" }>): string {
  const where = effect.target.startsWith("prev") ? "earlier" : "later";
  return effect.target.endsWith("Tick")
    ? `no ${where} tick boundary`
    : `no ${where} attempt boundary for #${effect.issue}`;
}
