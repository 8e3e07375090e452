/**
 * Operator commands from the keyboard, against a real store: each key that steers the
 * engine appends a real `control.requested` (or, with no engine, appends nothing and says
 * why), and the status bar follows the engine's answer.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { StoredEvent } from "../../src/store/contract/envelope.js";
import {
  type AppHarness,
  controlApplied,
  eventBuilder,
  keys,
  press,
  startApp,
  waitForFrame,
} from "./helpers.js";

let app: AppHarness | undefined;
afterEach(() => {
  app?.close();
  app = undefined;
});

function requests(h: AppHarness): StoredEvent[] {
  return h.dir.engine.log.since(0).filter((e) => e.kind === "control.requested");
}

describe("operator commands", () => {
  it("H asks, y appends a drain halt, and the status bar waits for the engine's answer", async () => {
    app = await startApp();
    const { ui } = app;
    await press(ui, "H");
    await waitForFrame(ui, (f) => f.includes("Halt (drain)?  y confirm"), "the halt question");
    expect(requests(app)).toHaveLength(0);
    await press(ui, "y");
    const [request] = requests(app);
    expect(request?.payload).toMatchObject({ command: "halt", mode: "drain" });
    expect(String(request?.payload.by)).toMatch(/^tui/);
    await waitForFrame(ui, (f) => f.includes("halt requested…"), "halt requested…");
    app.dir.append([controlApplied(String(request?.payload.request_id), "halt", "applied")]);
    const frame = await waitForFrame(ui, (f) => f.includes("halt applied"), "halt applied");
    expect(frame).not.toContain("requested…");
  });

  it("X asks before halting now; n and Esc cancel without writing anything", async () => {
    app = await startApp();
    const { ui } = app;
    await press(ui, "X");
    await waitForFrame(ui, (f) => f.includes("Halt now?"), "the halt-now question");
    await press(ui, "n");
    await waitForFrame(ui, (f) => f.includes("? help"), "the key hints back");
    await press(ui, "X");
    await waitForFrame(ui, (f) => f.includes("Halt now?"), "the question again");
    await press(ui, keys.escape);
    await waitForFrame(ui, (f) => f.includes("? help"), "the key hints back");
    expect(requests(app)).toHaveLength(0);
    await press(ui, "X");
    await press(ui, keys.enter);
    expect(requests(app).map((e) => e.payload.mode)).toEqual(["now"]);
  });

  it("R resumes at once", async () => {
    app = await startApp();
    await press(app.ui, "R");
    expect(requests(app).map((e) => e.payload.command)).toEqual(["resume"]);
    await waitForFrame(app.ui, (f) => f.includes("resume sent"), "the sent notice");
  });

  it("r retries the selected issue; x asks, then kills it", async () => {
    app = await startApp();
    const { ui } = app;
    await press(ui, "j"); // #43
    await waitForFrame(ui, (f) => f.includes("#43 Fix flaky test ─"), "#43 selected");
    await press(ui, "r");
    await press(ui, "k"); // #42
    await waitForFrame(ui, (f) => f.includes("#42 Add retry to fetcher ─"), "#42 selected");
    await press(ui, "x");
    await waitForFrame(ui, (f) => f.includes("Kill #42?"), "the kill question");
    await press(ui, "y");
    const sent = requests(app).map((e) => [e.payload.command, e.payload.target, e.taskId]);
    expect(sent).toEqual([
      ["retry", 43, "issue:43"],
      ["kill", 42, "issue:42"],
    ]);
  });

  it("a rejected command is shown plainly with the engine's reason", async () => {
    app = await startApp();
    await press(app.ui, "x");
    await press(app.ui, "y");
    const [request] = requests(app);
    app.dir.append([
      controlApplied(
        String(request?.payload.request_id),
        "kill",
        "rejected",
        "#42 has no running worker",
      ),
    ]);
    await waitForFrame(
      app.ui,
      (f) => f.includes("kill #42 rejected: #42 has no running worker"),
      "the rejection",
    );
  });

  it("the selected row of other views is the target too (Workers, Critic)", async () => {
    app = await startApp();
    await press(app.ui, "3"); // Critic, newest first: #44's verdict
    await waitForFrame(app.ui, (f) => f.includes("┌ Critic 2 "), "the Critic view");
    await press(app.ui, "r");
    expect(requests(app).map((e) => e.payload.target)).toEqual([44]);
  });
});

describe("with the engine running and nothing to do", () => {
  it("says for how long it has been idle, once two tick periods pass without an event", async () => {
    app = await startApp();
    const first = await waitForFrame(app.ui, (f) => f.includes("● running"), "running");
    expect(first).not.toContain("idle");
    // The scenario's last event is a minute before the clock the app shows.
    app.clock.advance(30 * 60_000);
    await waitForFrame(app.ui, (f) => f.includes("● running (idle 31m)"), "the idle hint");
    const ev = eventBuilder(app.clock.now() - 30_000);
    app.dir.append([
      ev("tick.started", { tick: 9, candidates: [] }, "tick.started:r1:9", { tick: 9 }),
    ]);
    const busy = await waitForFrame(app.ui, (f) => f.includes("tick 9"), "the new tick");
    expect(busy).not.toContain("idle");
  });
});

describe("with no engine running", () => {
  it("says so in the status bar with when it was last seen", async () => {
    app = await startApp({ engineRunning: false });
    await waitForFrame(app.ui, (f) => /○ not running \(last seen .+ ago\)/.test(f), "not running");
  });

  it("command keys say why they did nothing, and nothing is appended", async () => {
    app = await startApp({ engineRunning: false });
    for (const key of ["H", "X", "R", "r", "x"]) {
      await press(app.ui, key);
      await waitForFrame(
        app.ui,
        (f) => /no engine running \(last seen .+ ago\): .+ not sent/.test(f),
        `the reason for ${key}`,
      );
      expect(app.ui.lastFrame()).not.toMatch(/y confirm/);
    }
    expect(requests(app)).toHaveLength(0);
  });

  it("an engine that stops while the UI runs is noticed, and commands stop being sent", async () => {
    app = await startApp();
    await waitForFrame(app.ui, (f) => f.includes("● running"), "running");
    app.dir.setEngineRunning(false);
    await waitForFrame(app.ui, (f) => f.includes("○ not running"), "not running");
    await press(app.ui, "R");
    await waitForFrame(app.ui, (f) => f.includes("resume not sent"), "the refusal");
    expect(requests(app)).toHaveLength(0);
  });
});
