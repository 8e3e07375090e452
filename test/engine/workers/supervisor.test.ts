import { chmodSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import v8 from "node:v8";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { startWorker } from "../../../src/engine/workers/start-worker.js";
import type { AdapterName } from "../../../src/engine/workers/types.js";
import { observations, runFake, startFake, transcriptLines } from "../../support/run-fake.js";
import {
  fakeAgentPath,
  fakeSpec,
  isRunning,
  readRecord,
  recordedChildPids,
  tempDirFactory,
} from "../../support/workers.js";

/**
 * What every adapter shares: the process group, the environment, the arguments, the
 * transcript, memory bounds, and a result that always arrives.
 */

// Set before anything reads the environment (redaction caches the engine's secrets).
const engineSecret = "engine-token-value-0123456789";
process.env.FORGE_TEST_API_TOKEN = engineSecret;
process.env.FORGE_TEST_UNLISTED = "must-not-reach-the-worker";
process.env.FORGE_TEST_ALLOWED = "allowed-value";

const tempDir = tempDirFactory();
const commandWorker = fakeAgentPath("command-worker");

async function until(condition: () => boolean, withinMs = 15_000): Promise<void> {
  const deadline = performance.now() + withinMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error("condition not met in time");
    await sleep(25);
  }
}

function childPidsOnce(recordPath: string, count: number): Promise<number[]> {
  let pids: number[] = [];
  return until(() => {
    try {
      pids = recordedChildPids(recordPath);
    } catch {
      return false;
    }
    return pids.length >= count;
  }).then(() => pids);
}

describe("a worker that cannot start", () => {
  it.each<[AdapterName, string]>([
    ["claude-code", "claude"],
    ["codex", "codex"],
    ["command", "command"],
  ])(
    "is an error naming the missing %s command and what to configure, not a throw",
    async (adapter) => {
      const missing = join(tempDir(), "no-such-agent");
      const handle = startWorker({
        spec: fakeSpec(adapter, { command: [missing] }),
        brief: "b",
        cwd: tempDir(),
        logDir: join(tempDir(), "logs"),
      });
      const result = await handle.done;
      expect(handle.pid).toBeUndefined();
      expect(result).toMatchObject({ outcome: "error", exitCode: null, signal: null, turns: 0 });
      expect(result.error).toContain(`worker command "${missing}" was not found (ENOENT)`);
      expect(result.error).toContain("set the worker's `command` in forge-loop.yaml");
    },
  );

  it("says when the command is not executable", async () => {
    const script = join(tempDir(), "agent.sh");
    writeFileSync(script, "#!/bin/sh\necho hi\n");
    chmodSync(script, 0o644);
    const { result } = await runFake(tempDir, "command", { spec: { command: [script] } });
    expect(result.outcome).toBe("error");
    expect(result.error).toContain("is not executable (EACCES)");
  });

  it("says when the command line is too long for the system", async () => {
    const { result } = await runFake(tempDir, "command", {
      spec: { command: [commandWorker, "x".repeat(200 * 1024)] },
    });
    expect(result.outcome).toBe("error");
    expect(result.error).toContain("too long for the system (E2BIG)");
  });

  it("says when the worktree is gone", async () => {
    const handle = startWorker({
      spec: fakeSpec("claude-code"),
      brief: "b",
      cwd: join(tempDir(), "removed-worktree"),
      logDir: join(tempDir(), "logs"),
    });
    const result = await handle.done;
    expect(result.outcome).toBe("error");
    expect(result.error).toMatch(/^the worktree .*removed-worktree does not exist/);
  });

  it("is an error when the brief holds a NUL byte, which no argument can carry", async () => {
    const { result } = await runFake(tempDir, "claude-code", { brief: "a\u0000b" });
    expect(result.outcome).toBe("error");
    expect(result.error).toMatch(/cannot start .*null bytes/);
  });

  it("is an error when the log directory cannot be created", async () => {
    const file = join(tempDir(), "a-file");
    writeFileSync(file, "");
    const handle = startWorker({
      spec: fakeSpec("claude-code"),
      brief: "b",
      cwd: tempDir(),
      logDir: join(file, "logs"),
    });
    const result = await handle.done;
    expect(result.outcome).toBe("error");
    expect(result.error).toContain("cannot prepare the log directory");
  });
});

