/**
 * `forge-loop events` as an operator runs it: the built CLI in a child process (`npm test`
 * builds dist first), on real log files, ours and a Python forge-loop's.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { AppendInput } from "../../../src/store/contract/envelope.js";
import { openStore } from "../../../src/store/store.js";
import { engineEvents } from "../../support/engine-stream.js";
import { createPython339Db, loadChainVectors } from "../../support/python-events-db.js";

const cli = fileURLToPath(new URL("../../../dist/cli.js", import.meta.url));
const env = { TZ: "UTC", NO_COLOR: "1" };

beforeAll(() => {
  if (!existsSync(cli))
    throw new Error(`${cli} is missing: run \`npm run build\` first (npm test does it).`);
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "forge-events-cli-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function events(args: string[]) {
  return execa(process.execPath, [cli, "events", ...args], { cwd: dir, env, reject: false });
}

function writeLog(path: string, inputs: readonly AppendInput[]): void {
  const store = openStore(path, { mode: "writer" });
  store.log.appendBatch(inputs);
  store.close();
}

const token = `ghp_${"A1b2C3d4".repeat(5)}`;
const hostile: AppendInput[] = [
  {
    kind: "task.planned",
    payload: { issue: 9, title: "evil \u001b[2J\u009b31m title", labels: [], fingerprint: "f" },
    idempotencyKey: "task.planned:issue:9",
    taskId: "issue:9",
    occurredAt: "2026-11-20T10:00:00.000Z",
  },
  {
    kind: "task.failed",
    payload: { issue: 9, attempt: 1, reason: "worker_error", error: `auth failed with ${token}` },
    idempotencyKey: "task.failed:issue:9:a1",
    taskId: "issue:9",
    occurredAt: "2026-11-20T10:00:01.000Z",
  },
  {
    kind: "worktree.reaped",
    payload: { issue: 11, path: "/wt/11", reason: "legacy record without a task id" },
    idempotencyKey: "worktree.reaped:11",
    occurredAt: "2026-11-20T10:00:02.000Z",
  },
];

describe("forge-loop events", () => {
  it("prints .forge-loop/events.db by default, one `time  seq  kind  task  summary` line per event", async () => {
    mkdirSync(join(dir, ".forge-loop"));
    writeLog(join(dir, ".forge-loop", "events.db"), engineEvents(40, { seed: 1 }));
    const result = await events([]);
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(40);
    expect(lines[0]).toMatch(/^2026-11-20 09:00:\d\d +1 {2}loop\.started +- +pid 4242 bench-host/);
    expect(lines[2]).toMatch(/^2026-11-20 \d\d:\d\d:\d\d +3 {2}\S+ +issue:\d+ /);
  });

  it("filters by --since, --kind (exact, family, list) and --task (issue:N, #N, N, legacy payloads)", async () => {
    const path = join(dir, "events.db");
    writeLog(path, [...engineEvents(300, { seed: 2, issues: 5 }), ...hostile]);
    const seqs = async (args: string[]) =>
      (await events(["--db", path, "--json", ...args])).stdout
        .trimEnd()
        .split("\n")
        .filter(Boolean)
        .map(
          (line) => JSON.parse(line) as { sequence: number; kind: string; taskId: string | null },
        );

    expect((await seqs(["--since", "290"])).map((e) => e.sequence)).toEqual(
      Array.from({ length: 13 }, (_, i) => 291 + i),
    );
    expect(new Set((await seqs(["--kind", "task.*"])).map((e) => e.kind.split(".")[0]))).toEqual(
      new Set(["task"]),
    );
    const listed = await seqs(["--kind", "loop.started, tick.completed"]);
    expect(new Set(listed.map((e) => e.kind))).toEqual(new Set(["loop.started", "tick.completed"]));
    for (const task of ["issue:9", "#9", "9"]) {
      expect((await seqs(["--task", task])).map((e) => e.kind)).toEqual([
        "task.planned",
        "task.failed",
      ]);
    }
    expect((await seqs(["--task", "11"])).map((e) => e.sequence)).toEqual([303]);
  });

  it("prints JSON lines with the envelope and payload, redacts secrets, and keeps terminals safe", async () => {
    const path = join(dir, "events.db");
    writeLog(path, hostile);
    const json = await events(["--db", path, "--json"]);
    const [planned, failed] = json.stdout.trimEnd().split("\n");
    expect(planned).not.toMatch(/[\u001b\u009b]/);
    expect(JSON.parse(planned as string)).toMatchObject({
      sequence: 1,
      kind: "task.planned",
      taskId: "issue:9",
      idempotencyKey: "task.planned:issue:9",
      payload: { title: "evil \u001b[2J\u009b31m title" },
    });
    expect(JSON.parse(planned as string)).not.toHaveProperty("payloadJson");
    expect(failed).toContain("[REDACTED]");
    expect(json.stdout).not.toContain(token);

    const human = await events(["--db", path]);
    expect(human.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(human.stdout).toContain('"evil [2J31m title"');
    expect(human.stdout).not.toContain(token);
  });

  it("follows new events until Ctrl-C", async () => {
    const path = join(dir, "events.db");
    writeLog(path, engineEvents(3, { seed: 3 }));
    const child = execa(process.execPath, [cli, "events", "--db", path, "--follow"], {
      cwd: dir,
      env,
      reject: false,
    });
    let out = "";
    const seen = (n: number) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (out.trimEnd().split("\n").filter(Boolean).length >= n) resolve();
        };
        child.stdout?.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          check();
        });
        check();
        setTimeout(() => reject(new Error(`only saw:\n${out}`)), 20_000).unref();
      });
    await seen(3);
    const store = openStore(path, { mode: "writer" });
    store.log.appendBatch(engineEvents(7, { seed: 3 }).slice(3));
    store.close();
    await seen(7);
    child.kill("SIGINT");
    const result = await child;
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe("");
    expect(
      result.stdout
        .trimEnd()
        .split("\n")
        .map((l) => Number(l.split(/\s+/)[2])),
    ).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("reads a Python forge-loop events.db", async () => {
    const path = join(dir, "python.db");
    createPython339Db(path, loadChainVectors().scheme_339_chain_hash.from_reference_db);
    const result = await events(["--db", path]);
    expect(result.exitCode).toBe(0);
    expect(
      result.stdout
        .trimEnd()
        .split("\n")
        .map((l) => l.split(/\s+/)[3]),
    ).toEqual(["loop.halted", "task.planned", "tick.started", "task.dispatched", "loop.halted"]);
  });

  it("stops quietly when its reader goes away (`events | head -1`)", async () => {
    const path = join(dir, "events.db");
    writeLog(path, engineEvents(20_000, { seed: 4 }));
    const child = execa(process.execPath, [cli, "events", "--db", path], {
      cwd: dir,
      env,
      reject: false,
    });
    child.stdout?.once("data", () => child.stdout?.destroy());
    const result = await child;
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
  });

  it("explains bad input and exits 2", async () => {
    const path = join(dir, "events.db");
    writeLog(path, engineEvents(2));
    for (const [args, message] of [
      [["--db", path, "--since", "ten"], "--since ten is not a sequence number"],
      [["--db", path, "--task", "issue:abc"], '"issue:abc" is not a task'],
      [["--db", path, "--kind", ","], "--kind is empty"],
      [["--db", join(dir, "missing.db")], "no event log at"],
    ] as const) {
      const result = await events([...args]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stderr).not.toContain("    at ");
    }
  });
});
