/**
 * Runs the console in the terminal: the alternate screen on start, and the operator's
 * screen back on every way out (q, Ctrl-C, SIGTERM, SIGHUP, a crash), so a tmux pane is
 * never left with a half-drawn frame or a hidden cursor.
 */
import { setFlagsFromString } from "node:v8";
import { render } from "ink";
import { createElement } from "react";
import type { Clock } from "../shared/clock.js";
import { App } from "./App.js";
import { ColorsContext, hasColors } from "./components/LineText.js";
import type { UiSource } from "./data/source.js";

const ENTER_ALT_SCREEN = "\u001b[?1049h\u001b[H";
const LEAVE_ALT_SCREEN = "\u001b[?1049l";
const SHOW_CURSOR = "\u001b[?25h";
/**
 * No render throttle in Ink: its throttle is a debounce (a render asked for within 50 ms of
 * the last one waits until 50 ms after the ask), so a key pressed just after a frame took
 * 50 ms more to show. TUI.md's "at most ~20 renders a second" holds without it: the source
 * announces at most one change per poll, replay plays at 20 frames a second, and each
 * change, key or clock period causes one render (see the hooks).
 */
const UNTHROTTLED = 0;

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
  const app = createElement(App, {
    source: options.source,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const instance = render(
    createElement(ColorsContext.Provider, { value: hasColors(stdout) }, app),
    {
      stdout,
      stdin,
      exitOnCtrlC: true,
      patchConsole: true,
      maxFps: UNTHROTTLED,
      // Not `incrementalRendering`: in Ink 6.8 it moves the cursor up one line too few
      // when the frame ends with a newline (ours does), drawing every later frame one
      // line low. Full frames inside synchronized-output markers do not flicker.
    },
  );
  keepHeapNearLiveData();
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

/**
 * The console runs for hours, and while the engine is busy Ink's renderer allocates tens of
 * megabytes a second (a whole screen of objects per frame): with V8's default heap growth
 * (up to 4× the live data between full collections) a live tail held ~320 MB. Growing 30 %
 * keeps it near the live data, for a few percent more collection work. Set once the first
 * frame is drawn: while starting, the heap grows fast (the state is read) and a tight limit
 * would only add collections. V8 reads this flag at each collection, so setting it now
 * takes effect.
 */
function keepHeapNearLiveData(): void {
  setFlagsFromString("--heap-growing-percent=30");
}
