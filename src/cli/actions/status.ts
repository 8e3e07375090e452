/**
 * What `forge-loop status` does (see `commands/status.ts`): reads the state, the engine's
 * lock and the queue, and prints the report.
 */
import { hostname } from "node:os";
import { systemClock } from "../../shared/clock.js";
import { tableExists } from "../../store/log/schema.js";
import { readWriterLock } from "../../store/log/writer-lock.js";
import { SqliteQueue } from "../../store/queue/sqlite-queue.js";
import { openStore } from "../../store/store.js";
import type { StatusOptions } from "../commands/status.js";
import { buildStatus, renderStatus } from "../status/report.js";
import { eventsDbPath } from "../store-options.js";

export function runStatus(options: StatusOptions): void {
  const store = openStore(eventsDbPath(options), { mode: "readonly" });
  try {
    const queue = tableExists(store.db, "queue_items")
      ? new SqliteQueue(store.db, systemClock, { maxAttempts: 1 }).depth()
      : undefined;
    const report = buildStatus(
      store.readState(),
      readWriterLock(store.db),
      queue,
      Date.now(),
      hostname(),
    );
    process.stdout.write(
      options.json ? `${JSON.stringify(report, null, 2)}\n` : renderStatus(report),
    );
  } finally {
    store.close();
  }
}
