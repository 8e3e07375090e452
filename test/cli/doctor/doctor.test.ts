import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type DoctorCheck,
  type DoctorReport,
  renderReport,
  runDoctor,
} from "../../../src/cli/doctor/doctor.js";
import { storeChecks } from "../../../src/cli/doctor/store-checks.js";
import type { AppendInput } from "../../../src/store/contract/envelope.js";
import { LAST_CHECKPOINT_KEY, writeMeta } from "../../../src/store/log/schema.js";
import { openEventLog, type SqliteEventLog } from "../../../src/store/log/sqlite-event-log.js";
import { acquireWriterLock, releaseWriterLock } from "../../../src/store/log/writer-lock.js";
import {
  PROJECTIONS_VERSION,
  recordProjectionsVersion,
} from "../../../src/store/projections/tables.js";
import { createPython339Db, loadChainVectors } from "../../support/python-events-db.js";

const HOST = "host-a";
const NOW = Date.UTC(2026, 5, 5, 9, 0, 0);
const reference = loadChainVectors().scheme_339_chain_hash.from_reference_db;

let deadPid: number;
beforeAll(async () => {
  const exited = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await once(exited, "exit");
  deadPid = exited.pid!;
});

let dir: string;
let opened: SqliteEventLog[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "forge-doctor-"));
  opened = [];
});
afterEach(() => {
  for (const log of opened) if (log.db.open) log.close();
  rmSync(dir, { recursive: true, force: true });
});

let logs = 0;

function event(n: number): AppendInput {
  return {
    kind: "task.heartbeat",
    payload: { issue: 7, attempt: 1, turns: n, tool_uses: n, idle_ms: 0 },
    idempotencyKey: `task.heartbeat:issue:7:a1:n${n}`,
    taskId: "issue:7",
  };
}

/** Our log with `n` events, written and closed: the doctor opens it afresh, read-only. */
function ourLog(n: number, setup?: (db: Database.Database) => void): string {
  const path = join(dir, `events-${logs++}.db`);
  const log = openEventLog(path, { mode: "writer" });
  log.appendBatch(Array.from({ length: n }, (_, i) => event(i + 1)));
  setup?.(log.db);
  log.close();
  return path;
}

async function doctor(path: string, checks: readonly DoctorCheck[] = storeChecks) {
  const log = openEventLog(path, { mode: "readonly" });
  opened.push(log);
  return runDoctor({ log, now: NOW, host: HOST }, checks);
}

function check(report: DoctorReport, name: string) {
  const found = report.checks.find((c) => c.name === name);
  if (!found) throw new Error(`no ${name} check in the report`);
  return found;
}

