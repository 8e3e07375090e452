/**
 * The whole product as an operator uses it: a real engine working a sandbox backlog, and
 * the real `forge-loop tui` binary in a detached tmux session beside it, driven with
 * send-keys and read with capture-pane. The halt and resume typed into the TUI must
 * reach the engine (its state becomes halted, then running again).
 */
import { execFileSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import {
  distCli,
  type EngineSandbox,
  exited,
  makeSandbox,
  spawnEngine,
  waitForEvent,
} from "../support/engine-sandbox.js";

const socket = `forge-e2e-${process.pid}`;
const tmux = (...args: string[]) =>
  execFileSync("tmux", ["-L", socket, "-f", "/dev/null", ...args], { encoding: "utf8" });
const screen = () => tmux("capture-pane", "-p", "-t", "ops");

async function waitForScreen(
  check: (s: string) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    last = screen();
    if (check(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; the screen was:\n${last}`);
}

function key(...names: string[]): void {
  for (const name of names) tmux("send-keys", "-t", "ops", name);
}

let engine: ReturnType<typeof spawnEngine> | undefined;
afterAll(() => {
  engine?.kill("SIGKILL");
  try {
    tmux("kill-server");
  } catch {
    // already gone
  }
});

describe("the TUI beside a running engine, in tmux", () => {
  it("shows the loop live, halts and resumes the engine, replays from the start, and quits cleanly", async () => {
    const sandbox: EngineSandbox = await makeSandbox(["clean", "checks-retry"], {
      FORGE_LOOP_DEMO_STEP_MS: "250",
    });
    engine = spawnEngine(sandbox, [], { FORGE_LOOP_DEMO_STEP_MS: "250" });
    await waitForEvent(sandbox, (e) => e.kind === "loop.started");
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(distCli)} tui --dir ${JSON.stringify(sandbox.stateDir)}; echo TUI-EXITED-$?; sleep 30`;
    tmux("new-session", "-d", "-s", "ops", "-x", "120", "-y", "40", command);

    // The panes appear, with the repository and a live engine in the status bar.
    const first = await waitForScreen(
      (s) => s.includes("Tasks") && s.includes("Events") && s.includes("running"),
      "the first frame",
    );
    expect(first.split("\n")[0]).toMatch(/forge-loop\s+textkit/);
    expect(first.trimEnd().split("\n").length).toBeLessThanOrEqual(40);

    // A task moves to merged while we watch.
    await waitForScreen((s) => /#1\s+✔ merged/.test(s), "issue #1 to be merged", 60_000);

    // H asks to confirm; y sends the halt; the engine applies it and the status bar says so.
    key("H");
    await waitForScreen(
      (s) => /halt/i.test(s) && /\by\b|confirm/i.test(s),
      "the halt confirmation",
    );
    key("y");
    await waitForEvent(sandbox, (e) => e.kind === "loop.halted" && e.payload.by === "operator");
    await waitForScreen(
      (s) => s.split("\n")[0]?.includes("halted") === true,
      "the status bar to say halted",
    );

    key("R");
    await waitForEvent(sandbox, (e) => e.kind === "loop.resumed");
    await waitForScreen(
      (s) => s.split("\n")[0]?.includes("running") === true,
      "the status bar to say running",
    );

    // Replay: Home shows the empty start, End returns to the head.
    key("p");
    await waitForScreen((s) => s.includes("REPLAY"), "the replay banner");
    key("Home");
    // The first event: the engine has just started and no task exists yet.
    const start = await waitForScreen((s) => /seq 1 \//.test(s), "the start of history");
    expect(start).not.toMatch(/#1\s/);
    expect(start).toContain("loop.started");
    // End goes to the last event and stays on it while the engine runs on and appends.
    const scrubbed = (s: string) => {
      const m = /seq ([\d,]+) \/ ([\d,]+)/.exec(s);
      return m ? [Number(m[1]?.replace(/,/g, "")), Number(m[2]?.replace(/,/g, ""))] : [0, 0];
    };
    const headBefore = scrubbed(start)[1] as number;
    key("End");
    const head = await waitForScreen((s) => {
      const [seq, last] = scrubbed(s) as [number, number];
      return seq === last && seq >= headBefore && headBefore > 1;
    }, "the head of history");
    expect(head).toMatch(/#1\s+✔ merged/);
    key("Escape");
    await waitForScreen((s) => !s.includes("REPLAY"), "live mode again");

    // q leaves the TUI (the engine keeps running) and gives the terminal back.
    key("q");
    const after = await waitForScreen((s) => s.includes("TUI-EXITED-0"), "the TUI to exit");
    expect(after).not.toContain("REPLAY");
    expect(after).not.toContain("Tasks");
    expect(engine.exitCode).toBeNull();
    engine.kill("SIGTERM");
    expect(await exited(engine)).toBe(0);
  }, 180_000);
});
