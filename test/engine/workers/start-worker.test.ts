import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { heartbeat, observations, runFake, transcriptLines } from "../../support/run-fake.js";
import { isRunning, tempDirFactory } from "../../support/workers.js";

/**
 * The three adapters end to end: real processes (the fake agents print the real stream
 * formats), real worktrees, real transcripts.
 */
const tempDir = tempDirFactory();

describe("claude-code worker", () => {
  it("completes a run with tool calls and file edits, reporting what the engine needs", async () => {
    const { result, progress, cwd, logDir } = await runFake(tempDir, "claude-code", {
      scenario: "success",
    });
    const init = JSON.parse(transcriptLines(result)[0] as string);

    expect(result).toMatchObject({
      outcome: "completed",
      exitCode: 0,
      signal: null,
      sessionId: init.session_id,
      turns: 5,
      toolUses: 4,
      costUsd: 0.0421,
      tokens: 1200 + 300 + 4500 + 800, // from the result line, not the 999 999 of each message
      finalText: "Added src/greeting.txt; tests pass.",
      transcriptPath: join(logDir, "transcript.jsonl"),
    });
    expect(readFileSync(join(cwd, "src/greeting.txt"), "utf8")).toBe("hello\n");
    expect(heartbeat(progress)).toEqual({
      turns: 5,
      toolUses: 4,
      lastTool: "TodoWrite",
      costUsd: 0.0421,
      tokens: 6800,
    });
    expect(observations(progress, "tool").map((o) => o.summary)).toEqual([
      "Write(src/greeting.txt)",
      "Bash(npm test)",
    ]);
    expect(observations(progress, "todo").map((o) => o.summary)).toEqual([
      "0/2 done, next: Write greeting",
      "2/2 done",
    ]);
    // Usage arrives once, from the final line, after everything else.
    expect(progress.filter((p) => p.type === "usage")).toEqual([progress.at(-1)]);
  });

  it("leaves the agent's commits in the worktree", async () => {
    const { result, cwd } = await runFake(tempDir, "claude-code", { scenario: "success-commit" });
    expect(result.outcome).toBe("completed");
    const log = execFileSync("git", ["log", "--format=%s"], { cwd, encoding: "utf8" });
    expect(log.split("\n")[0]).toBe("Add greeting");
  });

  it("writes the transcript, stderr log and brief to the log directory", async () => {
    const brief = "Fix issue #7\n\nDetails.";
    const { result, logDir } = await runFake(tempDir, "claude-code", { scenario: "crash", brief });
    expect(readFileSync(join(logDir, "brief.md"), "utf8")).toBe(brief);
    expect(readFileSync(join(logDir, "stderr.log"), "utf8")).toContain("panic: something broke");
    expect(transcriptLines(result).map((l) => JSON.parse(l).type)).toEqual([
      "system",
      "assistant",
      "user",
    ]);
  });

  it("reports a crash mid-stream as an error with the exit code and stderr", async () => {
    const { result, progress } = await runFake(tempDir, "claude-code", { scenario: "crash" });
    expect(result).toMatchObject({
      outcome: "error",
      exitCode: 1,
      toolUses: 1,
      costUsd: undefined,
      tokens: undefined,
    });
    expect(result.error).toMatch(
      /\/claude exited with code 1 \(claude ended without a result line\)$/,
    );
    expect(result.stderrTail).toContain("panic: something broke inside the agent");
    expect(heartbeat(progress).toolUses).toBe(1);
  });

  it("treats an error result as an error even when claude exits 0", async () => {
    const { result } = await runFake(tempDir, "claude-code", { scenario: "error-result" });
    expect(result).toMatchObject({ outcome: "error", exitCode: 0, costUsd: 0.0421 });
    expect(result.error).toContain("error_max_turns");
  });

  it("keeps malformed lines in the transcript, ignores them, and completes", async () => {
    const { result, progress } = await runFake(tempDir, "claude-code", { scenario: "malformed" });
    expect(result).toMatchObject({ outcome: "completed", finalText: "done despite noise" });
    const lines = transcriptLines(result);
    expect(lines).toContain("not json at all");
    expect(lines).toContain('{"type":');
    expect(lines).toContain("\ufffd\ufffd{\ufffd(");
    expect(observations(progress, "message").map((o) => o.summary)).toEqual(["still here"]);
  });

  it("hands back the critic's verdict JSON in the final text", async () => {
    const { result } = await runFake(tempDir, "claude-code", { scenario: "verdict" });
    const verdict = JSON.parse(result.finalText.slice(result.finalText.indexOf("{")));
    expect(verdict).toMatchObject({
      overall: "approve",
      findings: [{ severity: "sev3", file: "src/x.ts" }],
    });
  });
});

