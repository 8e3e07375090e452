/**
 * `forge-loop status [--json]`: the loop at a glance, read-only: engine alive or not,
 * state, tick, slots, queue depth, every task's status and the last failure.
 */
import { hostname } from "node:os";
import type { Command } from "commander";
import { systemClock } from "../../shared/clock.js";
import { tableExists } from "../../store/log/schema.js";
import { readWriterLock } from "../../store/log/writer-lock.js";
import { SqliteQueue } from "../../store/queue/sqlite-queue.js";
import { openStore } from "../../store/store.js";
import { buildStatus, renderStatus } from "../status/report.js";
import { addStoreOptions, eventsDbPath, type StoreOptions } from "../store-options.js";

export function register(program: Command): void {
  addStoreOptions(
    program
      .command("status")
      .description("Show the engine, the loop and every task at a glance")
      .option("--json", "print the report as JSON"),
  ).action((options: StoreOptions & { json?: boolean }) => {
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
  });
}
