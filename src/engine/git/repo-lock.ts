/**
 * One engine runs several attempts at once in one repository. Fetches into the same
 * remote-tracking ref, worktree administration and merges into the same base would trip
 * over git's ref locks (failing, not waiting), so those operations take turns per
 * repository. Only this process's operations are ordered: one engine owns a state dir.
 */
import { resolve } from "node:path";

const tails = new Map<string, Promise<void>>();

export async function withRepoLock<T>(repoDir: string, fn: () => Promise<T>): Promise<T> {
  const key = resolve(repoDir);
  const previous = tails.get(key) ?? Promise.resolve();
  let release: () => void = () => undefined;
  const mine = new Promise<void>((done) => {
    release = done;
  });
  const tail = previous.then(() => mine);
  tails.set(key, tail);
  await previous;
  try {
    return await fn();
  } finally {
    release();
    if (tails.get(key) === tail) tails.delete(key);
  }
}
