/**
 * One engine runs several attempts at once in one repository. Fetches into the same
 * remote-tracking ref, worktree administration (adding one while another's removal prunes
 * fails it) and merges into the same base would trip over git's ref and admin files
 * (failing, not waiting), so those operations take turns per repository. Only this
 * process's operations are ordered: one engine owns a state dir.
 *
 * The holder may take the lock again (a merge adds its scratch worktree while holding it);
 * work it leaves running after it lets go holds nothing.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { resolve } from "node:path";

const tails = new Map<string, Promise<void>>();
/** One acquisition, shared by every async context started inside it. */
interface Hold {
  key: string;
  released: boolean;
}
/** The acquisitions around the running async context, outermost first. */
const holds = new AsyncLocalStorage<readonly Hold[]>();

export async function withRepoLock<T>(repoDir: string, fn: () => Promise<T>): Promise<T> {
  const key = resolve(repoDir);
  const around = holds.getStore() ?? [];
  if (around.some((hold) => hold.key === key && !hold.released)) return fn();
  const previous = tails.get(key) ?? Promise.resolve();
  let release: () => void = () => undefined;
  const mine = new Promise<void>((done) => {
    release = done;
  });
  const tail = previous.then(() => mine);
  tails.set(key, tail);
  await previous;
  const hold: Hold = { key, released: false };
  try {
    return await holds.run([...around, hold], fn);
  } finally {
    hold.released = true;
    release();
    if (tails.get(key) === tail) tails.delete(key);
  }
}
