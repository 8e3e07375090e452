/**
 * The screen and its keys on a real state directory: layout, moving, switching views,
 * detail, filter, help, freeze, quit, resizing and the too-small message.
 */
import { appendFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { keyHelp } from "../../src/ui/state/keymap.js";
import {
  type AppHarness,
  eventBuilder,
  keys,
  maxWidth,
  press,
  resize,
  startApp,
  T0,
  waitForFrame,
  writeTranscript,
} from "./helpers.js";

let app: AppHarness | undefined;
afterEach(() => {
  app?.close();
  app = undefined;
});

/** The detail pane's title: the text after the list pane's top-right corner. */
function detailTitle(frame: string): string {
  const top = frame.split("\n")[2] ?? "";
  return top.slice(top.indexOf("┐┌ ") + 3);
}

describe("the screen", () => {
  it("shows the status bar, tabs, list, detail, events and key hints within the terminal", async () => {
    app = await startApp({ columns: 120, rows: 40 });
    const frame = app.ui.lastFrame() ?? "";
    const lines = frame.split("\n");
    expect(lines).toHaveLength(39);
    expect(maxWidth(frame)).toBe(120);
    expect(lines[0]).toMatch(
      /forge-loop +acme\/app +● running +tick 2 +slots 1\/3 +merged 1 +failed 2 +\$\.40 .*13:53$/,
    );
    expect(lines[1]).toContain("1 Tasks 3");
    expect(frame).toMatch(/#42 ▶ running +a2 +4m +claude +\$\.82 +Add retry/);
    expect(frame).toMatch(/#43 ✔ merged +a1 +PR #12 +Fix flaky test/);
    expect(frame).toMatch(/#44 ✖ failed +a1 +critic sev2/);
    expect(frame).toContain("┌ Events ─");
    expect(frame).toContain("task.failed #44 a1 critic_blocked critic blocked the merge");
    expect(lines[38]).toContain("? help  H halt");
  });

  it("never lets an escape sequence or newline from an issue title reach the terminal", async () => {
    app = await startApp();
    await press(app.ui, "G"); // #44, the hostile title
    const frame = await waitForFrame(app.ui, (f) => detailTitle(f).startsWith("#44"), "#44");
    expect(frame).not.toContain("\u001b");
    expect(frame.split("\n")).toHaveLength(39);
  });

  it("the detail follows the selection: the task's timeline grouped by attempt", async () => {
    app = await startApp();
    const frame = app.ui.lastFrame() ?? "";
    expect(detailTitle(frame)).toMatch(/^#42 Add retry to fetcher/);
    expect(frame).toMatch(/a1 ✖ failed checks_failed/);
    expect(frame).toContain("dispatch ✔ → checks (npm test) ✖ → critic → PR → merge");
    expect(frame).toContain("expected 3 got 2");
    expect(frame).toContain("error: npm test exited 1");
    expect(frame).toContain("at fetch (src/fetch.ts:12:3)");
    expect(frame).toMatch(/a2 ▶ running/);
    expect(frame).toContain("dispatch…");
  });

  it("the detail shows the last lines of the running attempt's worker transcript", async () => {
    app = await startApp();
    writeTranscript(app.dir.paths.logsDir, 42, 2, [
      JSON.stringify({ type: "system", subtype: "init", session_id: "s" }),
      JSON.stringify({
        type: "assistant",
        message: {
          content: [{ type: "tool_use", name: "Bash", input: { command: "npm test -- fetcher" } }],
        },
      }),
      JSON.stringify({
        type: "user",
        message: { content: [{ type: "tool_result", content: "ok" }] },
      }),
      JSON.stringify({
        type: "assistant",
        message: { content: [{ type: "text", text: "Tests pass now." }] },
      }),
      "not json at all",
    ]);
    // The transcript is read again with every event (and every clock tick).
    app.dir.append([
      eventBuilder(T0 + 20 * 60_000)(
        "task.planned",
        { issue: 50, title: "x", labels: [], fingerprint: "f" },
        "tp50",
        {
          task: 50,
        },
      ),
    ]);
    await press(app.ui, keys.enter);
    await press(app.ui, "G");
    const frame = await waitForFrame(
      app.ui,
      (f) => f.includes("Tests pass now."),
      "transcript lines",
    );
    expect(frame).toContain("worker a2, last lines:");
    expect(frame).toContain("tool Bash(npm test -- fetcher)");
    expect(frame).toContain("not json at all");
  });

  it("new events appear without a key press; only the new ones are folded", async () => {
    app = await startApp();
    const ev = eventBuilder(T0 + 20 * 60_000);
    app.dir.append([
      ev(
        "task.planned",
        { issue: 45, title: "Brand new issue", labels: [], fingerprint: "f45" },
        "task.planned:issue:45",
        { task: 45 },
      ),
    ]);
    await waitForFrame(app.ui, (f) => /#45 · planned +Brand new issue/.test(f), "the new task");
    expect(app.ui.lastFrame()).toContain("1 Tasks 4");
  });
});

describe("moving", () => {
  it("j/k, ↑/↓, g/G and PgUp/PgDn move the selection and the detail follows", async () => {
    app = await startApp();
    const { ui } = app;
    const title = async (expected: string) =>
      waitForFrame(ui, (f) => detailTitle(f).startsWith(expected), expected);
    await press(ui, "j");
    await title("#43 Fix flaky test");
    await press(ui, keys.down);
    await title("#44 Hostile");
    await press(ui, keys.down); // stays on the last row
    await title("#44 Hostile");
    await press(ui, "k");
    await title("#43");
    await press(ui, keys.up);
    await title("#42");
    await press(ui, "G");
    await title("#44");
    await press(ui, "g");
    await title("#42");
    await press(ui, keys.pageDown);
    await title("#44");
    await press(ui, keys.pageUp);
    await title("#42");
  });

  it("a long list scrolls and builds only the rows that fit", async () => {
    const ev = eventBuilder();
    const many = Array.from({ length: 300 }, (_, i) =>
      ev(
        "task.planned",
        { issue: i + 1, title: `Issue number ${i + 1}`, labels: [], fingerprint: `f${i}` },
        `task.planned:issue:${i + 1}`,
        { task: i + 1 },
      ),
    );
    app = await startApp({ events: many, rows: 30 });
    const { ui } = app;
    let frame = ui.lastFrame() ?? "";
    expect(frame.split("\n")).toHaveLength(29);
    expect(frame).toContain("#1 ");
    expect(frame).not.toContain("#200 ");
    await press(ui, "G");
    frame = await waitForFrame(ui, (f) => f.includes("Issue number 300"), "the last row");
    expect(frame).not.toContain("Issue number 1 ");
    expect(frame.split("\n")).toHaveLength(29);
  });
});

describe("views", () => {
  it("Tab cycles, Shift-Tab goes back, and 1–6 jump to each view", async () => {
    app = await startApp();
    const { ui } = app;
    const view = (title: string) => waitForFrame(ui, (f) => f.includes(`┌ ${title}`), title);
    await press(ui, keys.tab);
    await view("Workers");
    await press(ui, keys.tab);
    await view("Critic");
    await press(ui, keys.shiftTab);
    await view("Workers");
    await press(ui, keys.shiftTab);
    await press(ui, keys.shiftTab);
    await view("Events");
    for (const [digit, title] of [
      ["1", "Tasks"],
      ["2", "Workers"],
      ["3", "Critic"],
      ["4", "PRs"],
      ["5", "Ticks"],
      ["6", "Events"],
    ]) {
      await press(ui, digit as string);
      await view(title as string);
    }
  });

  it("Workers: heartbeat age, turns, cost and last tool; a silent worker stands out", async () => {
    app = await startApp();
    await press(app.ui, "2");
    let frame = await waitForFrame(app.ui, (f) => f.includes("┌ Workers 1"), "Workers");
    expect(frame).toMatch(/#42 a2 +hb +2m30s +31 turns +\$\.82 +claude +Bash\(npm/);
    expect(frame).not.toContain("STALE");
    app.clock.advance(10 * 60_000);
    // Ages are read at the next render: an event (or the clock's next tick) brings one.
    app.dir.append([
      eventBuilder(T0 + 20 * 60_000)(
        "task.planned",
        { issue: 50, title: "x", labels: [], fingerprint: "f" },
        "tp50",
        {
          task: 50,
        },
      ),
    ]);
    frame = await waitForFrame(app.ui, (f) => f.includes("STALE"), "the stale worker");
    expect(frame).toMatch(/#42 a2 +STALE hb 12m30s/);
    expect(frame).toContain("heartbeat 12m30s ago  STALE");
  });

  it("Critic: verdicts with severity counts; Enter lists the findings with file:line; Esc goes back", async () => {
    app = await startApp();
    await press(app.ui, "3");
    let frame = await waitForFrame(app.ui, (f) => f.includes("┌ Critic 2"), "Critic");
    expect(frame).toMatch(/#44 a1 +request_changes +blocks +sev2×1 sev3×1 +12s/);
    expect(frame).toMatch(/#43 a1 +approve +no findings +9s/);
    await press(app.ui, keys.enter);
    frame = await waitForFrame(app.ui, (f) => !f.includes("┌ Critic 2"), "the expanded detail");
    expect(frame).toContain("[sev2/tests] src/fetch.ts:12 no sad-path test for the retry");
    expect(frame).toContain("fix: add a test where the server fails twice");
    expect(frame).toContain("[sev3/style] name could be clearer");
    expect(frame).toContain("j/k scroll");
    await press(app.ui, keys.escape);
    await waitForFrame(app.ui, (f) => f.includes("┌ Critic 2"), "the list again");
  });

  it("PRs: checks state and merge state", async () => {
    app = await startApp();
    await press(app.ui, "4");
    const frame = await waitForFrame(app.ui, (f) => f.includes("┌ PRs 1"), "PRs");
    expect(frame).toMatch(/PR #12 +#43 +✔ passing +merged +\(squash\) loop\//);
    expect(frame).toContain("merged abcdef123456 (squash)");
    expect(frame).toContain("ci: passing");
  });

  it("Ticks: a timeline of bars with durations and outcomes", async () => {
    app = await startApp();
    await press(app.ui, "5");
    const frame = await waitForFrame(app.ui, (f) => f.includes("┌ Ticks 2"), "Ticks");
    expect(frame).toMatch(/tick 2 +13:48 █+░* +running/);
    expect(frame).toMatch(/tick 1 +13:41 █+░* +7m00s ✔1 ✖1/);
    expect(frame).toContain("#42 failed");
  });

  it("Events: the feed, newest first, filterable; Enter shows the payload", async () => {
    app = await startApp();
    await press(app.ui, "6");
    let frame = await waitForFrame(app.ui, (f) => f.includes("┌ Events 23"), "Events");
    expect(frame).not.toContain("┌ Events ─"); // no second events pane in this view
    const rows = frame.split("\n").filter((l) => l.includes("│13:"));
    expect(rows[0]).toContain("task.failed #44");
    await press(app.ui, "/");
    for (const c of "pr.") await press(app.ui, c);
    frame = await waitForFrame(app.ui, (f) => f.includes("Events 3 of 23"), "the filtered feed");
    await press(app.ui, keys.enter);
    await press(app.ui, keys.enter);
    frame = await waitForFrame(app.ui, (f) => f.includes('"method": "squash"'), "the payload");
    expect(frame).toContain("pr.merged  seq 14");
  });
});

describe("filter", () => {
  it("/ filters the current view as you type; Enter keeps it; Esc clears it", async () => {
    app = await startApp();
    const { ui } = app;
    await press(ui, "/");
    for (const c of "merged") await press(ui, c);
    let frame = await waitForFrame(ui, (f) => f.includes("Tasks 1 of 3 /merged"), "filtered");
    expect(frame).toContain("/ merged▏");
    expect(frame).not.toContain("#42 ▶");
    await press(ui, keys.enter);
    frame = await waitForFrame(ui, (f) => f.includes("? help"), "filter kept");
    expect(frame).toContain("filter: merged");
    expect(detailTitle(frame)).toMatch(/^#43/);
    await press(ui, keys.escape);
    frame = await waitForFrame(ui, (f) => f.includes("┌ Tasks 3 ─"), "filter cleared");
    expect(frame).not.toContain("filter:");
  });

  it("says when nothing matches, and Backspace edits", async () => {
    app = await startApp();
    const { ui } = app;
    await press(ui, "/");
    for (const c of "zzq") await press(ui, c);
    await waitForFrame(ui, (f) => f.includes('nothing matches "zzq"'), "no match");
    for (let i = 0; i < 3; i++) await press(ui, keys.backspace);
    await waitForFrame(ui, (f) => f.includes("┌ Tasks 3 ─") && f.includes("/ ▏"), "all rows back");
    await press(ui, keys.escape);
    await waitForFrame(ui, (f) => f.includes("? help"), "filter mode left");
  });
});

describe("help, freeze, quit", () => {
  it("? lists every key of the keymap, at the smallest size too; Esc closes it", async () => {
    app = await startApp({ columns: 80, rows: 24 });
    await press(app.ui, "?");
    const frame = await waitForFrame(app.ui, (f) => f.includes("Keys (Esc or ? closes)"), "help");
    for (const k of keyHelp) expect(frame).toContain(`${k.keys.padEnd(10)} ${k.does}`);
    expect(frame.split("\n")).toHaveLength(23);
    await press(app.ui, keys.escape);
    await waitForFrame(app.ui, (f) => !f.includes("Keys (Esc"), "help closed");
  });

  it("Z freezes the display while the engine goes on; Z again shows what happened", async () => {
    app = await startApp();
    await press(app.ui, "Z");
    await waitForFrame(app.ui, (f) => f.includes(" FROZEN "), "FROZEN");
    const ev = eventBuilder(T0 + 20 * 60_000);
    app.dir.append([
      ev(
        "task.planned",
        { issue: 46, title: "Arrived while frozen", labels: [], fingerprint: "f" },
        "tp46",
        {
          task: 46,
        },
      ),
    ]);
    await new Promise((r) => setTimeout(r, 200));
    expect(app.ui.lastFrame()).not.toContain("Arrived while frozen");
    await press(app.ui, "Z");
    await waitForFrame(app.ui, (f) => f.includes("Arrived while frozen"), "the new task");
    expect(app.ui.lastFrame()).not.toContain("FROZEN");
  });

  it("q quits the UI (and only the UI: nothing is written)", async () => {
    app = await startApp();
    const before = app.dir.engine.log.head();
    expect(app.ui.stdin.listenerCount("readable")).toBeGreaterThan(0);
    await press(app.ui, "q");
    await waitForFrame(
      app.ui,
      () => app?.ui.stdin.listenerCount("readable") === 0,
      "the app to exit",
    );
    expect(app.dir.engine.log.head()).toBe(before);
  });
});

describe("terminal size", () => {
  it("under 80×24 shows only a centred message, and comes back when the pane grows", async () => {
    app = await startApp({ columns: 100, rows: 30 });
    let frame = await resize(app.ui, 79, 24);
    expect(frame).toContain("pane too small (need 80×24, have 79×24)");
    expect(frame.split("\n").length).toBeLessThanOrEqual(23);
    frame = await resize(app.ui, 120, 12);
    expect(frame).toContain("have 120×12");
    frame = await resize(app.ui, 80, 24);
    expect(frame).toContain("┌ Tasks 3");
  });

  it("re-lays out on every resize and is never taller or wider than the terminal", async () => {
    app = await startApp({ columns: 80, rows: 24 });
    for (const [columns, rows] of [
      [80, 24],
      [200, 60],
      [81, 25],
      [133, 33],
      [80, 24],
    ] as const) {
      const frame = await resize(app.ui, columns, rows);
      expect(frame.split("\n")).toHaveLength(rows - 1);
      expect(maxWidth(frame)).toBe(columns);
    }
  });
});

describe("Esc read together with the next key", () => {
  it("counts as Esc and then that key (no key here uses Alt)", async () => {
    app = await startApp();
    await press(app.ui, "?");
    await waitForFrame(app.ui, (f) => f.includes("Keys (Esc"), "help");
    await press(app.ui, "\u001b3");
    await waitForFrame(
      app.ui,
      (f) => f.includes("┌ Critic 2") && !f.includes("Keys (Esc"),
      "Critic",
    );
  });
});

describe("the operator stream", () => {
  it("feeds the events pane, worker lines included; unreadable lines are counted, not fatal", async () => {
    const line = (record: Record<string, unknown>) => JSON.stringify(record);
    app = await startApp({
      jsonl: [
        line({
          ts: "2026-11-20T13:51:30.000Z",
          kind: "task.failed",
          seq: 23,
          issue: 44,
          attempt: 1,
          reason: "critic_blocked",
        }),
        "{torn",
        line({
          ts: "2026-11-20T13:51:40.000Z",
          kind: "worker.observation",
          issue: 42,
          attempt: 2,
          what: "tool",
          summary: "Read src/fetch.ts",
        }),
      ],
    });
    let frame = app.ui.lastFrame() ?? "";
    expect(frame).toContain("Events (1 unreadable stream line skipped)");
    expect(frame).toContain("worker.observation #42 a2 tool: Read src/fetch.ts");
    appendFileSync(
      app.dir.paths.eventsJsonl,
      `${line({ ts: "2026-11-20T13:52:00.000Z", kind: "worker.observation", issue: 42, attempt: 2, what: "message", summary: "Tests pass" })}\n`,
    );
    frame = await waitForFrame(app.ui, (f) => f.includes("message: Tests pass"), "the new line");
    await press(app.ui, "6");
    frame = await waitForFrame(
      app.ui,
      (f) => f.includes("┌ Events 3 (1 unreadable"),
      "the Events view",
    );
    expect(frame.split("\n").find((l) => l.includes("│1"))).toContain("message: Tests pass");
  });
});

describe("the selection", () => {
  it("stays on its event when newer events arrive above it; at the top it follows the newest", async () => {
    app = await startApp();
    const { ui } = app;
    await press(ui, "6");
    await waitForFrame(ui, (f) => f.includes("┌ Events 23"), "the Events view");
    const ev = eventBuilder(T0 + 30 * 60_000);
    const plan = (issue: number) =>
      ev(
        "task.planned",
        { issue, title: `New ${issue}`, labels: [], fingerprint: "f" },
        `tp${issue}`,
        {
          task: issue,
        },
      );
    // At the top: the newest event is selected, and stays the newest.
    app.dir.append([plan(60)]);
    await waitForFrame(
      ui,
      (f) => f.includes("┌ Events 24") && f.includes("┌ task.planned ─"),
      "24",
    );
    // Two rows down: the heartbeat of #42 (event 21).
    await press(ui, "j");
    await press(ui, "j");
    await press(ui, "j");
    let frame = await waitForFrame(ui, (f) => f.includes("┌ task.heartbeat ─"), "the heartbeat");
    expect(frame).toContain('"turns": 31');
    app.dir.append([plan(61), plan(62)]);
    frame = await waitForFrame(ui, (f) => f.includes("┌ Events 26"), "two more events");
    expect(frame).toContain("┌ task.heartbeat ─");
    expect(frame).toContain('"turns": 31');
    // And the cursor moved with it: k goes to the next newer event.
    await press(ui, "k");
    await waitForFrame(ui, (f) => f.includes("┌ critique.issued ─"), "the event above");
  });
});
