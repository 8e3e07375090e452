/**
 * The mirror's pipeline (a worker thread preparing rows, this thread chaining and
 * inserting them) against the one-thread mirror: the same rows byte for byte, the same
 * chain given the same event ids, the same summaries; and its failures, which must reject
 * with the file (and line) named, never hang.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { chainHash, GENESIS_HASH } from "../../../src/store/log/chain.js";
import { openEventLog, type SqliteEventLog } from "../../../src/store/log/sqlite-event-log.js";
import { LEGACY_KINDS } from "../../../src/store/mirror/map-legacy.js";
import { type MirrorSummary, mirrorFile } from "../../../src/store/mirror/mirror.js";
import { pyDumps, pyJsonl, runnerHistory } from "../../support/legacy-lines.js";
import { ManualClock } from "../../support/manual-clock.js";

let dir: string;
let opened: SqliteEventLog[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "forge-mirror-pipeline-"));
  opened = [];
});
afterEach(() => {
  for (const log of opened) if (log.db.open) log.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(name: string, clock = new ManualClock()): SqliteEventLog {
  const log = openEventLog(join(dir, name), { mode: "writer", clock });
  opened.push(log);
  return log;
}

function file(name: string, body: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, body);
  return path;
}

const PIPELINED = { workerFromBytes: 0 };
const ONE_THREAD = { workerFromBytes: Number.POSITIVE_INFINITY };

/** Every stored byte of every row but its random event id and the hash that covers it. */
function storedBytes(log: SqliteEventLog): unknown[] {
  return log.db
    .prepare(
      `SELECT sequence, hex(kind), hex(payload_json), typeof(schema_version), schema_version,
         hex(occurred_at), hex(task_id), hex(saga_id), hex(causal_event_id), causal_sequence,
         hex(idempotency_key)
       FROM events ORDER BY sequence`,
    )
    .raw()
    .all();
}

/**
 * The chain `log` would have with the event ids of `ids` (another log of the same rows):
 * with the same ids, the same hashes, if both were built the same way.
 */
function chainWithIdsOf(log: SqliteEventLog, ids: SqliteEventLog): string[] {
  const idsInOrder = ids.since(0).map((e) => e.eventId);
  let prev = GENESIS_HASH;
  return log.since(0).map((e, i) => {
    prev = chainHash(prev, {
      event_id: idsInOrder[i] as string,
      idempotency_key: e.idempotencyKey,
      kind: e.kind,
      occurred_at: e.occurredAt,
      payload_json: e.payloadJson,
      saga_id: e.sagaId,
      schema_version: e.schemaVersion,
      task_id: e.taskId,
    });
    return prev;
  });
}

const counts = (s: MirrorSummary) => ({ ...s, unmapped: [...s.unmapped] });

