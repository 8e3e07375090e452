/**
 * The writer lock against real processes: a live child's pid holds it, an exited child's
 * pid does not.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { UserError } from "../../../src/shared/errors.js";
import { openEventLog, type SqliteEventLog } from "../../../src/store/log/sqlite-event-log.js";
import {
  acquireWriterLock,
  describeHeartbeat,
  heartbeatWriterLock,
  isHolderAlive,
  PID_REUSE_AFTER_MS,
  readWriterLock,
  releaseWriterLock,
  STALE_HEARTBEAT_MS,
  type WriterLock,
} from "../../../src/store/log/writer-lock.js";

const HOST = "host-a";
const T0 = Date.UTC(2026, 5, 5, 9, 0, 0);

let live: ChildProcess;
let deadPid: number;
beforeAll(async () => {
  live = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  const exited = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await once(exited, "exit");
  deadPid = exited.pid!;
});
afterAll(() => {
  live.kill("SIGKILL");
});

let dir: string;
let log: SqliteEventLog;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "forge-lock-"));
  log = openEventLog(join(dir, "events.db"), { mode: "writer" });
});
afterEach(() => {
  log.close();
  rmSync(dir, { recursive: true, force: true });
});

function refusal(fn: () => unknown): UserError {
  try {
    fn();
  } catch (err) {
    if (err instanceof UserError) return err;
    throw err;
  }
  throw new Error("expected a UserError");
}

describe("acquireWriterLock", () => {
  it("takes a free lock and records holder, times and no release", () => {
    const lock = acquireWriterLock(log.db, { pid: process.pid, host: HOST, now: T0 });
    expect(lock).toEqual({
      pid: process.pid,
      host: HOST,
      acquiredAt: "2026-06-05T09:00:00.000Z",
      heartbeatAt: "2026-06-05T09:00:00.000Z",
      releasedAt: null,
    });
    expect(readWriterLock(log.db)).toEqual(lock);
  });

  it("refuses while a live process on this host holds it, naming its pid and host", () => {
    acquireWriterLock(log.db, { pid: live.pid!, host: HOST, now: T0 });
    const error = refusal(() =>
      acquireWriterLock(log.db, { pid: process.pid, host: HOST, now: T0 + 5_000 }),
    );
    expect(error.message).toContain(`pid ${live.pid} on ${HOST}`);
    expect(error.message).toContain("last heartbeat 5s ago");
    expect(readWriterLock(log.db)?.pid).toBe(live.pid);
  });

  it("takes over from an exited process on this host", () => {
    acquireWriterLock(log.db, { pid: deadPid, host: HOST, now: T0 });
    const lock = acquireWriterLock(log.db, { pid: process.pid, host: HOST, now: T0 + 1_000 });
    expect(lock.pid).toBe(process.pid);
  });

  it("takes over from a live pid on this host whose heartbeat stopped long ago (a reused pid)", () => {
    acquireWriterLock(log.db, { pid: live.pid!, host: HOST, now: T0 });
    const now = T0 + PID_REUSE_AFTER_MS + 1;
    expect(acquireWriterLock(log.db, { pid: process.pid, host: HOST, now }).pid).toBe(process.pid);
  });

  it("judges a holder on another host by its heartbeat alone", () => {
    acquireWriterLock(log.db, { pid: deadPid, host: "host-b", now: T0 });
    // Its pid means nothing here: a fresh heartbeat still holds the lock.
    expect(() =>
      acquireWriterLock(log.db, { pid: process.pid, host: HOST, now: T0 + STALE_HEARTBEAT_MS }),
    ).toThrow(/pid \d+ on host-b/);
    const now = T0 + STALE_HEARTBEAT_MS + 1;
    expect(acquireWriterLock(log.db, { pid: process.pid, host: HOST, now }).host).toBe(HOST);
  });

  it("re-acquiring our own lock refreshes it", () => {
    acquireWriterLock(log.db, { pid: process.pid, host: HOST, now: T0 });
    const again = acquireWriterLock(log.db, { pid: process.pid, host: HOST, now: T0 + 10_000 });
    expect(again.heartbeatAt).toBe("2026-06-05T09:00:10.000Z");
  });

  it("is free again once released, and the released row still says when the engine was seen", () => {
    acquireWriterLock(log.db, { pid: live.pid!, host: HOST, now: T0 });
    releaseWriterLock(log.db, { pid: live.pid!, host: HOST, now: T0 + 60_000 });
    const released = readWriterLock(log.db)!;
    expect(released.releasedAt).toBe("2026-06-05T09:01:00.000Z");
    expect(describeHeartbeat(released, T0 + 240_000)).toBe("released 3m ago");
    expect(acquireWriterLock(log.db, { pid: process.pid, host: HOST, now: T0 + 1 }).pid).toBe(
      process.pid,
    );
  });

  it("a lock taken through one connection refuses another connection", () => {
    const other = new Database(join(dir, "events.db"));
    try {
      acquireWriterLock(log.db, { pid: live.pid!, host: HOST, now: T0 });
      expect(() => acquireWriterLock(other, { pid: process.pid, host: HOST, now: T0 })).toThrow(
        UserError,
      );
    } finally {
      other.close();
    }
  });
});

describe("heartbeat", () => {
  it("refreshes our lock and reports false once the lock was taken over", () => {
    const me = { pid: deadPid, host: "host-b", now: T0 };
    acquireWriterLock(log.db, me);
    expect(heartbeatWriterLock(log.db, { ...me, now: T0 + 5_000 })).toBe(true);
    expect(readWriterLock(log.db)?.heartbeatAt).toBe("2026-06-05T09:00:05.000Z");
    // Silent past the stale threshold: another engine takes over.
    acquireWriterLock(log.db, {
      pid: process.pid,
      host: HOST,
      now: T0 + 5_000 + STALE_HEARTBEAT_MS + 1,
    });
    expect(heartbeatWriterLock(log.db, { ...me, now: T0 + 70_000 })).toBe(false);
    expect(readWriterLock(log.db)?.pid).toBe(process.pid);
  });
});

describe("isHolderAlive", () => {
  const lock = (over: Partial<WriterLock>): WriterLock => ({
    pid: process.pid,
    host: HOST,
    acquiredAt: "2026-06-05T09:00:00.000Z",
    heartbeatAt: "2026-06-05T09:00:00.000Z",
    releasedAt: null,
    ...over,
  });

  it("never treats pid 0, negative or non-integer pids as alive (kill would hit a process group)", () => {
    for (const pid of [0, -1, -process.pid, 1.5, Number.NaN]) {
      expect(isHolderAlive(lock({ pid }), T0, HOST)).toBe(false);
    }
  });

  it("treats an unparseable heartbeat as silent forever", () => {
    expect(isHolderAlive(lock({ heartbeatAt: "garbage" }), T0, HOST)).toBe(false);
    expect(isHolderAlive(lock({ host: "host-b", heartbeatAt: "garbage" }), T0, HOST)).toBe(false);
  });

  it("a released lock has no holder", () => {
    expect(isHolderAlive(lock({ releasedAt: "2026-06-05T09:00:00.000Z" }), T0, HOST)).toBe(false);
  });

  it("our own live pid is alive", () => {
    expect(isHolderAlive(lock({}), T0 + 1_000, HOST)).toBe(true);
  });
});

it("reads no lock from a database without a locks table (a Python log)", () => {
  const db = new Database(":memory:");
  expect(readWriterLock(db)).toBeUndefined();
  db.close();
});
