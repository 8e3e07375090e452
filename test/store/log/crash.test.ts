/**
 * Real processes against one log file: a writer killed with SIGKILL mid-run leaves only
 * whole batches and a log that reopens and verifies; an engine and a UI appending from two
 * processes at once keep one intact chain. The children run the built module (`npm test`
 * builds dist first).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { openEventLog } from "../../../src/store/log/sqlite-event-log.js";

const distDir = fileURLToPath(new URL("../../../dist", import.meta.url));
const childScript = fileURLToPath(new URL("./append-child.mjs", import.meta.url));
const BATCH = 1000;

beforeAll(() => {
  if (!existsSync(join(distDir, "store/log/sqlite-event-log.js"))) {
    throw new Error(
      `${distDir}/store/log/sqlite-event-log.js is missing: this test runs the built log in ` +
        "child processes. Run `npm run build` first (npm test does it).",
    );
  }
});

let dir: string;
let children: ChildProcess[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "forge-log-crash-"));
  children = [];
});
afterEach(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

/** Starts an appending child; resolves once its first append committed. */
async function startChild(dbPath: string, mode: "writer" | "observer", batch: number) {
  const child = spawn(process.execPath, [childScript, distDir, dbPath, mode, String(batch)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) resolve();
    });
    child.once("exit", (code, signal) =>
      reject(new Error(`child exited (${code ?? signal}) before it was ready: ${stderr}`)),
    );
  });
  return child;
}

async function sigkill(child: ChildProcess): Promise<void> {
  const exited = once(child, "exit");
  child.kill("SIGKILL");
  const [, signal] = await exited;
  expect(signal).toBe("SIGKILL");
}

it("a writer SIGKILLed mid-batch leaves only whole batches, and the log reopens and verifies", async () => {
  const dbPath = join(dir, "events.db");
  for (let round = 0; round < 3; round++) {
    const child = await startChild(dbPath, "writer", BATCH);
    // Let it run a while: a batch of 1000 takes a few ms, so the kill lands mid-transaction.
    await sleep(50 + Math.floor(Math.random() * 150));
    await sigkill(child);
  }

  const log = openEventLog(dbPath, { mode: "writer" });
  try {
    const sizes = log.db
      .prepare("SELECT task_id, COUNT(*) AS n FROM events GROUP BY task_id")
      .all() as { task_id: string; n: number }[];
    expect(sizes.length).toBeGreaterThanOrEqual(3);
    expect(sizes.filter((s) => s.n !== BATCH)).toEqual([]);
    const count = log.db.prepare("SELECT COUNT(*) FROM events").pluck().get() as number;
    expect(count % BATCH).toBe(0);
    expect(log.head()).toBe(count); // no gaps
    expect(log.verifyChain()).toEqual({ ok: true, checked: count, unchained: 0 });
    // The log keeps going where the dead writer stopped.
    const next = log.append({
      kind: "loop.started",
      payload: { pid: process.pid },
      idempotencyKey: "loop.started:after-crash",
    });
    expect(next.event.sequence).toBe(count + 1);
    expect(log.verifyChain().ok).toBe(true);
  } finally {
    log.close();
  }
});

it("an engine and a UI appending from two processes at once keep one intact chain", async () => {
  const dbPath = join(dir, "events.db");
  openEventLog(dbPath, { mode: "writer" }).close();
  const engine = await startChild(dbPath, "writer", 50);
  const ui = await startChild(dbPath, "observer", 1);
  await sleep(400);
  await sigkill(ui);
  await sigkill(engine);

  const log = openEventLog(dbPath, { mode: "readonly" });
  try {
    const kinds = Object.fromEntries(
      (
        log.db.prepare("SELECT kind, COUNT(*) AS n FROM events GROUP BY kind").all() as {
          kind: string;
          n: number;
        }[]
      ).map((r) => [r.kind, r.n]),
    );
    expect(kinds["control.requested"]).toBeGreaterThan(0);
    expect(kinds["task.heartbeat"]).toBeGreaterThan(0);
    expect(log.verifyChain()).toMatchObject({ ok: true, checked: log.head() });
  } finally {
    log.close();
  }
});
