/**
 * Mirroring real files into a real SQLite log: counts, idempotency, distinct records,
 * runs, hostile content, redaction, and following a growing (and rotated) file.
 */
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { redact } from "../../../src/shared/redact.js";
import type { StoredEvent } from "../../../src/store/contract/envelope.js";
import { parseJsonl } from "../../../src/store/jsonl/reader.js";
import type { EventLog } from "../../../src/store/log/event-log.js";
import { openEventLog, type SqliteEventLog } from "../../../src/store/log/sqlite-event-log.js";
import {
  initialMirrorState,
  LEGACY_KINDS,
  mapLegacyRecord,
} from "../../../src/store/mirror/map-legacy.js";
import { followFile, type MirrorSummary, mirrorFile } from "../../../src/store/mirror/mirror.js";
import { pyDumps, pyJsonl, runnerHistory } from "../../support/legacy-lines.js";
import { ManualClock } from "../../support/manual-clock.js";

let dir: string;
let log: SqliteEventLog;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "forge-mirror-"));
  log = openEventLog(join(dir, "events.db"), { mode: "writer" });
});
afterEach(() => {
  if (log.db.open) log.close();
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, body: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, body);
  return path;
}

const all = (): StoredEvent[] => log.since(0);
const TS = "2026-06-05T09:03:33.588Z";

