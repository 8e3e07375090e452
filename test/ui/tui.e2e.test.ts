/**
 * The real binary in a real terminal: `node dist/cli.js tui --dir …` in a detached tmux
 * session of a fixed size, driven with send-keys and read with capture-pane. Needs the
 * build (`npm test` builds first; alone: `npx tsc -p tsconfig.build.json`) and tmux.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { controlApplied, makeStateDir, type StateDir, scenario } from "./helpers.js";

const cli = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
const hasTmux = (await execa("tmux", ["-V"], { reject: false })).exitCode === 0;
/** A server of our own per test: never the operator's tmux, never another test's. */
let sessions = 0;
let socket = "";

async function tmux(...args: string[]): Promise<string> {
  const { stdout } = await execa("tmux", ["-L", socket, "-f", "/dev/null", ...args], {
    env: { ...process.env, CI: "true" },
  });
  return stdout;
}

async function screen(): Promise<string> {
  return tmux("capture-pane", "-p", "-t", "tui");
}

async function waitForScreen(check: (s: string) => boolean, what: string): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const s = await screen().catch(() => "");
    if (check(s)) return s;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; screen:\n${s}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A frame drawn where it belongs: one status bar on the first line, the tabs under it. */
function expectClean(s: string): void {
  const lines = s.split("\n");
  expect(lines[0]).toMatch(/^ forge-loop {2}acme\/app/);
  expect(lines[1]).toMatch(/^ {2}1 Tasks/);
  expect(lines.filter((l) => l.includes("forge-loop  acme/app"))).toHaveLength(1);
}

async function keys(...names: string[]): Promise<void> {
  for (const name of names) {
    await tmux("send-keys", "-t", "tui", name);
    await new Promise((r) => setTimeout(r, 30));
  }
}

/**
 * A detached session running `command`, which keeps its pane after the program exits (to
 * see what it left on the screen). One tmux invocation sets both, so a program that exits
 * at once cannot take the session with it before remain-on-exit is on.
 */
async function newSession(columns: number, rows: number, command: string[]): Promise<void> {
  socket = `forge-ui-e2e-${process.pid}-${++sessions}`;
  const size = ["-x", String(columns), "-y", String(rows)];
  const keepPane = [";", "set-option", "-t", "tui", "remain-on-exit", "on"];
  await tmux("new-session", "-d", "-s", "tui", ...size, ...command, ...keepPane);
}

const bin = (...args: string[]) => [process.execPath, cli, ...args];

let dir: StateDir | undefined;

async function start(columns = 120, rows = 40): Promise<StateDir> {
  dir = makeStateDir();
  dir.append(scenario());
  dir.setEngineRunning(true);
  await newSession(columns, rows, bin("tui", "--dir", dir.paths.stateDir));
  await waitForScreen((s) => s.includes("acme/app"), "the first frame");
  return dir;
}

async function paneDead(): Promise<boolean> {
  return (await tmux("display-message", "-p", "-t", "tui", "#{pane_dead}")) === "1";
}

async function waitForExit(): Promise<void> {
  for (let i = 0; i < 200 && !(await paneDead()); i++) await new Promise((r) => setTimeout(r, 50));
}

afterEach(async () => {
  await tmux("kill-server").catch(() => undefined);
  dir?.cleanup();
  dir = undefined;
});

