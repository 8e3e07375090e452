/**
 * One engine per state directory. The lock is a row in the log's own `locks` table rather
 * than a lock file: checking and taking it happen in one `BEGIN IMMEDIATE` transaction, so
 * two engines starting at once cannot both win (a file would need O_EXCL plus a racy
 * stale-takeover dance), it lives and is backed up with the log it guards, and observers
 * already hold a connection to read it ("engine not running, last seen 3m ago").
 *
 * A released lock keeps its row (with `released_at`) so observers can still say when the
 * engine was last seen.
 */
import type Database from "better-sqlite3";
import { isoAt } from "../../shared/clock.js";
import { UserError } from "../../shared/errors.js";
import { tableExists } from "./schema.js";

const LOCK_NAME = "writer";

/** A holder on another host is gone when its heartbeat is older than this (the engine beats every ~5 s). */
export const STALE_HEARTBEAT_MS = 60_000;
/**
 * On this host a live pid normally means a live holder, but pids are reused (after a crash
 * and reboot the old pid may belong to anything): a heartbeat silent this long means the
 * pid is no longer our engine.
 */
export const PID_REUSE_AFTER_MS = 10 * 60_000;

export interface WriterLock {
  pid: number;
  host: string;
  acquiredAt: string;
  heartbeatAt: string;
  /** Set when the holder let go cleanly. */
  releasedAt: string | null;
}

export interface LockHolder {
  pid: number;
  host: string;
  /** Epoch ms. */
  now: number;
}

/** The current lock row, or undefined (none yet, or a log without a locks table, e.g. Python's). */
export function readWriterLock(db: Database.Database): WriterLock | undefined {
  if (!tableExists(db, "locks")) return undefined;
  const row = db
    .prepare(
      `SELECT pid, host, acquired_at AS acquiredAt, heartbeat_at AS heartbeatAt,
              released_at AS releasedAt FROM locks WHERE name = ?`,
    )
    .get(LOCK_NAME) as WriterLock | undefined;
  return row;
}

/**
 * Whether the recorded holder still holds the lock. Released → no. Same host → its pid
 * exists (and its heartbeat is not so old that the pid was surely reused). Other host →
 * its heartbeat is recent.
 */
export function isHolderAlive(lock: WriterLock, now: number, thisHost: string): boolean {
  if (lock.releasedAt !== null) return false;
  const silentMs = now - Date.parse(lock.heartbeatAt);
  // An unparseable heartbeat (NaN) counts as silent forever.
  const silentFor = (limit: number) => !(silentMs <= limit);
  if (lock.host !== thisHost) return !silentFor(STALE_HEARTBEAT_MS);
  return pidExists(lock.pid) && !silentFor(PID_REUSE_AFTER_MS);
}

function pidExists(pid: number): boolean {
  // kill(0 or negative) would signal a process group: such a pid is never a holder.
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes the lock, or refuses with a UserError naming the live holder. A holder that is
 * gone (see isHolderAlive) is taken over; re-acquiring our own lock just refreshes it.
 */
export function acquireWriterLock(db: Database.Database, me: LockHolder): WriterLock {
  return db
    .transaction(() => {
      const current = readWriterLock(db);
      const isMe = current?.pid === me.pid && current.host === me.host;
      if (current && !isMe && isHolderAlive(current, me.now, me.host)) {
        throw new UserError(
          `another forge-loop engine is running on this state directory: pid ${current.pid} on ${current.host} (${describeHeartbeat(current, me.now)})`,
          "Stop that engine first; a lock whose holder has exited is taken over automatically.",
        );
      }
      const at = isoAt(me.now);
      db.prepare(
        `INSERT INTO locks (name, pid, host, acquired_at, heartbeat_at, released_at)
         VALUES (?, ?, ?, ?, ?, NULL)
         ON CONFLICT(name) DO UPDATE SET pid = excluded.pid, host = excluded.host,
           acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at,
           released_at = NULL`,
      ).run(LOCK_NAME, me.pid, me.host, at, at);
      return { pid: me.pid, host: me.host, acquiredAt: at, heartbeatAt: at, releasedAt: null };
    })
    .immediate();
}

/** Refreshes our heartbeat. False when the lock is no longer ours (taken over): stop writing. */
export function heartbeatWriterLock(db: Database.Database, me: LockHolder): boolean {
  const result = db
    .prepare(
      `UPDATE locks SET heartbeat_at = ?
       WHERE name = ? AND pid = ? AND host = ? AND released_at IS NULL`,
    )
    .run(isoAt(me.now), LOCK_NAME, me.pid, me.host);
  return result.changes === 1;
}

/** Lets go, keeping the row so observers know when the engine was last seen. */
export function releaseWriterLock(db: Database.Database, me: LockHolder): void {
  db.prepare(
    `UPDATE locks SET released_at = ?, heartbeat_at = ?
     WHERE name = ? AND pid = ? AND host = ? AND released_at IS NULL`,
  ).run(isoAt(me.now), isoAt(me.now), LOCK_NAME, me.pid, me.host);
}

/** "last heartbeat 3m ago" / "released 2h ago", for messages and the doctor. */
export function describeHeartbeat(lock: WriterLock, now: number): string {
  const at = lock.releasedAt ?? lock.heartbeatAt;
  const ms = now - Date.parse(at);
  const what = lock.releasedAt !== null ? "released" : "last heartbeat";
  return Number.isNaN(ms) ? `${what} at ${at}` : `${what} ${formatAge(ms)} ago`;
}

export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s}s`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m}m`;
  const h = Math.round(m / 60);
  return h < 48 ? `${h}h` : `${Math.round(h / 24)}d`;
}