describe("mirrorFile", () => {
  it("mirrors a runner history and reports what it did", async () => {
    const summary = await mirrorFile(log, file("runner.jsonl", pyJsonl(runnerHistory())));
    expect(summary).toMatchObject({
      lines: 16,
      records: 16,
      eventsAppended: 21,
      duplicatesSkipped: 0,
      malformedCount: 0,
      tooDeep: 0,
    });
    expect([...summary.unmapped]).toEqual([["sprint_consolidated", 1]]);
    expect(log.head()).toBe(21);
    expect(log.verifyChain().ok).toBe(true);
    const kinds = all().map((e) => e.kind);
    expect(kinds.slice(0, 3)).toEqual(["tick.started", "task.planned", "task.dispatched"]);
    expect(kinds.at(-1)).toBe("loop.halted");
    const dispatched = all().find((e) => e.kind === "task.dispatched");
    expect(dispatched).toMatchObject({
      taskId: "issue:41",
      sagaId: "tick:1",
      occurredAt: "2026-06-05T09:00:04.000Z",
    });
    // The \u escapes of the Python line are characters again.
    expect(dispatched?.payload.title).toBe("Résumé “fix”");
  });

  it("adds nothing when the same file is mirrored again", async () => {
    const path = file("runner.jsonl", pyJsonl(runnerHistory()));
    await mirrorFile(log, path);
    const head = log.head();
    const again = await mirrorFile(log, path);
    expect(log.head()).toBe(head);
    expect(again).toMatchObject({ eventsAppended: 0, duplicatesSkipped: head });
  });

  it("appends only the new records of a file that grew", async () => {
    const records = runnerHistory();
    const path = file("runner.jsonl", pyJsonl(records.slice(0, 8)));
    const first = await mirrorFile(log, path);
    writeFileSync(path, pyJsonl(records));
    const second = await mirrorFile(log, path);
    expect(second.duplicatesSkipped).toBe(first.eventsAppended);
    expect(first.eventsAppended + second.eventsAppended).toBe(21);
  });

  it("never merges distinct records, even without a tick; one record written twice is one", async () => {
    const critic = { kind: "critic_done", issue: 5, pr: "u", verdict: "approved", reasons: [] };
    const reaped = { kind: "worktree_reaped", issue: 5, status: "open" };
    const summary = await mirrorFile(
      log,
      file(
        "runner.jsonl",
        pyJsonl([
          { ts: "2026-06-05T09:00:00.000Z", ...critic },
          { ts: "2026-06-05T09:05:00.000Z", ...critic },
          { ts: "2026-06-05T09:06:00.000Z", ...reaped },
          { ts: "2026-06-05T09:06:00.000Z", ...reaped },
        ]),
      ),
    );
    expect(all().map((e) => [e.kind, e.occurredAt])).toEqual([
      ["critique.issued", "2026-06-05T09:00:00.000Z"],
      ["critique.issued", "2026-06-05T09:05:00.000Z"],
      ["worktree.reaped", "2026-06-05T09:06:00.000Z"],
    ]);
    expect(summary).toMatchObject({ eventsAppended: 3, duplicatesSkipped: 1 });
  });

  it("keeps the ticks of different runner processes apart", async () => {
    const tick = (kind: string, n: number, s: number) => ({
      ts: `2026-06-05T09:00:${String(s).padStart(2, "0")}.000Z`,
      kind,
      tick: n,
      ...(kind === "tick_done" ? { merged: [], outcomes: [] } : { issues: [] }),
    });
    await mirrorFile(
      log,
      file(
        "runner.jsonl",
        pyJsonl([
          tick("tick_start", 1, 1),
          tick("tick_done", 1, 2),
          tick("tick_start", 2, 3),
          tick("tick_done", 2, 4),
          // The runner restarted without a loop_start line: its counter went back to 1.
          tick("tick_start", 1, 5),
          tick("tick_done", 1, 6),
        ]),
      ),
    );
    expect(all().map((e) => [e.sagaId, e.payload.run])).toEqual([
      ["tick:1", 0],
      ["tick:1", 0],
      ["tick:2", 0],
      ["tick:2", 0],
      ["tick:1", 1],
      ["tick:1", 1],
    ]);
  });

  it("counts malformed lines with their line numbers and goes on", async () => {
    const good = pyDumps({ ts: TS, kind: "worker_failed", issue: 1 });
    const body = [
      good,
      "{not json",
      "",
      "[1, 2]",
      `${pyDumps({ ts: TS, kind: "worker_failed", issue: 2 })}`,
      '{"ts": "x", "kind": "worker_done", "iss',
    ].join("\n");
    const summary = await mirrorFile(log, file("runner.jsonl", body));
    expect(summary.malformed.map((m) => [m.line, m.reason.split(":")[0]])).toEqual([
      [2, "not JSON"],
      [4, "not an object"],
      [6, "not JSON"],
    ]);
    expect(summary.malformed[2]?.reason).toMatch(/torn write/);
    expect(summary).toMatchObject({ lines: 5, records: 2, malformedCount: 3, eventsAppended: 2 });
  });

  it("survives hostile content: huge lines, invalid UTF-8, NULs, lone surrogates, deep nesting", async () => {
    const deep = `{"kind": "critic_done", "x": ${"[".repeat(1000)}${"]".repeat(1000)}}`;
    const body = Buffer.concat([
      Buffer.from(
        `${pyDumps({ ts: TS, kind: "worker_failed", issue: 1, big: "x".repeat(2_000_000) })}\n`,
      ),
      Buffer.from('{"ts": "x", "kind": "worker_failed", "issue": 2, "bad": "'),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('"}\n'),
      Buffer.from(`${pyDumps({ ts: TS, kind: "worker_failed", issue: 3, nul: "a\u0000b" })}\n`),
      Buffer.from(`{"ts": "${TS}", "kind": "worker_failed", "issue": 4, "lone": "\\ud800"}\n`),
      Buffer.from(`${deep}\n`),
      Buffer.from(`${pyDumps({ ts: TS, kind: "x".repeat(10_000) })}\n`),
    ]);
    const summary = await mirrorFile(log, file("hostile.jsonl", body));
    expect(summary.malformed[0]).toMatchObject({
      line: 1,
      reason: expect.stringMatching(/over the .*-byte limit/),
    });
    expect(summary.malformed[1]).toMatchObject({ line: 2, reason: expect.stringMatching(/UTF-8/) });
    // The deep line (5) is refused by the reader, or else by the mapping: never stored.
    const deepRefused = summary.malformed.filter((m) => m.line === 5).length + summary.tooDeep;
    expect(deepRefused).toBe(1);
    expect(summary.eventsAppended).toBe(2);
    expect(summary.unmapped.get("x".repeat(10_000))).toBe(1);
    expect(all().map((e) => e.taskId)).toEqual(["issue:3", "issue:4"]);
    expect(all()[0]?.payload.nul).toBe("a\u0000b");
  });

  it("counts unmapped kinds by name, boundedly, and records without a kind apart", async () => {
    const records = [
      { ts: TS, no: "kind" },
      { ts: TS, kind: ["not", "a", "string"] },
      ...Array.from({ length: 300 }, (_, i) => ({ ts: TS, kind: `custom_${i}` })),
      { ts: TS, kind: "custom_0", again: true },
    ];
    const summary = await mirrorFile(log, file("runner.jsonl", pyJsonl(records)));
    // 200 names at most (the first seen), the rest together.
    expect(summary.unmapped.size).toBe(201);
    expect(summary.unmapped.get("(no kind)")).toBe(2);
    expect(summary.unmapped.get("custom_0")).toBe(2);
    expect(summary.unmapped.get("(other kinds)")).toBe(101);
    expect(summary.eventsAppended).toBe(0);
  });

  it("redacts secrets before they reach the log", async () => {
    const token = `ghp_${"a1B2".repeat(9)}`;
    await mirrorFile(
      log,
      file(
        "runner.jsonl",
        pyJsonl([{ ts: TS, kind: "worker_failed", issue: 1, err: `push failed: ${token}`, n: 3 }]),
      ),
      { secrets: ["hunter2-very-secret"] },
    );
    const [event] = all();
    expect(event?.payloadJson).not.toContain(token);
    expect(event?.payload.err).toBe("push failed: [REDACTED]");
    expect(event?.payload.n).toBe(3);
  });

  it("appends in batches of the given size", async () => {
    const records = Array.from({ length: 23 }, (_, i) => ({
      ts: new Date(Date.UTC(2026, 5, 5) + i * 1000).toISOString(),
      kind: "worker_failed",
      issue: i + 1,
    }));
    const summary = await mirrorFile(log, file("runner.jsonl", pyJsonl(records)), { batchSize: 5 });
    expect(summary.eventsAppended).toBe(23);
    expect(all().map((e) => e.taskId)).toEqual(records.map((r) => `issue:${r.issue}`));
  });

  it("throws a clear error for a missing file", async () => {
    await expect(mirrorFile(log, join(dir, "nope.jsonl"))).rejects.toThrow(/ENOENT/);
  });
});

