/**
 * Runs the console in the terminal: the alternate screen on start, and the operator's
 * screen back on every way out (q, Ctrl-C, SIGTERM, SIGHUP, a crash), so a tmux pane is
 * never left with a half-drawn frame or a hidden cursor.
 */
import { render } from "ink";
import { createElement } from "react";
import type { Clock } from "../shared/clock.js";
import { App } from "./App.js";
import type { UiSource } from "./data/source.js";

const ENTER_ALT_SCREEN = "\u001b[?1049h\u001b[H";
const LEAVE_ALT_SCREEN = "\u001b[?1049l";
const SHOW_CURSOR = "\u001b[?25h";
/** Renders per second at most (TUI.md: ~20); the source also batches its changes. */
const MAX_FPS = 20;

export interface RunTuiOptions {
  source: UiSource;
  clock?: Clock;
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
}

export async function runTui(options: RunTuiOptions): Promise<void> {
  const stdout = options.stdout ?? process.stdout;
  const stdin = options.stdin ?? process.stdin;
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    stdout.write(LEAVE_ALT_SCREEN + SHOW_CURSOR);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    instance.unmount();
    restore();
    options.source.close();
    process.kill(process.pid, signal);
  };
  const onCrash = (err: unknown) => {
    instance.unmount();
    restore();
    options.source.close();
    process.stderr.write(
      `forge-loop tui: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  };
  stdout.write(ENTER_ALT_SCREEN);
  const instance = render(
    createElement(App, {
      source: options.source,
      ...(options.clock ? { clock: options.clock } : {}),
    }),
    {
      stdout,
      stdin,
      exitOnCtrlC: true,
      patchConsole: true,
      maxFps: MAX_FPS,
      // Not `incrementalRendering`: in Ink 6.8 it moves the cursor up one line too few
      // when the frame ends with a newline (ours does), drawing every later frame one
      // line low. Full frames inside synchronized-output markers do not flicker.
    },
  );
  const signals: NodeJS.Signals[] = ["SIGTERM", "SIGHUP", "SIGINT"];
  for (const signal of signals) process.once(signal, onSignal);
  process.once("uncaughtException", onCrash);
  process.once("unhandledRejection", onCrash);
  try {
    await instance.waitUntilExit();
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
    process.off("uncaughtException", onCrash);
    process.off("unhandledRejection", onCrash);
    restore();
    options.source.close();
  }
}
