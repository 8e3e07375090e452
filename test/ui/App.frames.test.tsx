/**
 * How often the app draws: each frame is a whole screen (tens of milliseconds on a big
 * terminal), so a key or a change draws exactly one, and nothing happening draws none.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type AppHarness, eventBuilder, press, startApp, T0, waitForFrame } from "./helpers.js";

let app: AppHarness | undefined;
afterEach(() => {
  app?.close();
  app = undefined;
});

const settle = () => new Promise((r) => setTimeout(r, 250));

describe("frames", () => {
  it("draws nothing while nothing happens, and one frame per key", async () => {
    app = await startApp();
    await settle();
    const before = app.ui.frames.length;
    await settle();
    expect(app.ui.frames.length).toBe(before);
    // The selection moves to another task: its transcript is read again (there is none).
    await press(app.ui, "j");
    await settle();
    expect(app.ui.frames.length).toBe(before + 1);
  });

  it("draws one frame for a change that moves the selected row", async () => {
    app = await startApp();
    await press(app.ui, "6");
    await press(app.ui, "j");
    await press(app.ui, "j");
    await settle();
    const before = app.ui.frames.length;
    const ev = eventBuilder(T0 + 20 * 60_000);
    app.dir.append([
      ev("task.planned", { issue: 46, title: "New", labels: [], fingerprint: "f" }, "tp46", {
        task: 46,
      }),
    ]);
    await waitForFrame(app.ui, (f) => f.includes("task.planned #46"), "the new event");
    await settle();
    expect(app.ui.frames.length).toBe(before + 1);
  });

  it("draws nothing as it quits", async () => {
    app = await startApp();
    await press(app.ui, "q");
    await waitForFrame(app.ui, () => app?.ui.stdin.listenerCount("readable") === 0, "the exit");
    // Blank, whatever Ink leaves as its last write (a newline when it believes it runs in CI).
    expect(app.ui.lastFrame()?.trim()).toBe("");
  });
});