/** What the log holds, but for ids and hashes (random ids make every chain different). */
const rows = (l: SqliteEventLog) =>
  l
    .since(0)
    .map((e) => [
      e.sequence,
      e.kind,
      e.payloadJson,
      e.idempotencyKey,
      e.occurredAt,
      e.taskId,
      e.sagaId,
    ]);

/** A summary's counts, comparable with toEqual. */
const counts = (s: MirrorSummary) => ({ ...s, unmapped: [...s.unmapped] });

/**
 * The mirror by its definition (EVENTS.md "The legacy mirror"): the whole body parsed, each
 * record mapped and its events appended on their own, every string redacted, no batches,
 * no transactions, no secret detection. What mirrorFile's fast paths must reproduce.
 */
function mirrorByDefinition(target: EventLog, body: string, secrets: string[]): MirrorSummary {
  const { records, malformed } = parseJsonl(body);
  const summary: MirrorSummary = {
    lines: records.length + malformed.length,
    records: records.length,
    eventsAppended: 0,
    duplicatesSkipped: 0,
    unmapped: new Map(),
    tooDeep: 0,
    malformedCount: malformed.length,
    malformed,
  };
  let state = initialMirrorState;
  for (const record of records) {
    const step = mapLegacyRecord(state, record);
    state = step.state;
    if (step.outcome === "too_deep") summary.tooDeep += 1;
    if (step.outcome === "unmapped") {
      const kind = typeof record.kind === "string" ? record.kind : "(no kind)";
      summary.unmapped.set(kind, (summary.unmapped.get(kind) ?? 0) + 1);
    }
    const events = step.events.map((e) => ({
      ...e,
      payload: redactedDeep(e.payload, secrets) as Record<string, unknown>,
    }));
    for (const result of target.appendBatch(events)) {
      if (result.inserted) summary.eventsAppended += 1;
      else summary.duplicatesSkipped += 1;
    }
  }
  return summary;
}