describe.skipIf(!hasTmux)("forge-loop tui in tmux", () => {
  beforeAll(() => {
    if (!existsSync(cli))
      throw new Error(`${cli} is missing: run \`npx tsc -p tsconfig.build.json\` first`);
  });

  it("draws the whole screen within the pane and steers the engine from the keyboard", async () => {
    const d = await start();
    let s = await screen();
    const lines = s.split("\n");
    expect(lines.length).toBeLessThanOrEqual(40);
    // The scenario's events are old (a fixed day), so the running engine reads as idle.
    expect(lines[0]).toMatch(/forge-loop +acme\/app +● running \(idle \d+[smhd]\) +tick 2/);
    expect(s).toContain("#42 ▶ running");
    expect(s).toContain("? help");
    await keys("H");
    await waitForScreen((x) => x.includes("Halt (drain)?"), "the question");
    await keys("y");
    s = await waitForScreen((x) => x.includes("halt requested…"), "halt requested…");
    const request = d.engine.log.since(23).find((e) => e.kind === "control.requested");
    expect(request?.payload).toMatchObject({ command: "halt", mode: "drain" });
    d.append([controlApplied(String(request?.payload.request_id), "halt", "applied")]);
    await waitForScreen((x) => x.includes("halt applied"), "halt applied");
  });

  it("switches views, opens help and replays", async () => {
    await start();
    await keys("3");
    expectClean(await waitForScreen((s) => s.includes("┌ Critic 2"), "the Critic view"));
    await keys("Enter");
    expectClean(await waitForScreen((s) => s.includes("[sev2/tests] src/fetch.ts:12"), "findings"));
    await keys("Escape", "?");
    expectClean(await waitForScreen((s) => s.includes("Keys (Esc or ? closes)"), "help"));
    await keys("Escape", "1", "p");
    expectClean(await waitForScreen((s) => s.includes("seq 23 / 23"), "the scrubber"));
    await keys("Home");
    await waitForScreen((s) => s.includes("seq 1 / 23") && s.includes("no tasks yet"), "seq 1");
    await keys("]");
    expectClean(await waitForScreen((s) => s.includes("seq 2 / 23"), "the first tick"));
    await keys("Escape");
    const live = await waitForScreen((s) => !s.includes("REPLAY") && s.includes("#44"), "live");
    expectClean(live);
  });

  it("re-lays out on resize, and says when the pane is too small", async () => {
    await start(100, 30);
    await tmux("resize-window", "-t", "tui", "-x", "70", "-y", "20");
    await waitForScreen((s) => s.includes("pane too small (need 80×24, have 70×20)"), "too small");
    await tmux("resize-window", "-t", "tui", "-x", "90", "-y", "26");
    const s = await waitForScreen((x) => x.includes("┌ Tasks 3"), "the screen again");
    expect(s).not.toContain("too small");
    expect(s.split("\n").every((line) => [...line].length <= 90)).toBe(true);
  });

  it("q quits and gives the terminal back: the alternate screen is left", async () => {
    await start();
    await keys("q");
    await waitForExit();
    expect(await paneDead()).toBe(true);
    expect(await screen()).not.toContain("? help");
  });

  it("a state directory without a log: a plain error and what to do, no screen left behind", async () => {
    // tmux 3.3 does not always reap a node pane's exit status (the pane stays a zombie
    // with no "Pane is dead (status …)"), so a shell reports it.
    const reportStatus = ["sh", "-c", '"$@"; echo "exited with status $?"', "sh"];
    await newSession(100, 30, [
      ...reportStatus,
      ...bin("tui", "--dir", "/nonexistent/.forge-loop"),
    ]);
    await waitForExit();
    // With the history: tmux may scroll the pane when the program ends.
    const s = await tmux("capture-pane", "-p", "-S", "-50", "-t", "tui");
    expect(s).toContain("forge-loop: no event log at /nonexistent/.forge-loop/events.db");
    expect(s).toContain("Start the engine (`forge-loop run`)");
    expect(s).toContain("exited with status 2");
    expect(await tmux("display-message", "-p", "-t", "tui", "#{alternate_on}")).toBe("0");
  });

  it("SIGTERM restores the terminal too", async () => {
    await start();
    const pid = await tmux("display-message", "-p", "-t", "tui", "#{pane_pid}");
    process.kill(Number(pid), "SIGTERM");
    await waitForExit();
    expect(await paneDead()).toBe(true);
    expect(await screen()).not.toContain("? help");
  });
});
