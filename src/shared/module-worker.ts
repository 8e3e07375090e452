/**
 * Worker threads running one of our modules. `entry` is the module's URL as built, next to
 * the caller: `new URL("./x.js", import.meta.url)`.
 *
 * Run from the TypeScript sources (vitest runs them as they are), there is no `x.js` beside
 * the caller, and Node 20 cannot run TypeScript: the worker then loads
 * scripts/ts-worker-loader.mjs first, whose hooks find and compile the `.ts` sources. The
 * built package (dist) never uses them.
 */
import { Worker, type WorkerOptions } from "node:worker_threads";

const fromSources = import.meta.url.endsWith(".ts");

export function startModuleWorker(entry: URL, options: WorkerOptions = {}): Worker {
  if (!fromSources) return new Worker(entry, options);
  const loader = new URL("../../scripts/ts-worker-loader.mjs", import.meta.url);
  return new Worker(entry, {
    ...options,
    execArgv: [...(options.execArgv ?? process.execArgv), "--import", loader.href],
  });
}