describe("runDoctor on our own log", () => {
  it("reports a healthy log: chain intact, projections at head, engine running, queue counts", async () => {
    const path = ourLog(10, (db) => {
      recordProjectionsVersion(db);
      db.prepare("INSERT INTO projection_cursors VALUES ('tasks', 10), ('ticks', 10)").run();
      acquireWriterLock(db, { pid: process.pid, host: HOST, now: NOW - 3_000 });
      writeMeta(db, LAST_CHECKPOINT_KEY, new Date(NOW - 2_000).toISOString());
      db.exec(`CREATE TABLE queue_items (id INTEGER PRIMARY KEY, dedupe_key TEXT, state TEXT,
                 lease_expires_at INTEGER)`);
      db.prepare(
        "INSERT INTO queue_items (dedupe_key, state, lease_expires_at) VALUES (?, ?, ?)",
      ).run("issue:1", "ready", null);
      db.prepare(
        "INSERT INTO queue_items (dedupe_key, state, lease_expires_at) VALUES (?, ?, ?)",
      ).run("issue:2", "leased", NOW + 60_000);
    });
    const report = await doctor(path);
    expect(report.healthy).toBe(true);
    expect(report.foreign).toBe(false);
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([
      ["chain", "ok"],
      ["projections", "ok"],
      ["engine lock", "ok"],
      ["wal", "ok"],
      ["queue", "ok"],
    ]);
    expect(check(report, "chain").summary).toBe("10 events, chain intact");
    expect(check(report, "engine lock").summary).toBe(
      `engine running (pid ${process.pid} on ${HOST}, last heartbeat 3s ago)`,
    );
    expect(check(report, "queue").summary).toBe("leased 1, ready 1");
    // Closing the last connection removed the WAL.
    expect(check(report, "wal").summary).toBe("0.0 MiB of WAL, last checkpoint 2s ago");
    expect(renderReport(report)).toMatch(/healthy\n$/);
  });

  it("fails on a tampered row, naming its sequence, event id, expected and stored hash", async () => {
    const path = ourLog(10);
    const db = new Database(path);
    const row = db.prepare("SELECT event_id, chain_hash FROM events WHERE sequence = 6").get() as {
      event_id: string;
      chain_hash: string;
    };
    db.prepare("UPDATE events SET payload_json = '{\"issue\":8}' WHERE sequence = 6").run();
    db.close();
    const report = await doctor(path);
    expect(report.healthy).toBe(false);
    const chain = check(report, "chain");
    expect(chain.status).toBe("fail");
    expect(chain.summary).toBe("chain broken at sequence 6 (5 rows before it verify)");
    expect(chain.details).toEqual([
      `event id ${row.event_id}`,
      "column   chain_hash",
      expect.stringMatching(/^expected [0-9a-f]{64}$/),
      `stored   ${row.chain_hash}`,
    ]);
    const text = renderReport(report);
    expect(text).toContain("✖ chain");
    expect(text).toMatch(/1 check failed\n$/);
  });

  it("warns on lagging projections and fails on a cursor past the head", async () => {
    const lagging = await doctor(
      ourLog(10, (db) => {
        recordProjectionsVersion(db);
        db.prepare("INSERT INTO projection_cursors VALUES ('tasks', 7), ('ticks', 10)").run();
      }),
    );
    expect(check(lagging, "projections")).toMatchObject({
      status: "warn",
      details: ["tasks at 7, lag 3"],
    });
    expect(lagging.healthy).toBe(true);

    const ahead = await doctor(
      ourLog(10, (db) => db.prepare("INSERT INTO projection_cursors VALUES ('tasks', 12)").run()),
    );
    expect(check(ahead, "projections").status).toBe("fail");
    expect(ahead.healthy).toBe(false);
  });

  it("warns when the projections were folded by another build's reducers", async () => {
    const older = await doctor(
      ourLog(10, (db) => db.prepare("INSERT INTO projection_cursors VALUES ('tasks', 10)").run()),
    );
    expect(check(older, "projections")).toMatchObject({
      status: "warn",
      summary: `projections folded by other reducers (version unrecorded, this build ${PROJECTIONS_VERSION}); the engine rebuilds them at its next start, and readers fold the log meanwhile`,
    });
    expect(older.healthy).toBe(true);
  });

  it("tells a cleanly stopped engine from one that died holding the lock", async () => {
    const stopped = await doctor(
      ourLog(1, (db) => {
        acquireWriterLock(db, { pid: deadPid, host: HOST, now: NOW - 600_000 });
        releaseWriterLock(db, { pid: deadPid, host: HOST, now: NOW - 180_000 });
      }),
    );
    expect(check(stopped, "engine lock")).toMatchObject({
      status: "ok",
      summary: `engine stopped cleanly (pid ${deadPid} on ${HOST}, released 3m ago)`,
    });
    const died = await doctor(
      ourLog(1, (db) => acquireWriterLock(db, { pid: deadPid, host: HOST, now: NOW - 120_000 })),
    );
    expect(check(died, "engine lock")).toMatchObject({
      status: "warn",
      summary: `engine pid ${deadPid} on ${HOST} is gone without releasing the lock (last heartbeat 2m ago)`,
    });
  });

  it("warns on a WAL grown past 256 MiB, and says what holds it back", async () => {
    const path = ourLog(1);
    const report = await doctor(path);
    expect(check(report, "wal").summary).toBe("0.0 MiB of WAL, no checkpoint recorded");
    // Sparse: a reader's snapshot kept every checkpoint from copying 300 MiB back.
    truncateSync(`${path}-wal`, 300 * 1024 * 1024);
    expect(check(await doctor(path), "wal")).toMatchObject({
      status: "warn",
      summary: "300.0 MiB of WAL, no checkpoint recorded",
      details: expect.arrayContaining([expect.stringContaining("long-running reader")]),
    });
  });

  it("says so when no engine has run yet and no queue exists", async () => {
    const report = await doctor(ourLog(0));
    expect(check(report, "engine lock").summary).toBe("no engine has run on this log yet");
    expect(check(report, "queue").status).toBe("skip");
    expect(check(report, "projections").summary).toBe("no projections recorded");
    expect(check(report, "chain").summary).toBe("0 events, chain intact");
  });

  it("warns on expired queue leases, and reads a queue table without a state column", async () => {
    const expired = await doctor(
      ourLog(1, (db) => {
        db.exec(
          "CREATE TABLE queue_items (id INTEGER PRIMARY KEY, state TEXT, lease_expires_at INTEGER)",
        );
        db.prepare("INSERT INTO queue_items (state, lease_expires_at) VALUES ('leased', ?)").run(
          NOW - 1,
        );
      }),
    );
    expect(check(expired, "queue")).toMatchObject({
      status: "warn",
      summary: "leased 1; 1 lease(s) expired",
    });
    const odd = await doctor(
      ourLog(1, (db) => {
        db.exec("CREATE TABLE queue_items (id INTEGER PRIMARY KEY)");
        db.exec("INSERT INTO queue_items DEFAULT VALUES");
      }),
    );
    expect(check(odd, "queue")).toMatchObject({ status: "ok", summary: "1 items" });
  });

  it("reports a check that throws as failed and still runs the others", async () => {
    const broken: DoctorCheck = {
      name: "exploding",
      run() {
        throw new Error("boom");
      },
    };
    const report = await doctor(ourLog(1), [broken, ...storeChecks]);
    expect(report.checks[0]).toEqual({
      name: "exploding",
      status: "fail",
      summary: "check failed to run: boom",
    });
    expect(report.checks).toHaveLength(storeChecks.length + 1);
    expect(report.healthy).toBe(false);
  });
});

describe("runDoctor on a Python forge-loop database", () => {
  it("verifies an intact one read-only and skips what it does not have", async () => {
    const path = join(dir, "python.db");
    createPython339Db(path, reference.slice(0, 3));
    const report = await doctor(path);
    expect(report.foreign).toBe(true);
    expect(report.healthy).toBe(true);
    expect(check(report, "chain").summary).toBe("3 events, chain intact");
    expect(check(report, "engine lock")).toMatchObject({
      status: "skip",
      summary: "no writer lock table (a Python forge-loop database)",
    });
    expect(renderReport(report).split("\n")[0]).toBe(
      `forge-loop doctor: ${path} (Python forge-loop database, read-only)`,
    );
  });

  it("names the row after compaction's gap and says why", async () => {
    const path = join(dir, "python.db");
    createPython339Db(path, reference); // 1, 2, 3, 8, 271
    const chain = check(await doctor(path), "chain");
    expect(chain.status).toBe("fail");
    expect(chain.summary).toMatch(/^chain broken at sequence 8 /);
    expect(chain.details?.at(-1)).toMatch(/^rows 4–7 are missing before it/);
  });
});