describe("arguments", () => {
  const hostile = [
    "$(rm -rf /)",
    "--dangerously-skip-permissions",
    [
      "`touch /tmp/forge-pwned` && echo hi; rm -rf ~ | cat > /dev/null",
      `"double" 'single' \\"escaped\\" \\\\ $HOME \${PATH} %PATH% !!`,
      "line one\nline two\r\nline three\n",
      "unicode: héllo wörld 🌍 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \u202e RTL \u2028 separator \u00a0",
      "  -p --model evil  ",
    ].join("\n"),
  ];

  it.each(hostile)("reach claude intact as the single prompt argument: %j", async (brief) => {
    const { result, recordPath, logDir } = await runFake(tempDir, "claude-code", {
      scenario: "success",
      brief,
    });
    expect(result.outcome).toBe("completed");
    const record = readRecord(recordPath);
    expect(record.argv.at(-1)).toBe(brief);
    expect(record.argv.at(-2)).toBe("--");
    expect(record.prompt).toBe(brief);
    expect(record.stdin).toBe(""); // stdin closed
    expect(readFileSync(join(logDir, "brief.md"), "utf8")).toBe(brief);
  });

  it.each(hostile)("reach codex intact as the single prompt argument: %j", async (brief) => {
    const { result, recordPath, cwd } = await runFake(tempDir, "codex", {
      scenario: "success",
      brief,
    });
    expect(result.outcome).toBe("completed");
    const record = readRecord(recordPath);
    expect(record.argv).toEqual(["exec", "--json", "--full-auto", "-C", cwd, "--", brief]);
    expect(record.stdin).toBe("");
  });

  it.each(hostile)(
    "reach a command worker intact on stdin and in the brief file: %j",
    async (brief) => {
      const { result, recordPath } = await runFake(tempDir, "command", {
        spec: { command: [commandWorker] },
        brief,
      });
      expect(result.outcome).toBe("completed");
      const record = readRecord(recordPath);
      expect(record.stdin).toBe(brief);
      expect(record.briefFromFile).toBe(brief);
      expect(record.argv).toEqual([]);
    },
  );

  it.each<AdapterName>(["claude-code", "codex"])(
    "send a brief too large for an argument to %s on stdin",
    async (adapter) => {
      const brief = `${"A large critic brief with a diff.\n".repeat(8_000)}$(rm -rf /) 🌍`;
      const { result, recordPath } = await runFake(tempDir, adapter, {
        scenario: "success",
        brief,
      });
      expect(result.outcome).toBe("completed");
      const record = readRecord(recordPath);
      expect(record.prompt).toBe(brief);
      expect(record.argv.join(" ")).not.toContain("critic brief");
    },
  );

  it("run the worker in the worktree", async () => {
    const { recordPath, cwd } = await runFake(tempDir, "claude-code", { scenario: "success" });
    expect(readRecord(recordPath).cwd).toBe(cwd);
  });
});

describe("environment", () => {
  it("gives the worker the base, the allowed names and its own variables, and nothing else", async () => {
    const { recordPath } = await runFake(tempDir, "claude-code", {
      scenario: "success",
      spec: { envAllow: ["FORGE_TEST_ALLOWED", "FORGE_TEST_NOT_SET"] },
      env: { WORKER_OWN: "mine" },
    });
    const env = readRecord(recordPath).env;
    expect(Object.keys(env).sort()).toEqual(
      [
        "FAKE_AGENT_RECORD",
        "FAKE_AGENT_SCENARIO",
        "FORGE_TEST_ALLOWED",
        "HOME",
        "LANG",
        "PATH",
        "TERM",
        "WORKER_OWN",
      ].sort(),
    );
    expect(env).toMatchObject({
      FORGE_TEST_ALLOWED: "allowed-value",
      WORKER_OWN: "mine",
      TERM: "dumb",
    });
    expect(JSON.stringify(env)).not.toContain(engineSecret);
    expect(JSON.stringify(env)).not.toContain("must-not-reach-the-worker");
  });
});

