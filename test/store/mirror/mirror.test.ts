/**
 * Mirroring real files into a real SQLite log: counts, idempotency, distinct records,
 * runs, hostile content, redaction, and following a growing (and rotated) file.
 */
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { StoredEvent } from "../../../src/store/contract/envelope.js";
import { openEventLog, type SqliteEventLog } from "../../../src/store/log/sqlite-event-log.js";
import { followFile, type MirrorSummary, mirrorFile } from "../../../src/store/mirror/mirror.js";
import { pyDumps, pyJsonl, runnerHistory } from "../../support/legacy-lines.js";

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
