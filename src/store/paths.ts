/**
 * The default layout of a state directory (ARCHITECTURE.md "State on disk").
 */
import { join, resolve } from "node:path";

export const DEFAULT_STATE_DIR = ".forge-loop";

export interface StatePaths {
  stateDir: string;
  eventsDb: string;
  eventsJsonl: string;
  logsDir: string;
  localForgeDb: string;
  briefsDir: string;
}

export function statePaths(stateDir: string): StatePaths {
  const dir = resolve(stateDir);
  return {
    stateDir: dir,
    eventsDb: join(dir, "events.db"),
    eventsJsonl: join(dir, "events.jsonl"),
    logsDir: join(dir, "logs"),
    localForgeDb: join(dir, "local-forge.db"),
    briefsDir: join(dir, "briefs"),
  };
}