describe("the watchdog on a claude-code worker", () => {
  // Generous against a slow start on a loaded machine; each silence below is twice as long.
  const stall = { stallTimeoutMs: 1_500 };

  it("does not call a long-running tool a stall", async () => {
    const { result, progress } = await runFake(tempDir, "claude-code", {
      spec: stall,
      steps: [
        { do: "init" },
        { do: "tool", name: "Bash", input: { command: "npm run e2e" }, sleepMs: 3_000 },
        { do: "result", text: "e2e passed" },
      ],
    });
    expect(result.outcome).toBe("completed");
    expect(heartbeat(progress).lastTool).toBe("Bash");
  });

  it("calls the same silence without a tool in flight a stall", async () => {
    const { result } = await runFake(tempDir, "claude-code", {
      spec: stall,
      steps: [{ do: "init" }, { do: "sleep", ms: 3_000 }, { do: "result", text: "too late" }],
    });
    expect(result.outcome).toBe("stale");
    expect(result.error).toBe("no output for 1.5 s with no tool in flight");
  });

  it("does not call an API retry wait a stall", async () => {
    const { result, progress } = await runFake(tempDir, "claude-code", {
      spec: stall,
      steps: [{ do: "init" }, { do: "retry", delayMs: 3_000 }, { do: "result", text: "recovered" }],
    });
    expect(result.outcome).toBe("completed");
    expect(observations(progress, "retry_wait")).toEqual([
      {
        type: "observation",
        what: "retry_wait",
        summary: "API retry 1/10 in 3.0s (overloaded, HTTP 529)",
        waitMs: 3_000,
      },
    ]);
  });

  it("declares a hung worker stale and leaves nothing running", async () => {
    const { result, handle } = await runFake(tempDir, "claude-code", {
      scenario: "hang",
      spec: { stallTimeoutMs: 500 },
    });
    expect(result).toMatchObject({ outcome: "stale", signal: "SIGTERM" });
    expect(isRunning(handle.pid as number)).toBe(false);
  });

  it("ends a worker at the wall clock limit even while a tool runs", async () => {
    const { result } = await runFake(tempDir, "claude-code", {
      spec: { wallTimeoutMs: 1_500 },
      steps: [
        { do: "init" },
        { do: "tool", name: "Bash", input: { command: "sleep 600" }, sleepMs: 60_000 },
      ],
    });
    expect(result.outcome).toBe("timeout");
    expect(result.error).toBe("still running after 1.5 s");
  });
});

