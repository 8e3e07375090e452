/**
 * `forge-loop replay` as an operator runs it: the built CLI in a child process (`npm test`
 * builds dist first), on real log files, ours and a Python forge-loop's.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { execa } from "execa";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { AppendInput } from "../../../src/store/contract/envelope.js";
import { acquireWriterLock } from "../../../src/store/log/writer-lock.js";
import { openStore } from "../../../src/store/store.js";
import { engineEvents } from "../../support/engine-stream.js";
import { createPython339Db, type Vector339 } from "../../support/python-events-db.js";

const cli = fileURLToPath(new URL("../../../dist/cli.js", import.meta.url));
const env = { TZ: "UTC", NO_COLOR: "1" };

beforeAll(() => {
  if (!existsSync(cli))
    throw new Error(`${cli} is missing: run \`npm run build\` first (npm test does it).`);
});

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "forge-replay-cli-"));
  path = join(dir, "events.db");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function replay(args: string[]) {
  return execa(process.execPath, [cli, "replay", ...args], { cwd: dir, env, reject: false });
}

function writeLog(inputs: readonly AppendInput[]): void {
  const store = openStore(path, { mode: "writer", snapshotEvery: 100 });
  store.log.appendBatch(inputs);
  store.close();
}

/** The issue with the most dispatches in a generated stream, and how its story ends. */
function busiestIssue(inputs: readonly AppendInput[]): number {
  const dispatches = new Map<number, number>();
  for (const e of inputs) {
    if (e.kind === "task.dispatched") {
      const issue = e.payload.issue as number;
      dispatches.set(issue, (dispatches.get(issue) ?? 0) + 1);
    }
  }
  return [...dispatches].sort((a, b) => b[1] - a[1])[0]?.[0] as number;
}

