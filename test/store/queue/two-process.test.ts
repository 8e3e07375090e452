/**
 * Two real processes claim concurrently from one SQLite file: every item is claimed by
 * exactly one of them. The children run the built module (`npm test` builds dist first).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../../src/shared/clock.js";
import { SqliteQueue } from "../../../src/store/queue/sqlite-queue.js";

const distDir = fileURLToPath(new URL("../../../dist", import.meta.url));
const child = fileURLToPath(new URL("./claim-child.mjs", import.meta.url));
const ITEMS = 400;

let dir: string;
beforeAll(() => {
  if (!existsSync(join(distDir, "store/queue/sqlite-queue.js"))) {
    throw new Error(
      `${distDir}/store/queue/sqlite-queue.js is missing: this test runs the built queue in ` +
        "child processes. Build first: `npx tsc -p tsconfig.build.json` (npm test does it).",
    );
  }
  dir = mkdtempSync(join(tmpdir(), "forge-queue-2proc-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("SqliteQueue across processes", () => {
  it("never hands the same item to two processes", async () => {
    const dbPath = join(dir, "events.db");
    const db = new Database(dbPath);
    db.pragma("journal_mode = WAL");
    const queue = new SqliteQueue(db, systemClock, { maxAttempts: 3 });
    const ids = Array.from(
      { length: ITEMS },
      (_, i) => queue.enqueue({ dedupeKey: `issue:${i + 1}`, payload: { issue: i + 1 } }).item.id,
    );
    db.close();

    const goFile = join(dir, "go");
    const children = [1, 2].map(() => execa(process.execPath, [child, distDir, dbPath, goFile]));
    writeFileSync(goFile, "");
    const results = await Promise.all(children);
    const claimed = results.map((r) => JSON.parse(r.stdout) as number[]);

    const all = claimed.flat();
    expect(new Set(all).size).toBe(all.length);
    expect([...all].sort((a, b) => a - b)).toEqual(ids);

    const check = new Database(dbPath, { readonly: true });
    expect(check.prepare("SELECT count(*) AS n FROM queue_items").get()).toEqual({ n: 0 });
    check.close();
  });
});
