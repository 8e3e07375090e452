/**
 * The local forge: one database holding both the tracker and the PR platform.
 */
import type { Clock } from "../../../shared/clock.js";
import { type LocalForgeDb, openLocalForgeDb } from "./db.js";
import { LocalPlatform, type LocalPlatformOptions } from "./platform.js";
import { LocalTracker } from "./tracker.js";

export interface LocalForge {
  tracker: LocalTracker;
  platform: LocalPlatform;
  close(): void;
}

export function openLocalForge(
  dbPath: string,
  options: Omit<LocalPlatformOptions, "tracker"> & { clock?: Clock; author?: string },
): LocalForge {
  const db: LocalForgeDb = openLocalForgeDb(dbPath, { create: true });
  const identity = {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.author ? { author: options.author } : {}),
  };
  const tracker = new LocalTracker(db, identity);
  const platform = new LocalPlatform(db, { ...options, tracker });
  return { tracker, platform, close: () => db.close() };
}