describe("forge-loop replay --task", () => {
  it("prints the task's timeline from the log: ticks, dispatches, gates, PR and where it ended", async () => {
    const inputs = engineEvents(1500, { seed: 41, issues: 12 });
    writeLog(inputs);
    const issue = busiestIssue(inputs);
    const result = await replay(["--db", path, "--task", `issue:${issue}`]);
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(new RegExp(`^#${issue}  `));
    const kinds = lines.slice(1, -1).map((l) => l.trim().split(/\s+/)[3]);
    const own = inputs.filter((e) => e.taskId === `issue:${issue}` && e.kind !== "task.heartbeat");
    for (const kind of new Set(own.map((e) => e.kind))) expect(kinds).toContain(kind);
    expect(kinds.filter((k) => k === "task.dispatched")).toHaveLength(
      own.filter((e) => e.kind === "task.dispatched").length,
    );
    expect(lines.some((l) => /tick\.started .* \(candidate\)$/.test(l))).toBe(true);
    // Consecutive heartbeats are one line.
    expect(lines.some((l) => /task\.heartbeat .*\(×\d+ since seq \d+\)$/.test(l))).toBe(true);
    const heartbeats = inputs.filter(
      (e) => e.taskId === `issue:${issue}` && e.kind === "task.heartbeat",
    );
    expect(kinds.filter((k) => k === "task.heartbeat").length).toBeLessThan(heartbeats.length);
    expect(lines.at(-1)).toMatch(/^status \w+ · \d+ attempts · (PR #\d+ · )?\$/);
  });

  it("says so when the log knows nothing about the task", async () => {
    writeLog(engineEvents(50, { seed: 42, issues: 3 }));
    const result = await replay(["--db", path, "--task", "#99999"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("no events about issue:99999");
  });
});

describe("forge-loop replay --to", () => {
  it("prints the state after a sequence, and the head without --to", async () => {
    writeLog(engineEvents(1000, { seed: 43, issues: 20, controlEveryTicks: 0 }));
    const store = openStore(path, { mode: "readonly" });
    const at = store.stateAt(600);
    store.close();
    const result = await replay(["--db", path, "--to", "600"]);
    expect(result.exitCode).toBe(0);
    const [first, counters, tasks] = result.stdout.split("\n");
    expect(first).toMatch(/^seq 600 of 1,000 · 2026-11-20 \d\d:\d\d:\d\d · loop running$/);
    expect(counters).toContain(`tick ${at.loop.get("loop")?.tick}`);
    expect(counters).toContain(`merged ${at.scorecard.get("scorecard")?.merged}`);
    expect(tasks).toMatch(/^tasks: \d+ \w+/);
    expect(result.stdout).toContain("latest verdicts:");

    const head = await replay(["--db", path]);
    expect(head.stdout).toMatch(/^seq 1,000 of 1,000 /);
  });
});

describe("forge-loop replay --verify / --rebuild", () => {
  it("passes on a healthy log, names a tampered row with exit 1, and --rebuild repairs it", async () => {
    writeLog(engineEvents(800, { seed: 44, issues: 15 }));
    let result = await replay(["--db", path, "--verify"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(
      /^✔ projections match a fresh fold: 800 events folded up to seq 800; \d+ rows, 8 snapshots checked$/,
    );

    const db = new Database(path);
    const key = db
      .prepare("SELECT key FROM proj_tasks ORDER BY ord LIMIT 1")
      .pluck()
      .get() as string;
    db.prepare(
      "UPDATE proj_tasks SET json = json_set(json, '$.status', 'tampered') WHERE key = ?",
    ).run(key);
    db.close();
    result = await replay(["--db", path, "--verify"]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(
      `✖ projections differ from a fresh fold (800 events folded up to seq 800): table, projection tasks, key ${key}, position 0`,
    );
    expect(result.stdout).toMatch(/actual +\{.*"status":"tampered"/);

    result = await replay(["--db", path, "--rebuild"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(
      /^rebuilt the projections from 800 events up to seq 800: \d+ snapshots \(\d+\.\d s\)$/,
    );
    expect((await replay(["--db", path, "--verify"])).exitCode).toBe(0);
  });

  it("refuses to rebuild under a running engine", async () => {
    writeLog(engineEvents(20, { seed: 45 }));
    const db = new Database(path);
    acquireWriterLock(db, { pid: process.pid, host: hostname(), now: Date.now() });
    db.close();
    const result = await replay(["--db", path, "--rebuild"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      `the engine (pid ${process.pid} on ${hostname()}) is running on this log`,
    );
  });

  it("reads a Python forge-loop events.db: verify folds it, --task and --to work, --rebuild is refused", async () => {
    const rows = engineEvents(400, { seed: 46, issues: 6 }).map(
      (input, i) =>
        ({
          sequence: i + 1,
          event_id: (i + 1).toString(16).padStart(32, "0"),
          kind: input.kind,
          payload_json: JSON.stringify(input.payload).replace(/,"/g, ', "').replace(/":/g, '": '),
          schema_version: 1,
          occurred_at: input.occurredAt,
          task_id: input.taskId ?? null,
          saga_id: input.sagaId ?? null,
          idempotency_key: `legacy-runner:${input.idempotencyKey}`,
          chain_hash: null,
        }) as unknown as Vector339,
    );
    const python = join(dir, "python.db");
    createPython339Db(python, rows);
    const verify = await replay(["--db", python, "--verify"]);
    expect(verify.exitCode).toBe(0);
    expect(verify.stdout).toContain(
      "400 events folded up to seq 400; this log has no projection tables",
    );
    const task = await replay(["--db", python, "--task", "3"]);
    expect(task.exitCode).toBe(0);
    expect(task.stdout).toContain("task.dispatched");
    const to = await replay(["--db", python, "--to", "200"]);
    expect(to.stdout).toMatch(/^seq 200 of 400 /);
    const rebuild = await replay(["--db", python, "--rebuild"]);
    expect(rebuild.exitCode).toBe(2);
    expect(rebuild.stderr).toContain("Python forge-loop");
  });

  it("explains bad input and exits 2", async () => {
    writeLog(engineEvents(5));
    for (const [args, message] of [
      [["--db", path, "--to", "-4"], "--to -4 is not a sequence number"],
      [["--db", path, "--task", "issue:"], '"issue:" is not a task'],
      [["--db", join(dir, "nope.db"), "--verify"], "no event log at"],
    ] as const) {
      const result = await replay([...args]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain(message);
    }
  });
});