describe("codex worker", () => {
  it("completes a run, with tokens from turn.completed and no cost", async () => {
    const { result, progress, cwd } = await runFake(tempDir, "codex", { scenario: "success" });
    const thread = JSON.parse(transcriptLines(result)[0] as string);
    expect(result).toMatchObject({
      outcome: "completed",
      exitCode: 0,
      sessionId: thread.thread_id,
      turns: 1,
      toolUses: 2,
      tokens: 24_763 + 122,
      finalText: "Added src/greeting.txt; tests pass.",
    });
    expect(result.costUsd).toBeUndefined();
    expect(readFileSync(join(cwd, "src/greeting.txt"), "utf8")).toBe("hello\n");
    expect(observations(progress, "tool").map((o) => o.summary)).toEqual([
      "Edit(src/greeting.txt)",
      "Shell(npm test)",
    ]);
    expect(heartbeat(progress)).toMatchObject({
      turns: 1,
      toolUses: 2,
      lastTool: "Shell",
      tokens: 24_885,
    });
  });

  it("does not call a long command a stall", async () => {
    const { result } = await runFake(tempDir, "codex", {
      spec: { stallTimeoutMs: 1_500 },
      steps: [
        { do: "init" },
        { do: "tool", input: { command: "cargo test" }, sleepMs: 3_000 },
        { do: "result", text: "ok" },
      ],
    });
    expect(result.outcome).toBe("completed");
  });

  it("reports a failed turn as an error with its message", async () => {
    const { result, progress } = await runFake(tempDir, "codex", { scenario: "turn-failed" });
    expect(result).toMatchObject({
      outcome: "error",
      exitCode: 0,
      error: "codex turn failed: model overloaded",
    });
    expect(observations(progress, "error").map((o) => o.summary)).toEqual([
      "model overloaded",
      "model overloaded",
    ]);
  });

  it("reports a crash as an error", async () => {
    const { result } = await runFake(tempDir, "codex", { scenario: "crash" });
    expect(result).toMatchObject({ outcome: "error", exitCode: 1 });
    expect(result.error).toContain("codex exited with code 1");
  });

  it("declares a hung codex stale", async () => {
    const { result } = await runFake(tempDir, "codex", {
      scenario: "hang",
      spec: { stallTimeoutMs: 500 },
    });
    expect(result.outcome).toBe("stale");
  });
});

describe("command worker", () => {
  it("reads progress lines and the last status line", async () => {
    const { result, progress, recordPath } = await runFake(tempDir, "command", {
      spec: {
        command: [
          join(import.meta.dirname, "../../support/fake-agents/command-worker"),
          "--lines",
          "3",
          "--status",
          "done",
          "--note",
          "3 files changed",
        ],
      },
      brief: "Do the thing.",
    });
    expect(result).toMatchObject({
      outcome: "completed",
      status: "done",
      note: "3 files changed",
      finalText: "step 1 of the work\nstep 2 of the work\nstep 3 of the work",
      turns: 0,
      toolUses: 0,
    });
    expect(observations(progress, "message")).toHaveLength(3);
    const record = JSON.parse(readFileSync(recordPath, "utf8"));
    expect(record.stdin).toBe("Do the thing.");
    expect(record.briefFromFile).toBe("Do the thing.");
    expect(record.env.FORGE_LOOP_BRIEF_FILE).toBe(record.briefFile);
  });

  it("is an error when it exits non-zero, and still reports its status", async () => {
    const { result } = await runFake(tempDir, "command", {
      spec: {
        command: [
          join(import.meta.dirname, "../../support/fake-agents/command-worker"),
          "--status",
          "failed",
          "--exit",
          "3",
        ],
      },
    });
    expect(result).toMatchObject({ outcome: "error", exitCode: 3, status: "failed" });
    expect(result.error).toMatch(/exited with code 3$/);
  });

  it("completes without a status line", async () => {
    const { result } = await runFake(tempDir, "command", {
      spec: {
        command: [
          join(import.meta.dirname, "../../support/fake-agents/command-worker"),
          "--lines",
          "1",
        ],
      },
    });
    expect(result).toMatchObject({ outcome: "completed", finalText: "step 1 of the work" });
    expect(result.status).toBeUndefined();
  });

  it("completes when it never reads a large brief from stdin", async () => {
    const { result } = await runFake(tempDir, "command", {
      spec: {
        command: [
          join(import.meta.dirname, "../../support/fake-agents/command-worker"),
          "--ignore-stdin",
          "--status",
          "ok",
        ],
      },
      brief: "b".repeat(2 * 1024 * 1024),
    });
    expect(result).toMatchObject({ outcome: "completed", status: "ok" });
  });

  it("refuses an empty command with a clear error", async () => {
    const { result, handle } = await runFake(tempDir, "command", { spec: { command: [] } });
    expect(handle.pid).toBeUndefined();
    expect(result.outcome).toBe("error");
    expect(result.error).toMatch(
      /no command to run.*set the worker's `command` in forge-loop.yaml/,
    );
  });
});
