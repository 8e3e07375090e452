/**
 * `forge-loop mirror` as an operator runs it: the built CLI in a child process (`npm test`
 * builds dist first), mirroring real files into a real state directory.
 */
import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { formatSummary } from "../../../src/cli/actions/mirror.js";
import { openEventLog } from "../../../src/store/log/sqlite-event-log.js";
import { acquireWriterLock } from "../../../src/store/log/writer-lock.js";
import { mirrorFile } from "../../../src/store/mirror/mirror.js";
import { readCursors } from "../../../src/store/projections/tables.js";
import { openStore } from "../../../src/store/store.js";
import { pyDumps, pyJsonl, runnerHistory } from "../../support/legacy-lines.js";
import { createPython339Db, loadChainVectors } from "../../support/python-events-db.js";

const cli = fileURLToPath(new URL("../../../dist/cli.js", import.meta.url));

beforeAll(() => {
  if (!existsSync(cli)) {
    throw new Error(`${cli} is missing: run \`npm run build\` first (npm test does it).`);
  }
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "forge-mirror-cli-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function mirror(args: string[]) {
  return execa(process.execPath, [cli, "mirror", ...args], { cwd: dir, reject: false });
}

/** Events in the log; 0 while it does not exist or is still being created by the child. */
function headOf(dbPath: string): number {
  if (!existsSync(dbPath)) return 0;
  let log: ReturnType<typeof openEventLog>;
  try {
    log = openEventLog(dbPath, { mode: "readonly" });
  } catch {
    return 0;
  }
  try {
    return log.head();
  } finally {
    log.close();
  }
}

describe("forge-loop mirror", () => {
  it("mirrors into .forge-loop/events.db by default and prints a summary", async () => {
    writeFileSync(join(dir, "runner.jsonl"), `${pyJsonl(runnerHistory())}{torn`);
    const result = await mirror(["runner.jsonl"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("lines read          17");
    expect(result.stdout).toContain("events appended     21");
    expect(result.stdout).toContain("unmapped kinds      sprint_consolidated ×1");
    expect(result.stdout).toMatch(/malformed lines {5}1\n {4}line 17: .*torn write.*: \{torn/);
    expect(headOf(join(dir, ".forge-loop", "events.db"))).toBe(21);
    // Folded once the events were in: every projection at the head, equal to a fresh fold.
    const store = openStore(join(dir, ".forge-loop", "events.db"), { mode: "readonly" });
    try {
      expect(new Set(readCursors(store.db).values())).toEqual(new Set([21]));
      expect(store.verify().ok).toBe(true);
    } finally {
      store.close();
    }

    const again = await mirror(["runner.jsonl"]);
    expect(again.stdout).toContain("events appended     0");
    expect(again.stdout).toContain("duplicates skipped  21");
  });

  it("writes where --db or --dir says", async () => {
    writeFileSync(join(dir, "runner.jsonl"), pyJsonl(runnerHistory()));
    expect((await mirror(["runner.jsonl", "--db", "elsewhere/x.db"])).exitCode).toBe(0);
    expect((await mirror(["runner.jsonl", "--dir", "state"])).exitCode).toBe(0);
    expect(headOf(join(dir, "elsewhere", "x.db"))).toBe(21);
    expect(headOf(join(dir, "state", "events.db"))).toBe(21);
  });

  it("says clearly what is wrong with a missing file or a directory", async () => {
    const missing = await mirror(["nope.jsonl"]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain("forge-loop: no such file: nope.jsonl");
    expect(missing.stderr).toContain("Python runner's events file");
    const directory = await mirror(["."]);
    expect(directory.exitCode).toBe(2);
    expect(directory.stderr).toContain("is not a file");
  });

  it("refuses to write into a Python forge-loop database", async () => {
    writeFileSync(join(dir, "runner.jsonl"), pyJsonl(runnerHistory()));
    const python = join(dir, "python.db");
    createPython339Db(python, loadChainVectors().scheme_339_chain_hash.from_reference_db);
    const result = await mirror(["runner.jsonl", "--db", python]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("was written by the Python forge-loop");
  });

  it("refuses to run beside an engine holding the state directory", async () => {
    writeFileSync(join(dir, "runner.jsonl"), pyJsonl(runnerHistory()));
    const dbPath = join(dir, ".forge-loop", "events.db");
    const log = openEventLog(dbPath, { mode: "writer" });
    acquireWriterLock(log.db, { pid: process.pid, host: hostname(), now: Date.now() });
    log.close();
    const result = await mirror(["runner.jsonl"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`another forge-loop engine is running`);
    expect(headOf(dbPath)).toBe(0);
  });

  it("killed mid-mirror, it leaves whole transactions; mirrored again, it appends the rest", async () => {
    // About 63k events: the pipeline commits at 50k, then at the end; the kill lands between.
    const records = Array.from({ length: 3000 }, (_, i) =>
      runnerHistory(Date.UTC(2026, 5, 5) + i * 3_600_000),
    ).flat();
    writeFileSync(join(dir, "runner.jsonl"), pyJsonl(records));
    const dbPath = join(dir, "killed.db");
    const child = mirror(["runner.jsonl", "--db", dbPath]);
    for (let waited = 0; headOf(dbPath) === 0; waited += 20) {
      if (waited > 60_000) throw new Error("the mirror never committed");
      await sleep(20);
    }
    child.kill("SIGKILL");
    expect((await child).signal).toBe("SIGKILL");

    const reference = openEventLog(join(dir, "reference.db"), { mode: "writer" });
    const total = (
      await mirrorFile(reference, join(dir, "runner.jsonl"), { workerFromBytes: Infinity })
    ).eventsAppended;
    const rows = (path: string) => {
      const log = openEventLog(path, { mode: "readonly" });
      try {
        expect(log.verifyChain().ok).toBe(true);
        return log
          .since(0)
          .map((e) => [e.sequence, e.kind, e.payloadJson, e.idempotencyKey, e.taskId, e.sagaId]);
      } finally {
        log.close();
      }
    };
    const expected = rows(join(dir, "reference.db"));
    reference.close();
    const left = rows(dbPath);
    expect(left.length).toBeGreaterThanOrEqual(50_000);
    expect(left.length).toBeLessThan(total);
    expect(left).toEqual(expected.slice(0, left.length));

    const again = await mirror(["runner.jsonl", "--db", dbPath]);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain(
      `events appended     ${(total - left.length).toLocaleString("en-US")}`,
    );
    expect(again.stdout).toContain(`duplicates skipped  ${left.length.toLocaleString("en-US")}`);
    expect(rows(dbPath)).toEqual(expected);
  }, 60_000);

  it("--follow mirrors appended lines until interrupted, then prints the summary and exits 0", async () => {
    const records = runnerHistory();
    const file = join(dir, "runner.jsonl");
    writeFileSync(file, pyJsonl(records.slice(0, 5)));
    const dbPath = join(dir, ".forge-loop", "events.db");
    const child = execa(process.execPath, [cli, "mirror", "runner.jsonl", "--follow"], {
      cwd: dir,
      reject: false,
    });
    const until = async (n: number) => {
      for (let waited = 0; headOf(dbPath) < n; waited += 50) {
        if (waited > 60_000) throw new Error(`mirror never reached ${n} events`);
        await sleep(50);
      }
    };
    await until(4);
    appendFileSync(file, `${pyDumps(records[5])}\n`);
    await until(5);
    child.kill("SIGINT");
    const result = await child;
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("events appended     5");
    expect(result.stderr).toContain("following runner.jsonl");
  });
});

describe("formatSummary", () => {
  it("prints hostile kinds escaped and bounded, and says how many malformed lines it left out", () => {
    const text = formatSummary("f.jsonl", "x.db", {
      lines: 70,
      records: 10,
      eventsAppended: 9,
      duplicatesSkipped: 1,
      unmapped: new Map([
        ["\u001b[2J\u001b[31mevil\nkind", 3],
        ["k".repeat(500), 1],
      ]),
      tooDeep: 0,
      malformedCount: 60,
      malformed: [{ line: 4, offset: 99, reason: "not JSON: x", excerpt: "{oops" }],
    });
    expect(text).toContain("\\u001b[2J\\u001b[31mevil\\nkind ×3");
    expect(text).not.toContain("\u001b");
    expect(text).toContain(`${"k".repeat(59)}… ×1`);
    expect(text).toContain("    line 4: not JSON: x: {oops\n");
    expect(text).toContain("    … and 59 more");
    expect(text).not.toContain("too deeply nested");
  });
});