describe("the pipeline gives what the one-thread mirror gives", () => {
  const SECRET = "hunter2-very-secret";
  const text = fc.oneof(
    fc.string({ maxLength: 8 }),
    fc.constantFrom(
      `ghp_${"a1B2".repeat(9)}`,
      `key=${SECRET}`,
      "Résumé “fix” 😀",
      "line\nbreak",
      "\u0000\u007f\u2028",
    ),
  );
  const record = fc.record(
    {
      ts: fc.oneof(
        fc
          .integer({ min: 0, max: 30 })
          .map((s) => new Date(Date.UTC(2026, 5, 5) + s * 1000).toISOString()),
        fc.constantFrom("2026-06-05 09:00:01", "not a time", 1_780_000_000),
      ),
      kind: fc.constantFrom(...LEGACY_KINDS, "worker_progress"),
      tick: fc.integer({ min: 0, max: 3 }),
      issue: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constantFrom("7", "#8")),
      status: fc.constantFrom("merged", "open", "failed"),
      new_state: fc.constantFrom("AWAITING_CRITIC", "merged", "RUNNING"),
      verdict: fc.constantFrom("approved", "blocked"),
      pr_url: fc.constantFrom(null, "https://github.com/acme/app/pull/3"),
      outcomes: fc.array(
        fc.record({ issue: fc.integer({ min: 1, max: 5 }), status: fc.constantFrom("merged") }),
        { maxLength: 2 },
      ),
      expanded: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 3 }),
      note: text,
    },
    { requiredKeys: ["kind"] },
  );
  // Lines drawn from a small pool, so that a file holds the same record more than once.
  const body = fc
    .tuple(
      fc.array(
        fc.oneof(
          { weight: 8, arbitrary: record.map(pyDumps) },
          { weight: 1, arbitrary: fc.constantFrom("{not json", "[1, 2]", "", '"text"') },
        ),
        { minLength: 1, maxLength: 12 },
      ),
      fc.array(fc.nat(), { maxLength: 40 }),
    )
    .map(([pool, picks]) => picks.map((i) => pool[i % pool.length]).join("\n"));

  it("same rows and chain, summaries, malformed and unmapped lines, as the file grows", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(body, { minLength: 1, maxLength: 2 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 12 }),
        fc.boolean(),
        async (bodies, batchSize, eventsPerCommit, withSecret) => {
          const options = { secrets: withSecret ? [SECRET] : [], batchSize, eventsPerCommit };
          const clock = new ManualClock();
          const piped = open(`piped${run}.db`, clock);
          const alone = open(`alone${run}.db`, clock);
          const path = join(dir, `runner${run++}.jsonl`);
          let text = "";
          // Each pass mirrors the file grown by one more body: earlier records are duplicates.
          for (const more of bodies) {
            text += `${more}\n`;
            writeFileSync(path, text);
            const fromPipeline = await mirrorFile(piped, path, { ...options, ...PIPELINED });
            const fromOneThread = await mirrorFile(alone, path, { ...options, ...ONE_THREAD });
            expect(counts(fromPipeline)).toEqual(counts(fromOneThread));
          }
          expect(storedBytes(piped)).toEqual(storedBytes(alone));
          expect(piped.verifyChain().ok).toBe(true);
          const pipedChain = piped.since(0).map((e) => e.chainHash);
          expect(chainWithIdsOf(alone, piped)).toEqual(pipedChain);
          piped.close();
          alone.close();
        },
      ),
      { numRuns: 40 },
    );
    // Up to 80 mirrors, each starting a worker thread from the TypeScript sources: on a
    // loaded 2-core machine that alone nears the default 30 s.
  }, 120_000);

  it("on a large real history: the same rows, and nothing new when mirrored again", async () => {
    const records = Array.from({ length: 400 }, (_, i) =>
      runnerHistory(Date.UTC(2026, 5, 5) + i * 3_600_000),
    ).flat();
    // The runner wrote some records twice, and the file ends mid-line.
    const path = file("runner.jsonl", `${pyJsonl([...records, ...records.slice(0, 50)])}{"to`);
    const piped = open("piped.db");
    const alone = open("alone.db");
    const first = await mirrorFile(piped, path, { ...PIPELINED, eventsPerCommit: 1000 });
    expect(counts(first)).toEqual(counts(await mirrorFile(alone, path, ONE_THREAD)));
    expect(first.duplicatesSkipped).toBeGreaterThan(0);
    expect(storedBytes(piped)).toEqual(storedBytes(alone));
    expect(piped.verifyChain()).toMatchObject({ ok: true, checked: first.eventsAppended });

    const again = await mirrorFile(piped, path, PIPELINED);
    expect(again).toMatchObject({
      eventsAppended: 0,
      duplicatesSkipped: first.eventsAppended + first.duplicatesSkipped,
    });
    expect(piped.head()).toBe(first.eventsAppended);
  }, 120_000);

  it("chains after what others append between its transactions (the UI, operator commands)", async () => {
    const records = Array.from({ length: 100 }, (_, i) =>
      runnerHistory(Date.UTC(2026, 5, 5) + i * 3_600_000),
    ).flat();
    const path = file("runner.jsonl", pyJsonl(records));
    const log = open("events.db");
    const ui = openEventLog(join(dir, "events.db"), { mode: "observer", busyTimeoutMs: 0 });
    opened.push(ui);
    let commands = 0;
    // Between messages from the worker, each batch committed on its own: the log is free.
    const timer = setInterval(() => {
      ui.append({
        kind: "control.requested",
        payload: { request_id: `r${commands}`, command: "resume", by: "operator" },
        idempotencyKey: `control.requested:r${commands++}`,
      });
    }, 1);
    const summary = await mirrorFile(log, path, {
      ...PIPELINED,
      batchSize: 20,
      eventsPerCommit: 1,
    }).finally(() => clearInterval(timer));
    const kinds = log.since(0).map((e) => e.kind);
    expect(kinds.filter((kind) => kind !== "control.requested")).toHaveLength(
      summary.eventsAppended,
    );
    const first = kinds.findIndex((kind) => kind !== "control.requested");
    const last = kinds.findLastIndex((kind) => kind !== "control.requested");
    expect(kinds.slice(first, last).includes("control.requested")).toBe(true);
    expect(log.verifyChain().ok).toBe(true);
  });
});

