// A separate process claiming from a shared queue file (see two-process.test.ts).
// argv: <dist dir> <db path> <go file>. Prints the ids it claimed as one JSON array.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";

const [distDir, dbPath, goFile] = process.argv.slice(2);
const { SqliteQueue } = await import(
  pathToFileURL(join(distDir, "store/queue/sqlite-queue.js")).href
);
const { systemClock } = await import(pathToFileURL(join(distDir, "shared/clock.js")).href);

const db = new Database(dbPath, { timeout: 20_000 });
const queue = new SqliteQueue(db, systemClock, { maxAttempts: 3 });
// Start together, so the two claim loops really overlap.
while (!existsSync(goFile)) await sleep(2);

const claimed = [];
for (;;) {
  const claim = queue.claim(600_000);
  if (!claim) break;
  claimed.push(claim.id);
  // Leave every other item leased a moment, so claims and acks interleave across processes.
  if (claimed.length % 2 === 0) await sleep(0);
  queue.ack(claim.id, claim.token);
}
db.close();
process.stdout.write(JSON.stringify(claimed));
