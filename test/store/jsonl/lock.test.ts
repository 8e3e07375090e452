import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  type Stats,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UserError } from "../../../src/shared/errors.js";
import { FileLock } from "../../../src/store/jsonl/lock.js";

let dir: string;
let lockPath: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "jsonl-lock-"));
  lockPath = join(dir, "events.jsonl.lock");
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function holderOf(path: string): { pid: number; host: string } {
  return JSON.parse(readFileSync(path, "utf8")) as { pid: number; host: string };
}

/** The pid of a process that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
  return Number(child.stdout.toString());
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("FileLock", () => {
  it("records the holder, removes the lock on release and its token on close", () => {
    const lock = new FileLock(lockPath);
    lock.acquire();
    expect(holderOf(lockPath)).toMatchObject({ pid: process.pid, host: hostname() });
    lock.release();
    expect(existsSync(lockPath)).toBe(false);
    expect(readdirSync(dir)).toEqual([
      expect.stringMatching(/^events\.jsonl\.lock\.\d+-[0-9a-f]+\.token$/),
    ]);
    lock.close();
    expect(readdirSync(dir)).toEqual([]);
  });

  it("sweeps token files of dead processes on this host, and only those", () => {
    const dead = deadPid();
    const token = (pid: number, host: string) => {
      const name = `events.jsonl.lock.${pid}-0badc0de.token`;
      writeFileSync(join(dir, name), JSON.stringify({ pid, host }));
      return name;
    };
    token(dead, hostname());
    const elsewhere = token(dead, "elsewhere");
    const alive = token(process.pid, hostname());
    writeFileSync(join(dir, "unrelated.token"), "");
    const lock = new FileLock(lockPath);
    lock.acquire();
    lock.close();
    expect(readdirSync(dir).sort()).toEqual([elsewhere, alive, "unrelated.token"].sort());
  });

  it("makes a second holder wait, then fail naming the holder and the way out", () => {
    const first = new FileLock(lockPath);
    first.acquire();
    const second = new FileLock(lockPath, { waitMs: 150 });
    let error: unknown;
    try {
      second.acquire();
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toContain(`pid ${process.pid} on host ${hostname()}`);
    expect((error as UserError).hint).toContain(`delete ${lockPath}`);
    first.release();
    second.acquire();
    second.release();
  });

  it("releases when the locked work throws", () => {
    const lock = new FileLock(lockPath);
    expect(() =>
      lock.withLock(() => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(existsSync(lockPath)).toBe(false);
    expect(lock.withLock(() => 42)).toBe(42);
  });

  it("takes over a lock whose holder on this host is gone", () => {
    writeFileSync(lockPath, JSON.stringify({ pid: deadPid(), host: hostname(), at: "x" }));
    const lock = new FileLock(lockPath, { waitMs: 100 });
    lock.acquire();
    expect(holderOf(lockPath).pid).toBe(process.pid);
    lock.release();
  });

  it("takes over an old lock from another host, but waits on a fresh one", async () => {
    writeFileSync(lockPath, JSON.stringify({ pid: 1, host: "elsewhere", at: "x" }));
    expect(() => new FileLock(lockPath, { waitMs: 100, staleMs: 60_000 }).acquire()).toThrow(
      /pid 1 on host elsewhere/,
    );
    await sleep(250);
    const lock = new FileLock(lockPath, { waitMs: 100, staleMs: 200 });
    lock.acquire();
    expect(holderOf(lockPath).pid).toBe(process.pid);
    lock.release();
  });

  it("judges a lock it cannot read by its age", async () => {
    writeFileSync(lockPath, "\u0000garbage");
    expect(() => new FileLock(lockPath, { waitMs: 100 }).acquire()).toThrow(/an unknown holder/);
    await sleep(250);
    const lock = new FileLock(lockPath, { waitMs: 100, staleMs: 200 });
    lock.acquire();
    lock.release();
    expect(existsSync(lockPath)).toBe(false);
  });

  it("does not delete a successor's lock when its own was taken over", () => {
    const slow = new FileLock(lockPath);
    slow.acquire();
    // Someone judged it stale and took over: the path now names the successor's file.
    unlinkSync(lockPath);
    const successor = new FileLock(lockPath);
    successor.acquire();
    slow.release();
    expect(holderOf(lockPath).pid).toBe(process.pid);
    expect(existsSync(lockPath)).toBe(true);
    successor.release();
    expect(existsSync(lockPath)).toBe(false);
  });

  it("puts back a fresh lock that a late stale-lock breaker moved aside", () => {
    const stalePath = join(dir, "already-removed-stale-lock");
    writeFileSync(stalePath, "{}");
    const observedStale = statSync(stalePath);
    const live = new FileLock(lockPath);
    live.acquire();
    const liveInode = statSync(lockPath).ino;
    // The breaker judged an older file stale; by the time it renames, a live holder owns the path.
    const breaker = new FileLock(lockPath) as unknown as { takeOver(observed: Stats): void };
    breaker.takeOver(observedStale);
    expect(statSync(lockPath).ino).toBe(liveInode);
    live.release();
    expect(existsSync(lockPath)).toBe(false);
    live.close();
    expect(readdirSync(dir)).toEqual(["already-removed-stale-lock"]);
  });
});
