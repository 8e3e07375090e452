/**
 * The replay scrubber on a real log: every view shows the state folded up to the scrubbed
 * sequence (known here because the scenario's events are numbered), nothing runs, and Esc
 * returns to live.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  type AppHarness,
  eventBuilder,
  keys,
  press,
  startApp,
  T0,
  waitForFrame,
} from "./helpers.js";

let app: AppHarness | undefined;
afterEach(() => {
  app?.close();
  app = undefined;
});

const atSeq =
  (seq: number, head = 23) =>
  (f: string) =>
    f.includes(`seq ${seq} / ${head} ▶`);

async function seek(h: AppHarness, key: string, seq: number, head = 23): Promise<string> {
  await press(h.ui, key);
  return waitForFrame(h.ui, atSeq(seq, head), `seq ${seq}`);
}

describe("replay", () => {
  it("p freezes at the head and shows the scrubber line", async () => {
    app = await startApp();
    await press(app.ui, "p");
    const frame = await waitForFrame(app.ui, atSeq(23), "the scrubber");
    expect(frame).toMatch(
      /REPLAY ◀ seq 23 \/ 23 ▶ +2026-11-20 \d\d:51:30 +tick 2 +×1 ▷ +\[ \] tick +\{ \} attempt .*Esc live/,
    );
    expect(frame).toContain(" REPLAY ");
    expect(frame.split("\n")).toHaveLength(39);
  });

  it("←/→ step one event and every view shows the state at that sequence", async () => {
    app = await startApp();
    await press(app.ui, "p");
    await waitForFrame(app.ui, atSeq(23), "replay");
    for (let seq = 22; seq >= 16; seq--) await seek(app, keys.left, seq);
    // After event 16 (tick 1 completed): #44 not planned yet, #42 failed, #43 merged.
    let frame = app.ui.lastFrame() ?? "";
    expect(frame).toContain("┌ Tasks 2 ");
    expect(frame).not.toContain("#44");
    expect(frame).toMatch(/#42 ✖ failed +a1/);
    expect(frame).toMatch(/#43 ✔ merged/);
    expect(frame).toMatch(/tick.completed tick 1 7m00s #42 failed, #43 merged\s*│\n└/);
    await press(app.ui, "3");
    frame = await waitForFrame(app.ui, (f) => f.includes("┌ Critic 1 "), "one verdict at seq 16");
    expect(frame).toMatch(/#43 a1 +approve/);
    await press(app.ui, "2");
    await waitForFrame(app.ui, (f) => f.includes("no workers running"), "no workers at seq 16");
    await seek(app, keys.right, 17);
    frame = await seek(app, keys.right, 18);
    expect(frame).toMatch(/#42 a2 +hb/);
  });

  it("the state at a known sequence matches the log up to it (seq 9)", async () => {
    app = await startApp();
    await press(app.ui, "p");
    await seek(app, keys.home, 1);
    for (let seq = 2; seq <= 9; seq++) await seek(app, keys.right, seq);
    const frame = app.ui.lastFrame() ?? "";
    expect(frame).toMatch(/#42 ✖ failed +a1/);
    expect(frame).toMatch(/#43 ▶ running +a1/);
    expect(frame).toMatch(/slots 1\/3 +merged 0 +failed 1/);
    expect(frame).toContain("task.failed #42 a1 checks_failed");
    expect(frame).not.toContain("checks.completed #43");
  });

  it("Home and End go to the first and last event", async () => {
    app = await startApp();
    await press(app.ui, "p");
    let frame = await seek(app, keys.home, 1);
    expect(frame).toContain("no tasks yet");
    expect(frame).toContain("loop.started");
    frame = await seek(app, keys.end, 23);
    expect(frame).toContain("┌ Tasks 3 ");
  });

  it("[ and ] jump between tick boundaries and say when there is none", async () => {
    app = await startApp();
    await press(app.ui, "p");
    await seek(app, "[", 17);
    await seek(app, "[", 2);
    await press(app.ui, "[");
    await waitForFrame(app.ui, (f) => f.includes("no earlier tick boundary"), "no earlier tick");
    await seek(app, "]", 17);
    await press(app.ui, "]");
    await waitForFrame(app.ui, (f) => f.includes("no later tick boundary"), "no later tick");
  });

  it("{ and } jump between the selected task's attempt boundaries", async () => {
    app = await startApp();
    await press(app.ui, "p"); // #42 is selected: dispatched a1 at 4, failed at 9, a2 at 18
    await seek(app, "{", 18);
    await seek(app, "{", 9);
    await seek(app, "{", 4);
    await press(app.ui, "{");
    await waitForFrame(app.ui, (f) => f.includes("no earlier attempt boundary for #42"), "none");
    await seek(app, "}", 9);
    await seek(app, "}", 18);
  });

  it("Space plays at the chosen speed and pauses at the head; + and - set the speed", async () => {
    app = await startApp();
    await press(app.ui, "p");
    await seek(app, keys.home, 1);
    for (const speed of [2, 4, 8]) {
      await press(app.ui, "+");
      await waitForFrame(app.ui, (f) => f.includes(`×${speed} ▷`), `×${speed}`);
    }
    await press(app.ui, "-");
    await waitForFrame(app.ui, (f) => f.includes("×4 ▷"), "×4");
    await press(app.ui, " ");
    await waitForFrame(app.ui, (f) => f.includes("×4 ▶"), "playing");
    const frame = await waitForFrame(
      app.ui,
      (f) => atSeq(23)(f) && f.includes("×4 ▷"),
      "paused at head",
    );
    expect(frame).toContain("┌ Tasks 3 ");
  });

  it("replay runs nothing: command keys are refused and nothing is written", async () => {
    app = await startApp();
    const head = app.dir.engine.log.head();
    await press(app.ui, "p");
    await seek(app, keys.left, 22);
    for (const key of ["H", "X", "R", "r", "x"]) {
      await press(app.ui, key);
      await waitForFrame(app.ui, (f) => f.includes("replay shows history"), `refusal of ${key}`);
    }
    expect(app.dir.engine.log.head()).toBe(head);
  });

  it("End stays on the last event while the engine appends; ← leaves it there", async () => {
    app = await startApp();
    await press(app.ui, "p");
    await seek(app, keys.home, 1);
    await seek(app, keys.end, 23);
    const ev = eventBuilder(T0 + 30 * 60_000);
    const planned = (issue: number, title: string) =>
      ev("task.planned", { issue, title, labels: [], fingerprint: title }, `tp${issue}`, {
        task: issue,
      });
    app.dir.append([planned(47, "After End")]);
    const followed = await waitForFrame(app.ui, atSeq(24, 24), "replay following the head");
    expect(followed).toContain("After End");
    expect(followed).toContain(" REPLAY ");
    await seek(app, keys.left, 23, 24);
    app.dir.append([planned(48, "After the step back")]);
    const held = await waitForFrame(app.ui, atSeq(23, 25), "the step back holding");
    expect(held).not.toContain("After End");
  });

  it("the engine goes on during replay; Esc returns to live with what happened meanwhile", async () => {
    app = await startApp();
    await press(app.ui, "p");
    await seek(app, keys.home, 1);
    const ev = eventBuilder(T0 + 30 * 60_000);
    app.dir.append([
      ev(
        "task.planned",
        { issue: 47, title: "During replay", labels: [], fingerprint: "f" },
        "tp47",
        {
          task: 47,
        },
      ),
    ]);
    const frame = await waitForFrame(app.ui, atSeq(1, 24), "the head moving on");
    expect(frame).not.toContain("During replay");
    await press(app.ui, keys.escape);
    const live = await waitForFrame(app.ui, (f) => f.includes("During replay"), "live again");
    expect(live).not.toContain("REPLAY");
  });
});
