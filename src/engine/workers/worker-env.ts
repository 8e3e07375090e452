import { homedir } from "node:os";
import type { WorkerSpec } from "./types.js";

/**
 * The environment a worker starts with: a minimal base, the names the operator allowed
 * through from the engine's environment, and the worker's own variables. Nothing else
 * leaks: a token in the engine's environment reaches a worker only when it is named.
 */
export function workerEnv(
  spec: Pick<WorkerSpec, "envAllow" | "env">,
  engineEnv: NodeJS.ProcessEnv,
  adapterEnv: Record<string, string> = {},
): Record<string, string> {
  const env: Record<string, string> = {
    PATH: engineEnv.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: engineEnv.HOME ?? homedir(),
    LANG: engineEnv.LANG ?? "C.UTF-8",
    // Agents and the tools they run print plain text, not colour codes or progress bars.
    TERM: "dumb",
  };
  for (const name of spec.envAllow) {
    const value = engineEnv[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...spec.env, ...adapterEnv };
}