it("inside a transaction of the caller's, the mirror appends inside it, on this thread", async () => {
  const path = file("runner.jsonl", pyJsonl(runnerHistory()));
  const log = open("events.db");
  const transaction = log.openTransaction();
  expect((await mirrorFile(log, path, PIPELINED)).eventsAppended).toBe(21);
  transaction.rollback();
  expect(log.head()).toBe(0);
});

describe("the pipeline's failures", () => {
  it("a log another process holds locked: rejects, appends nothing, leaves no thread behind", async () => {
    const path = file("runner.jsonl", pyJsonl(runnerHistory()));
    const log = openEventLog(join(dir, "events.db"), { mode: "writer", busyTimeoutMs: 100 });
    opened.push(log);
    const other = new Database(join(dir, "events.db"));
    other.exec("BEGIN IMMEDIATE");
    try {
      await expect(mirrorFile(log, path, PIPELINED)).rejects.toMatchObject({
        message: expect.stringMatching(
          /^mirroring .*runner\.jsonl failed: .*events\.db: database is locked$/,
        ),
        code: "SQLITE_BUSY",
      });
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
    expect(log.head()).toBe(0);
    // The log is usable again: nothing of the failed mirror holds it.
    expect((await mirrorFile(log, path, PIPELINED)).eventsAppended).toBe(21);
  });

  it("a file the worker cannot read: rejects naming it", async () => {
    const notAFile = join(dir, "a-directory.jsonl");
    mkdirSync(notAFile);
    const log = open("events.db");
    await expect(mirrorFile(log, notAFile, PIPELINED)).rejects.toThrow(
      new RegExp(`mirroring ${notAFile} failed: EISDIR`),
    );
    expect(log.head()).toBe(0);
  });

  it("a file of nothing but malformed lines: counted and listed, no events", async () => {
    const body = Buffer.concat([
      Buffer.from("{not json\n[1, 2]\n"),
      Buffer.from([0xff, 0xfe, 0x0a]),
      Buffer.from(`${"x".repeat(2_000_000)}\n`),
      Buffer.from('{"ts": "x", "kind": "worker_done", "iss'),
    ]);
    const path = file("garbage.jsonl", body);
    const summary = await mirrorFile(open("piped.db"), path, PIPELINED);
    expect(counts(summary)).toEqual(counts(await mirrorFile(open("alone.db"), path, ONE_THREAD)));
    expect(summary).toMatchObject({ records: 0, malformedCount: 5, eventsAppended: 0 });
    expect(summary.malformed.map((m) => m.line)).toEqual([1, 2, 3, 4, 5]);
  });
});