describe("redaction", () => {
  it("keeps secrets out of the transcript, stderr log, progress and result", async () => {
    const workerSecret = "worker-secret-value-42";
    const githubToken = `ghp_${"A1b2C3d4E5".repeat(4)}`;
    const { result, progress, logDir } = await runFake(tempDir, "claude-code", {
      spec: { envAllow: ["FORGE_TEST_API_TOKEN"] },
      env: { WORKER_SECRET: workerSecret },
      steps: [
        { do: "init" },
        { do: "text", text: "engine token: ", fromEnv: "FORGE_TEST_API_TOKEN" },
        { do: "text", text: "worker secret: ", fromEnv: "WORKER_SECRET" },
        { do: "raw", line: `a token in the wild ${githubToken}` },
        { do: "stderr", text: `stderr leaks ${workerSecret} and ${githubToken}` },
        {
          do: "tool",
          name: "Bash",
          input: { command: `curl -H 'Authorization: Bearer ${githubToken}' x` },
        },
        { do: "result", text: "final: ", fromEnv: "WORKER_SECRET" },
      ],
    });
    expect(result.outcome).toBe("completed");
    const everything = [
      readFileSync(result.transcriptPath, "utf8"),
      readFileSync(join(logDir, "stderr.log"), "utf8"),
      JSON.stringify(progress),
      JSON.stringify(result),
    ].join("\n");
    for (const secret of [engineSecret, workerSecret, githubToken])
      expect(everything).not.toContain(secret);
    expect(readFileSync(result.transcriptPath, "utf8")).toContain("engine token: [REDACTED]");
    expect(observations(progress, "message").map((o) => o.summary)).toContain(
      "worker secret: [REDACTED]",
    );
    expect(result.finalText).toBe("final: [REDACTED]");
    expect(result.stderrTail).toBe("stderr leaks [REDACTED] and [REDACTED]");
  });
});

describe("killing", () => {
  it("stops a worker with SIGTERM to its group; the result says killed", async () => {
    const run = startFake(tempDir, "claude-code", { scenario: "hang" });
    await until(() => run.progress.length > 0);
    await run.handle.kill("operator asked", 5_000);
    const result = await run.handle.done;
    expect(result).toMatchObject({
      outcome: "killed",
      error: "killed: operator asked",
      signal: "SIGTERM",
    });
    expect(isRunning(run.handle.pid as number)).toBe(false);
  });

  it("SIGKILLs a worker and grandchildren that ignore SIGTERM, leaving no survivors", async () => {
    const run = startFake(tempDir, "claude-code", { scenario: "hang-with-children" });
    const children = await childPidsOnce(run.recordPath, 2);
    const all = [run.handle.pid as number, ...children];
    for (const pid of all) expect(isRunning(pid)).toBe(true);

    await run.handle.kill("stuck", 300);
    const result = await run.handle.done;
    expect(result).toMatchObject({ outcome: "killed", signal: "SIGKILL" });
    for (const pid of all) expect(isRunning(pid)).toBe(false);
  });

  it("lets the watchdog SIGKILL a stale worker that ignores SIGTERM", async () => {
    const run = startFake(tempDir, "claude-code", {
      scenario: "hang-with-children",
      // Long enough for the grandchildren to start before the silence counts as a stall.
      spec: { stallTimeoutMs: 3_000, killGraceMs: 300 },
    });
    const children = await childPidsOnce(run.recordPath, 2);
    const result = await run.handle.done;
    expect(result).toMatchObject({ outcome: "stale", signal: "SIGKILL" });
    for (const pid of [run.handle.pid as number, ...children]) expect(isRunning(pid)).toBe(false);
  });

  it("reaps what a worker left running when it exits normally", async () => {
    const { result, recordPath } = await runFake(tempDir, "claude-code", {
      spec: { killGraceMs: 300 },
      steps: [
        { do: "init" },
        { do: "spawn-children", count: 2, ignoreSigterm: true },
        { do: "result", text: "done, with a dev server still up" },
      ],
    });
    expect(result).toMatchObject({ outcome: "completed", exitCode: 0 });
    for (const pid of recordedChildPids(recordPath)) expect(isRunning(pid)).toBe(false);
  });

  it("settles even when an escaped process keeps the output pipe open", async () => {
    const { result, recordPath } = await runFake(tempDir, "claude-code", {
      steps: [
        { do: "init" },
        { do: "spawn-children", count: 1, ownSession: true },
        { do: "result", text: "bye" },
      ],
    });
    const [escaped] = recordedChildPids(recordPath);
    try {
      expect(result).toMatchObject({ outcome: "completed", finalText: "bye" });
      expect(isRunning(escaped as number)).toBe(true); // out of our reach, as expected
    } finally {
      process.kill(escaped as number, "SIGKILL");
    }
  });

  it("does nothing once the worker is done", async () => {
    const { result, handle } = await runFake(tempDir, "claude-code", { scenario: "success" });
    await handle.kill("too late");
    expect(await handle.done).toBe(result);
    expect(result.outcome).toBe("completed");
  });
});