function redactedDeep(value: unknown, secrets: string[]): unknown {
  if (typeof value === "string") return redact(value, secrets);
  if (Array.isArray(value)) return value.map((item) => redactedDeep(item, secrets));
  if (value === null || typeof value !== "object") return value;
  const out = JSON.parse("{}") as Record<string, unknown>;
  for (const [key, item] of Object.entries(value)) {
    Object.defineProperty(out, redact(key, secrets), {
      value: redactedDeep(item, secrets),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

describe("mirrorFile gives exactly what the mirror's definition gives", () => {
  const SECRET = "hunter2-very-secret";
  const text = fc.oneof(
    fc.string({ maxLength: 10 }),
    fc.constantFrom(
      `ghp_${"a1B2".repeat(9)}`,
      `push: Bearer ${"x".repeat(20)}`,
      `https://bot:${"p".repeat(10)}@github.com/o/r`,
      `key=${SECRET}`,
      "Résumé “fix” 😀",
      "line\nbreak",
    ),
  );
  const field = fc.oneof(text, fc.integer({ min: -2, max: 60 }), fc.constant(null), fc.boolean());
  const record = fc.record(
    {
      ts: fc.oneof(
        fc
          .integer({ min: 0, max: 3600 })
          .map((s) => new Date(Date.UTC(2026, 5, 5) + s * 1000).toISOString()),
        fc.constantFrom("2026-06-05 09:00:01", "not a time", 1_780_000_000),
      ),
      kind: fc.constantFrom(...LEGACY_KINDS, "worker_progress", "sprint_consolidated"),
      tick: fc.integer({ min: 0, max: 4 }),
      issue: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constantFrom("7", "#8")),
      status: fc.constantFrom("merged", "open", "failed", "compensated", "weird"),
      new_state: fc.constantFrom("AWAITING_CRITIC", "abandoned", "merged", "RUNNING"),
      stage: fc.constantFrom("worker", "critic"),
      verdict: fc.constantFrom("approved", "blocked"),
      pr_url: fc.oneof(fc.constant(null), fc.constant("https://github.com/acme/app/pull/3")),
      outcomes: fc.array(
        fc.record({
          issue: fc.integer({ min: 1, max: 9 }),
          status: fc.constantFrom("merged", "failed"),
          note: text,
        }),
        { maxLength: 3 },
      ),
      expanded: fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 3 }),
      session_id: text,
      [SECRET]: field,
      note: text,
      nested: fc.dictionary(text, field, { maxKeys: 3 }),
    },
    { requiredKeys: ["kind"] },
  );
  const line = fc.oneof(
    { weight: 6, arbitrary: record.map(pyDumps) },
    { weight: 1, arbitrary: fc.constantFrom("{not json", "[1, 2]", "", "   ", '"text"') },
  );
  const body = fc.array(line, { maxLength: 30 }).map((lines) => lines.join("\n"));

  const stringsIn = (value: unknown): string[] => {
    if (typeof value === "string") return [value];
    if (value === null || typeof value !== "object") return [];
    if (Array.isArray(value)) return value.flatMap(stringsIn);
    return Object.entries(value).flatMap(([key, item]) => [key, ...stringsIn(item)]);
  };

  it("same rows, counts, malformed and unmapped lines, as the file grows; secrets redacted", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(body, { minLength: 1, maxLength: 2 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 6 }),
        fc.boolean(),
        async (bodies, batchSize, eventsPerCommit, withSecret) => {
          const secrets = withSecret ? [SECRET] : [];
          // Records without a time take the log's clock.
          const clock = new ManualClock();
          const fast = openEventLog(join(dir, `fast${run}.db`), { mode: "writer", clock });
          const slow = openEventLog(join(dir, `slow${run}.db`), { mode: "writer", clock });
          const path = join(dir, `runner${run++}.jsonl`);
          try {
            let text = "";
            // Each pass mirrors the file grown by one more body: earlier records are duplicates.
            for (const more of bodies) {
              text += more;
              writeFileSync(path, text);
              const summary = await mirrorFile(fast, path, { secrets, batchSize, eventsPerCommit });
              expect(counts(summary)).toEqual(counts(mirrorByDefinition(slow, text, secrets)));
            }
            expect(rows(fast)).toEqual(rows(slow));
            expect(fast.verifyChain().ok).toBe(true);
            for (const event of fast.since(0)) {
              for (const s of stringsIn(event.payload)) expect(redact(s, secrets)).toBe(s);
            }
          } finally {
            fast.close();
            slow.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("followFile", () => {
  async function until(check: () => boolean, what: string): Promise<void> {
    for (let waited = 0; !check(); waited += 20) {
      if (waited > 10_000) throw new Error(`timed out waiting for ${what}`);
      await sleep(20);
    }
  }

  it("mirrors what is there, then what is appended and what follows a rotation, until aborted", async () => {
    const records = runnerHistory();
    const path = file("runner.jsonl", pyJsonl(records.slice(0, 5)));
    const controller = new AbortController();
    const progress: MirrorSummary[] = [];
    const following = followFile(log, path, {
      signal: controller.signal,
      pollMs: 50,
      onProgress: (s) => progress.push({ ...s }),
    });
    await until(() => log.head() === 4, "the first records");

    // A line arriving in two writes is mirrored once complete, never as a malformed line.
    const next = pyDumps(records[5]);
    appendFileSync(path, next.slice(0, 20));
    await sleep(150);
    appendFileSync(path, `${next.slice(20)}\n`);
    await until(() => log.head() === 5, "the appended record");

    // The runner rotates its file at boot: the new file is followed from its start.
    renameSync(path, join(dir, "runner.1.jsonl"));
    writeFileSync(path, pyJsonl(records.slice(6)));
    await until(() => log.head() === 21, "the records of the new file");

    controller.abort();
    const summary = await following;
    expect(summary).toMatchObject({ records: 16, eventsAppended: 21, malformedCount: 0 });
    expect(progress.length).toBeGreaterThan(0);
  });

  it("catches up on a big file in slices, several commits, to the log mirrorFile makes", async () => {
    // 400 runner histories an hour apart: 6400 records, more than one slice of the tailer's batch.
    const records = Array.from({ length: 400 }, (_, i) =>
      runnerHistory(Date.UTC(2026, 5, 5) + i * 3_600_000),
    ).flat();
    const path = file("runner.jsonl", pyJsonl(records));
    const other = openEventLog(join(dir, "other.db"), { mode: "writer" });
    const expected = await mirrorFile(other, path);
    let transactions = 0;
    const counting: EventLog = {
      append: (input) => log.append(input),
      appendBatch: (inputs) => log.appendBatch(inputs),
      transaction: (work) => {
        transactions += 1;
        return log.transaction(work);
      },
      since: (after, limit) => log.since(after, limit),
      head: () => log.head(),
      verifyChain: () => log.verifyChain(),
      close: () => log.close(),
    };
    const controller = new AbortController();
    const following = followFile(counting, path, {
      signal: controller.signal,
      pollMs: 50,
      eventsPerCommit: 2000,
    });
    await until(() => log.head() === other.head(), "the catch-up");
    controller.abort();
    expect(counts(await following)).toEqual(counts(expected));
    expect(rows(log)).toEqual(rows(other));
    expect(transactions).toBeGreaterThan(1);
    other.close();
  });

  it("resolves at once when already aborted", async () => {
    const summary = await followFile(log, file("r.jsonl", ""), { signal: AbortSignal.abort() });
    expect(summary.records).toBe(0);
  });

  it("rejects when appending fails, instead of losing records silently", async () => {
    const path = file("runner.jsonl", "");
    const controller = new AbortController();
    const following = followFile(log, path, { signal: controller.signal, pollMs: 50 });
    log.close();
    appendFileSync(path, pyJsonl([{ ts: TS, kind: "worker_failed", issue: 1 }]));
    await expect(following).rejects.toThrow(/not open/);
    controller.abort();
  });
});
