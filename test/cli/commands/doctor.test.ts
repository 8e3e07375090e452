/**
 * `forge-loop doctor` as an operator runs it: the built CLI in a child process (`npm test`
 * builds dist first), against real log files.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { execa } from "execa";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openEventLog } from "../../../src/store/log/sqlite-event-log.js";
import { createPython339Db, loadChainVectors } from "../../support/python-events-db.js";

const cli = fileURLToPath(new URL("../../../dist/cli.js", import.meta.url));
const reference = loadChainVectors().scheme_339_chain_hash.from_reference_db;

beforeAll(() => {
  if (!existsSync(cli)) {
    throw new Error(`${cli} is missing: run \`npm run build\` first (npm test does it).`);
  }
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "forge-doctor-cli-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function doctor(args: string[], cwd = dir) {
  return execa(process.execPath, [cli, "doctor", ...args], { cwd, reject: false });
}

function writeLog(path: string, n: number): void {
  const log = openEventLog(path, { mode: "writer" });
  log.appendBatch(
    Array.from({ length: n }, (_, i) => ({
      kind: "tick.started",
      payload: { tick: i, candidates: [] },
      idempotencyKey: `tick.started:tick:${i}`,
      sagaId: `tick:${i}`,
    })),
  );
  log.close();
}

describe("forge-loop doctor", () => {
  it("checks .forge-loop/events.db under the current directory by default and exits 0 when healthy", async () => {
    mkdirSync(join(dir, ".forge-loop"));
    writeLog(join(dir, ".forge-loop", "events.db"), 3);
    const result = await doctor([]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("✔ chain        3 events, chain intact");
    expect(result.stdout).toMatch(/healthy\n?$/);
  });

  it("exits 1 and names the broken row of a tampered log", async () => {
    const path = join(dir, "state", "events.db");
    writeLog(path, 5);
    const db = new Database(path);
    db.prepare("UPDATE events SET kind = 'tick.completed' WHERE sequence = 2").run();
    db.close();
    const result = await doctor(["--dir", join(dir, "state")]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain("chain broken at sequence 2");
  });

  it("--json prints the report as one JSON document", async () => {
    const path = join(dir, "events.db");
    writeLog(path, 2);
    const result = await doctor(["--db", path, "--json"]);
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout) as { healthy: boolean; checks: { name: string }[] };
    expect(report.healthy).toBe(true);
    expect(report.checks.map((c) => c.name)).toEqual([
      "chain",
      "projections",
      "engine lock",
      "wal",
      "queue",
    ]);
  });

  it("reads a Python forge-loop database without changing it", async () => {
    const path = join(dir, "python.db");
    createPython339Db(path, reference); // has a compaction gap: the chain breaks at 8
    const result = await doctor(["--db", path]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain("(Python forge-loop database, read-only)");
    expect(result.stdout).toContain("chain broken at sequence 8");
  });

  it("says plainly when there is no log, and exits 2", async () => {
    const result = await doctor(["--db", join(dir, "missing.db")]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`no event log at ${join(dir, "missing.db")}`);
    expect(existsSync(join(dir, "missing.db"))).toBe(false);
  });

  it("refuses --dir together with --db", async () => {
    const result = await doctor(["--dir", dir, "--db", join(dir, "x.db")]);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/cannot be used with/);
  });
});