describe("robustness", () => {
  it("survives a progress handler that throws", async () => {
    const { result, logDir } = await runFake(tempDir, "claude-code", {
      scenario: "success",
      onProgress: () => {
        throw new Error("engine bug");
      },
    });
    expect(result.outcome).toBe("completed");
    expect(readFileSync(join(logDir, "stderr.log"), "utf8")).toContain(
      "progress handler failed: engine bug",
    );
  });
});

describe("huge output", () => {
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as () => void;
  const live = () => {
    gc();
    gc(); // the second pass frees the buffers the first one found dead
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };

  /** The most memory the engine's process held (after collection) during the run. */
  async function peakGrowth(run: () => Promise<unknown>): Promise<number> {
    const before = live();
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, live() - before);
    }, 250);
    try {
      await run();
    } finally {
      clearInterval(sampler);
    }
    return Math.max(peak, live() - before);
  }

  const outputBytes = 50 * 1024 * 1024;

  it("streams 50 MB of lines with bounded memory and still reads the final result", async () => {
    let result: Awaited<ReturnType<typeof runFake>>["result"] | undefined;
    const growth = await peakGrowth(async () => {
      ({ result } = await runFake(tempDir, "claude-code", { scenario: "huge-output" }));
    });
    expect(result).toMatchObject({ outcome: "completed", finalText: "flooded", costUsd: 0.0421 });
    expect(statSync(result?.transcriptPath as string).size).toBeGreaterThan(outputBytes);
    expect(growth).toBeLessThan(outputBytes / 5);
  });

  it("truncates and marks one 50 MB line, with bounded memory", async () => {
    let result: Awaited<ReturnType<typeof runFake>>["result"] | undefined;
    const growth = await peakGrowth(async () => {
      ({ result } = await runFake(tempDir, "claude-code", { scenario: "huge-line" }));
    });
    expect(result).toMatchObject({ outcome: "completed", finalText: "one long line" });
    const marked = transcriptLines(result!)
      .map((l) => JSON.parse(l))
      .find((l) => l.type === "forge-loop.truncated_line");
    expect(marked.bytes).toBeGreaterThan(outputBytes);
    expect(marked.head.length).toBe(64 * 1024);
    expect(marked.head.startsWith('{"type":"assistant"')).toBe(true);
    expect(growth).toBeLessThan(outputBytes / 5);
  });
});
