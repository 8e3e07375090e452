import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UserError } from "../../../src/shared/errors.js";
import type { AppendInput, StoredEvent } from "../../../src/store/contract/envelope.js";
import { chainHash, GENESIS_HASH } from "../../../src/store/log/chain.js";
import { prepareEvent } from "../../../src/store/log/new-event.js";
import {
  type OpenEventLogOptions,
  openEventLog,
  type SqliteEventLog,
} from "../../../src/store/log/sqlite-event-log.js";
import { ManualClock } from "../../support/manual-clock.js";

let dir: string;
let opened: SqliteEventLog[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "forge-log-"));
  opened = [];
});
afterEach(() => {
  for (const log of opened) if (log.db.open) log.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(path: string, options: OpenEventLogOptions): SqliteEventLog {
  const log = openEventLog(path, options);
  opened.push(log);
  return log;
}

const dbPath = () => join(dir, "state", "events.db");

function heartbeat(n: number, extra: Partial<AppendInput> = {}): AppendInput {
  return {
    kind: "task.heartbeat",
    payload: { issue: 42, attempt: 1, turns: n, tool_uses: n * 2, idle_ms: 0 },
    idempotencyKey: `task.heartbeat:issue:42:a1:n${n}`,
    taskId: "issue:42",
    ...extra,
  };
}

function rawDb(path: string): Database.Database {
  return new Database(path);
}

describe("opening", () => {
  it("a writer creates the directory, the Python-compatible tables, WAL and explicit pragmas", () => {
    const log = open(dbPath(), { mode: "writer" });
    expect(existsSync(dbPath())).toBe(true);
    expect(log.isForeign).toBe(false);
    expect(log.db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(log.db.pragma("synchronous", { simple: true })).toBe(1); // NORMAL
    expect(log.db.pragma("busy_timeout", { simple: true })).toBe(5000);
    const tables = log.db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .pluck()
      .all();
    expect(tables).toEqual(
      expect.arrayContaining(["events", "projection_cursors", "locks", "forge_loop_meta"]),
    );
    const indexes = log.db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'")
      .pluck()
      .all();
    expect(indexes).toEqual(expect.arrayContaining(["events_kind", "events_task_id"]));
  });

  it("reopening a writer keeps the events and does not migrate again", () => {
    const first = open(dbPath(), { mode: "writer" });
    first.append(heartbeat(1));
    first.close();
    const again = open(dbPath(), { mode: "writer" });
    expect(again.head()).toBe(1);
    expect(again.info.schemaVersion).toBe(1);
  });

  it("observer and readonly refuse a missing file and create nothing", () => {
    for (const mode of ["observer", "readonly"] as const) {
      expect(() => open(dbPath(), { mode })).toThrow(/no event log at/);
    }
    expect(existsSync(dbPath())).toBe(false);
  });

  it("refuses a file that is not SQLite, and leaves it untouched", () => {
    const path = join(dir, "garbage.db");
    const garbage = "this is not a database\n".repeat(200);
    writeFileSync(path, garbage);
    for (const mode of ["writer", "observer", "readonly"] as const) {
      expect(() => open(path, { mode })).toThrow(/not a readable SQLite database/);
    }
    expect(readFileSync(path, "utf8")).toBe(garbage);
  });

  it("says clearly when the log cannot be created where asked", () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "");
    const error = (() => {
      try {
        open(join(file, "state", "events.db"), { mode: "writer" });
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(/cannot open the event log at .*a-file/);
  });

  it("refuses a SQLite file without an events table unless opened as the writer", () => {
    const path = join(dir, "other.db");
    rawDb(path).exec("CREATE TABLE t (x)").close();
    expect(() => open(path, { mode: "observer" })).toThrow(/no events table/);
    expect(() => open(path, { mode: "readonly" })).toThrow(/no events table/);
  });

  it("refuses to write a log from a newer forge-loop, but still reads it", () => {
    open(dbPath(), { mode: "writer" }).close();
    rawDb(dbPath())
      .exec("UPDATE forge_loop_meta SET value = '99' WHERE key = 'schema_version'")
      .close();
    expect(() => open(dbPath(), { mode: "writer" })).toThrow(/schema 99, newer/);
    expect(() => open(dbPath(), { mode: "observer" })).toThrow(/schema 99, newer/);
    expect(open(dbPath(), { mode: "readonly" }).head()).toBe(0);
  });

  it("an observer never migrates: an older log needs the engine first", () => {
    open(dbPath(), { mode: "writer" }).close();
    rawDb(dbPath())
      .exec("UPDATE forge_loop_meta SET value = '0' WHERE key = 'schema_version'")
      .close();
    const error = (() => {
      try {
        open(dbPath(), { mode: "observer" });
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).hint).toMatch(/forge-loop run/);
  });
});

describe("append", () => {
  it("stores the event with a random id, the clock's time, canonical payload and chained hash", () => {
    const clock = new ManualClock();
    const log = open(dbPath(), { mode: "writer", clock });
    const { event, inserted } = log.append({
      kind: "task.dispatched",
      payload: {
        worktree: "/wt/42",
        issue: 42,
        attempt: 1,
        nested: { b: 1, a: [2, { d: 1, c: 0 }] },
      },
      idempotencyKey: "task.dispatched:issue:42:a1",
      taskId: "issue:42",
      sagaId: "tick:3",
    });
    expect(inserted).toBe(true);
    expect(event.sequence).toBe(1);
    expect(event.eventId).toMatch(/^[0-9a-f]{32}$/);
    expect(event.occurredAt).toBe("2026-06-05T09:00:00.000Z");
    expect(event.payloadJson).toBe(
      '{"attempt":1,"issue":42,"nested":{"a":[2,{"c":0,"d":1}],"b":1},"worktree":"/wt/42"}',
    );
    expect(event.chainHash).toBe(
      chainHash(GENESIS_HASH, {
        event_id: event.eventId,
        idempotency_key: "task.dispatched:issue:42:a1",
        kind: "task.dispatched",
        occurred_at: event.occurredAt,
        payload_json: event.payloadJson,
        saga_id: "tick:3",
        schema_version: 1,
        task_id: "issue:42",
      }),
    );
    expect(log.since(0)).toEqual([event]);
  });

  it("keeps an occurredAt the input gives (the legacy mirror's own ts)", () => {
    const log = open(dbPath(), { mode: "writer" });
    const { event } = log.append(heartbeat(1, { occurredAt: "2026-06-05T09:03:33.588Z" }));
    expect(event.occurredAt).toBe("2026-06-05T09:03:33.588Z");
  });

  it("is idempotent: an existing key returns the stored event and writes nothing", () => {
    const log = open(dbPath(), { mode: "writer" });
    const first = log.append(heartbeat(1));
    const again = log.append({ ...heartbeat(1), payload: { different: true } });
    expect(again.inserted).toBe(false);
    expect(again.event).toEqual(first.event);
    expect(log.head()).toBe(1);
    expect(log.verifyChain().ok).toBe(true);
  });

  it("keeps causal links", () => {
    const log = open(dbPath(), { mode: "writer" });
    const request = log.append({
      kind: "control.requested",
      payload: { request_id: "r1", command: "halt", by: "operator" },
      idempotencyKey: "control.requested:r1",
    });
    const { event } = log.append({
      kind: "control.applied",
      payload: { request_id: "r1", command: "halt", result: "applied" },
      idempotencyKey: "control.applied:r1",
      causalEventId: request.event.eventId,
      causalSequence: request.event.sequence,
    });
    expect(log.since(1)[0]).toMatchObject({
      causalEventId: request.event.eventId,
      causalSequence: 1,
    });
    expect(event.causalSequence).toBe(1);
  });

  it("round-trips any text in a payload: astral characters, lone surrogates, controls", () => {
    const log = open(dbPath(), { mode: "writer" });
    const title = "Résumé 😀 \ud800 lone \udfff \u0000\x7f \u2028 日本";
    const { event } = log.append({
      kind: "task.planned",
      payload: { issue: 1, title, labels: [] },
      idempotencyKey: `task.planned:${title}`,
    });
    const [read] = open(dbPath(), { mode: "readonly" }).since(0);
    // The payload keeps every code unit (JSON escapes lone surrogates)...
    expect(read?.payload.title).toBe(title);
    // ...while a column cannot hold a lone surrogate: it is stored, hashed and returned as U+FFFD.
    expect(read?.idempotencyKey).toBe(`task.planned:${title.replace(/\ud800|\udfff/g, "\ufffd")}`);
    expect(read).toEqual(event);
    expect(log.verifyChain().ok).toBe(true);
    const again = log.append({
      kind: "task.planned",
      payload: {},
      idempotencyKey: `task.planned:${title}`,
    });
    expect(again).toEqual({ event, inserted: false });
  });

  it("stores and chains a huge payload (an 8 MiB output tail) like any other", () => {
    const log = open(dbPath(), { mode: "writer" });
    const tail = `${"npm ERR! ".repeat(113)}é\n`.repeat(8 * 1024);
    const { event } = log.append({
      kind: "checks.completed",
      payload: { issue: 1, attempt: 1, passed: false, results: [{ output_tail: tail }] },
      idempotencyKey: "checks.completed:issue:1:a1",
    });
    const read = log.since(0)[0]!;
    expect((read.payload.results as { output_tail: string }[])[0]?.output_tail).toBe(tail);
    expect(read.chainHash).toBe(event.chainHash);
    expect(log.verifyChain().ok).toBe(true);
  });

  it("rejects malformed inputs before writing anything", () => {
    const log = open(dbPath(), { mode: "writer" });
    const bad: unknown[] = [
      { ...heartbeat(1), idempotencyKey: "" },
      { ...heartbeat(1), idempotencyKey: undefined },
      { ...heartbeat(1), kind: "" },
      { ...heartbeat(1), payload: null },
      { ...heartbeat(1), payload: [1, 2] },
      { ...heartbeat(1), payload: "text" },
    ];
    for (const input of bad) {
      expect(() => log.appendBatch([heartbeat(2), input as AppendInput])).toThrow(TypeError);
    }
    expect(log.head()).toBe(0);
  });
});

describe("appendBatch", () => {
  it("returns results in input order; duplicates inside the batch and against the log return the stored event", () => {
    const log = open(dbPath(), { mode: "writer" });
    const earlier = log.append(heartbeat(1)).event;
    const results = log.appendBatch([heartbeat(2), heartbeat(1), heartbeat(3), heartbeat(2)]);
    expect(results.map((r) => r.inserted)).toEqual([true, false, true, false]);
    expect(results[1]?.event).toEqual(earlier);
    expect(results[3]?.event).toEqual(results[0]?.event);
    expect(results.map((r) => r.event.sequence)).toEqual([2, 1, 3, 2]);
    expect(log.head()).toBe(3);
    expect(log.verifyChain()).toMatchObject({ ok: true, checked: 3 });
  });

  it("is all or nothing: a failure mid-batch leaves no trace and the chain continues cleanly", () => {
    const log = open(dbPath(), { mode: "writer" });
    log.append(heartbeat(1));
    const poisoned = { ...heartbeat(4), payload: { big: 10n } }; // BigInt: JSON cannot hold it
    expect(() => log.appendBatch([heartbeat(2), heartbeat(3), poisoned])).toThrow(/BigInt/);
    expect(log.head()).toBe(1);
    expect(log.since(0).map((e) => e.idempotencyKey)).toEqual([heartbeat(1).idempotencyKey]);
    expect(log.append(heartbeat(2)).event.sequence).toBe(2);
    expect(log.verifyChain()).toMatchObject({ ok: true, checked: 2 });
  });

  it("an empty batch writes nothing", () => {
    const log = open(dbPath(), { mode: "writer" });
    expect(log.appendBatch([])).toEqual([]);
    expect(log.head()).toBe(0);
  });

  it("finds stored keys across a batch bigger than one lookup, odd keys included", () => {
    const log = open(dbPath(), { mode: "writer" });
    const odd = [
      "nul\u0000key",
      "lone \ud800 half",
      'quote " and \\',
      "astral 😀",
      "é".repeat(300),
    ];
    const inputs = [
      ...odd.map((key, i) => heartbeat(i, { idempotencyKey: key })),
      ...Array.from({ length: 1500 }, (_, i) => heartbeat(i + 10)),
    ];
    // Every third one first, so stored keys sit in every chunk of the big batch's lookups.
    const first = log.appendBatch(inputs.filter((_, i) => i % 3 === 0));
    const all = log.appendBatch(inputs);
    expect(all.filter((r) => r.inserted)).toHaveLength(inputs.length - first.length);
    all.forEach((result, i) => {
      if (i % 3 === 0) expect(result).toEqual({ event: first[i / 3]!.event, inserted: false });
    });
    const again = log.appendBatch(inputs);
    expect(again.every((r) => !r.inserted)).toBe(true);
    expect(again.map((r) => r.event)).toEqual(all.map((r) => r.event));
    expect(log.head()).toBe(inputs.length);
    expect(log.verifyChain()).toMatchObject({ ok: true, checked: inputs.length });
  });
});

describe("transaction", () => {
  it("commits the appends inside it together, duplicates across its batches found", () => {
    const log = open(dbPath(), { mode: "writer" });
    const reader = open(dbPath(), { mode: "readonly" });
    log.append(heartbeat(1));
    const results = log.transaction(() => {
      const a = log.appendBatch([heartbeat(1), heartbeat(2)]);
      const b = log.appendBatch([heartbeat(2), heartbeat(3)]);
      expect(reader.head()).toBe(1); // nothing visible before the commit
      return [...a, ...b];
    });
    expect(results.map((r) => [r.event.sequence, r.inserted])).toEqual([
      [1, false],
      [2, true],
      [2, false],
      [3, true],
    ]);
    expect(reader.head()).toBe(3);
    expect(log.verifyChain()).toMatchObject({ ok: true, checked: 3 });
  });

  it("rolls back everything appended inside it when its work throws", () => {
    const log = open(dbPath(), { mode: "writer" });
    log.append(heartbeat(1));
    expect(() =>
      log.transaction(() => {
        log.appendBatch([heartbeat(2), heartbeat(3)]);
        throw new Error("stop");
      }),
    ).toThrow("stop");
    expect(log.head()).toBe(1);
    expect(log.append(heartbeat(2)).event.sequence).toBe(2);
    expect(log.verifyChain()).toMatchObject({ ok: true, checked: 2 });
  });

  it("fails as a whole when an append inside fails, even if the work catches it", () => {
    const log = open(dbPath(), { mode: "writer" });
    const poisoned = { ...heartbeat(9), payload: { big: 10n } };
    expect(() =>
      log.transaction(() => {
        log.appendBatch([heartbeat(1)]);
        expect(() => log.appendBatch([heartbeat(2), poisoned])).toThrow(/BigInt/);
        // The failed batch may have half-written: nothing more goes in, nothing commits.
        expect(() => log.appendBatch([heartbeat(3)])).toThrow(/BigInt/);
        expect(() => log.transaction(() => 1)).toThrow(/BigInt/);
      }),
    ).toThrow(/BigInt/);
    expect(log.head()).toBe(0);
    expect(log.appendBatch([heartbeat(1), heartbeat(2)]).map((r) => r.event.sequence)).toEqual([
      1, 2,
    ]);
  });

  it("joins an outer transaction when nested; a failure inside fails the outer one", () => {
    const log = open(dbPath(), { mode: "writer" });
    log.transaction(() => {
      log.transaction(() => log.appendBatch([heartbeat(1)]));
      log.appendBatch([heartbeat(2)]);
    });
    expect(log.head()).toBe(2);
    expect(() =>
      log.transaction(() => {
        log.appendBatch([heartbeat(3)]);
        try {
          log.transaction(() => {
            throw new Error("inner");
          });
        } catch {
          // caught, yet the outer transaction cannot commit
        }
      }),
    ).toThrow("inner");
    expect(log.head()).toBe(2);
  });

  it("is refused on a read-only log", () => {
    open(dbPath(), { mode: "writer" }).close();
    const log = open(dbPath(), { mode: "readonly" });
    expect(() => log.transaction(() => 1)).toThrow(UserError);
  });
});

describe("reading", () => {
  it("since() pages in sequence order; a reopened log reads the same events", () => {
    const log = open(dbPath(), { mode: "writer" });
    const written = log
      .appendBatch(Array.from({ length: 25 }, (_, i) => heartbeat(i)))
      .map((r) => r.event);
    expect(log.since(0)).toEqual(written);
    expect(log.since(10, 5).map((e) => e.sequence)).toEqual([11, 12, 13, 14, 15]);
    expect(log.since(25)).toEqual([]);
    expect(log.since(1000)).toEqual([]);
    log.close();
    const reader = open(dbPath(), { mode: "readonly" });
    expect(reader.since(0)).toEqual(written);
    expect(reader.head()).toBe(25);
    expect(reader.verifyChain()).toEqual({ ok: true, checked: 25, unchained: 0 });
  });

  it("a bad stored payload is read with payloadError, never a throw", () => {
    const log = open(dbPath(), { mode: "writer" });
    log.appendBatch([heartbeat(1), heartbeat(2), heartbeat(3)]);
    const raw = rawDb(dbPath());
    raw.prepare("UPDATE events SET payload_json = ? WHERE sequence = 1").run("{torn");
    raw.prepare("UPDATE events SET payload_json = ? WHERE sequence = 2").run("[1,2]");
    raw.close();
    const [torn, array, fine] = log.since(0);
    expect(torn).toMatchObject({ payload: {}, payloadJson: "{torn" });
    expect(torn?.payloadError).toMatch(/not JSON/);
    expect(array?.payloadError).toMatch(/an array/);
    expect(fine?.payloadError).toBeUndefined();
  });

  it("dataVersion() tells an observer that another connection committed", () => {
    const writer = open(dbPath(), { mode: "writer" });
    const observer = open(dbPath(), { mode: "observer" });
    const before = observer.dataVersion();
    expect(observer.dataVersion()).toBe(before);
    writer.append(heartbeat(1));
    const after = observer.dataVersion();
    expect(after).not.toBe(before);
    expect(observer.dataVersion()).toBe(after);
  });
});

describe("modes", () => {
  it("a readonly log reads but refuses appends clearly", () => {
    open(dbPath(), { mode: "writer" }).append(heartbeat(1));
    const reader = open(dbPath(), { mode: "readonly" });
    expect(() => reader.append(heartbeat(2))).toThrow(/open read-only/);
    expect(reader.head()).toBe(1);
  });

  it("an observer appends operator commands only", () => {
    const writer = open(dbPath(), { mode: "writer" });
    writer.append(heartbeat(1));
    const ui = open(dbPath(), { mode: "observer" });
    const { event } = ui.append({
      kind: "control.requested",
      payload: { request_id: "r1", command: "halt", by: "operator" },
      idempotencyKey: "control.requested:r1",
    });
    expect(event.sequence).toBe(2);
    expect(() => ui.append(heartbeat(3))).toThrow(/may only append control.requested/);
    expect(writer.head()).toBe(2);
  });

  it("writer and observer appending alternately from separate connections keep one chain", () => {
    const writer = open(dbPath(), { mode: "writer" });
    const ui = open(dbPath(), { mode: "observer" });
    for (let i = 0; i < 20; i++) {
      writer.append(heartbeat(i));
      ui.append({
        kind: "control.requested",
        payload: { request_id: `r${i}`, command: "resume", by: "operator" },
        idempotencyKey: `control.requested:r${i}`,
      });
    }
    expect(writer.verifyChain()).toEqual({ ok: true, checked: 40, unchained: 0 });
  });
});

describe("AppendObserver", () => {
  function recordingObserver(throwOn?: string) {
    const calls: { keys: string[]; inTransaction: boolean }[] = [];
    return {
      calls,
      afterInsert(db: Database.Database, events: readonly StoredEvent[]) {
        calls.push({ keys: events.map((e) => e.idempotencyKey), inTransaction: db.inTransaction });
        db.exec("CREATE TABLE IF NOT EXISTS folded (key TEXT)");
        const insert = db.prepare("INSERT INTO folded (key) VALUES (?)");
        for (const e of events) insert.run(e.idempotencyKey);
        if (events.some((e) => e.idempotencyKey === throwOn)) throw new Error("projection failed");
      },
    };
  }

  it("sees only newly inserted events, inside the append transaction", () => {
    const observer = recordingObserver();
    const log = open(dbPath(), { mode: "writer", observer });
    log.append(heartbeat(1));
    log.appendBatch([heartbeat(1), heartbeat(2), heartbeat(3)]);
    log.append(heartbeat(3)); // all duplicates: not called
    expect(observer.calls).toEqual([
      { keys: [heartbeat(1).idempotencyKey], inTransaction: true },
      { keys: [heartbeat(2).idempotencyKey, heartbeat(3).idempotencyKey], inTransaction: true },
    ]);
  });

  it("is called for each batch inside a transaction, which a throwing one fails", () => {
    const observer = recordingObserver(heartbeat(4).idempotencyKey);
    const log = open(dbPath(), { mode: "writer", observer });
    log.transaction(() => {
      log.appendBatch([heartbeat(1)]);
      log.appendBatch([heartbeat(1), heartbeat(2)]);
    });
    expect(observer.calls.map((c) => c.keys)).toEqual([
      [heartbeat(1).idempotencyKey],
      [heartbeat(2).idempotencyKey],
    ]);
    expect(() =>
      log.transaction(() => {
        log.appendBatch([heartbeat(3)]);
        log.appendBatch([heartbeat(4)]);
      }),
    ).toThrow(/projection failed/);
    expect(log.head()).toBe(2);
    expect(log.db.prepare("SELECT key FROM folded").pluck().all()).toHaveLength(2);
  });

  it("a throwing observer rolls back the events and its own writes together", () => {
    const observer = recordingObserver(heartbeat(3).idempotencyKey);
    const log = open(dbPath(), { mode: "writer", observer });
    log.append(heartbeat(1));
    expect(() => log.appendBatch([heartbeat(2), heartbeat(3)])).toThrow(/projection failed/);
    expect(log.head()).toBe(1);
    expect(log.db.prepare("SELECT key FROM folded").pluck().all()).toEqual([
      heartbeat(1).idempotencyKey,
    ]);
  });
});

describe("verifyChain", () => {
  function logWith(n: number): SqliteEventLog {
    const log = open(dbPath(), { mode: "writer" });
    log.appendBatch(Array.from({ length: n }, (_, i) => heartbeat(i + 1)));
    return log;
  }

  it("passes on an untouched log (positive control)", () => {
    expect(logWith(10).verifyChain()).toEqual({ ok: true, checked: 10, unchained: 0 });
  });

  const tampers: [string, string][] = [
    ["a payload edited", "UPDATE events SET payload_json = '{\"issue\":43}' WHERE sequence = 5"],
    ["a kind edited", "UPDATE events SET kind = 'task.completed' WHERE sequence = 5"],
    [
      "a time edited",
      "UPDATE events SET occurred_at = '2020-01-01T00:00:00.000Z' WHERE sequence = 5",
    ],
    ["a hash erased", "UPDATE events SET chain_hash = NULL WHERE sequence = 5"],
    ["a hash forged", `UPDATE events SET chain_hash = '${"f".repeat(64)}' WHERE sequence = 5`],
  ];
  for (const [what, sql] of tampers) {
    it(`names the first broken row: ${what}`, () => {
      const log = logWith(10);
      const stored = log.since(4, 1)[0]!;
      rawDb(dbPath()).exec(sql).close();
      const report = log.verifyChain();
      expect(report.ok).toBe(false);
      expect(report.checked).toBe(5);
      expect(report.firstBroken).toMatchObject({ sequence: 5, eventId: stored.eventId });
      expect(report.firstBroken?.expected).toMatch(/^[0-9a-f]{64}$/);
    });
  }

  it("a deleted row breaks the chain at the row after it", () => {
    const log = logWith(10);
    rawDb(dbPath()).exec("DELETE FROM events WHERE sequence = 4").close();
    expect(log.verifyChain().firstBroken?.sequence).toBe(5);
  });
});

describe("properties", () => {
  const keyPool = Array.from({ length: 30 }, (_, i) => heartbeat(i));
  const op = fc.oneof(
    fc.nat({ max: 29 }).map((i) => [keyPool[i]!]),
    fc.array(
      fc.nat({ max: 29 }).map((i) => keyPool[i]!),
      { maxLength: 8 },
    ),
  );

  it("sequences strictly increase, each key is stored once, and re-appending any subset adds nothing", () => {
    let run = 0;
    fc.assert(
      fc.property(fc.array(op, { maxLength: 12 }), fc.subarray(keyPool), (ops, subset) => {
        const log = open(join(dir, `p${run++}.db`), { mode: "writer" });
        const inserted: number[] = [];
        const sequenceOfKey = new Map<string, number>();
        for (const batch of ops) {
          for (const result of log.appendBatch(batch)) {
            const known = sequenceOfKey.get(result.event.idempotencyKey);
            if (result.inserted) {
              expect(known).toBeUndefined();
              inserted.push(result.event.sequence);
              sequenceOfKey.set(result.event.idempotencyKey, result.event.sequence);
            } else {
              expect(result.event.sequence).toBe(known);
            }
          }
        }
        for (let i = 1; i < inserted.length; i++)
          expect(inserted[i]!).toBeGreaterThan(inserted[i - 1]!);
        const head = log.head();
        const stored = subset.filter((input) => sequenceOfKey.has(input.idempotencyKey));
        const again = log.appendBatch(stored);
        expect(again.every((r) => !r.inserted)).toBe(true);
        expect(log.head()).toBe(head);
        expect(log.verifyChain()).toMatchObject({ ok: true, checked: sequenceOfKey.size });
        log.close();
      }),
      { numRuns: 60 },
    );
  });

  it("batches appended inside one transaction give what they give appended one by one", () => {
    let run = 0;
    const outcome = (results: { event: StoredEvent; inserted: boolean }[]) =>
      results.map(({ event, inserted }) => [
        event.sequence,
        event.idempotencyKey,
        event.payloadJson,
        inserted,
      ]);
    fc.assert(
      fc.property(fc.array(op, { maxLength: 12 }), (ops) => {
        const alone = open(join(dir, `alone${run}.db`), { mode: "writer" });
        const together = open(join(dir, `together${run++}.db`), { mode: "writer" });
        const one = ops.map((batch) => outcome(alone.appendBatch(batch)));
        const all = together.transaction(() =>
          ops.map((batch) => outcome(together.appendBatch(batch))),
        );
        expect(all).toEqual(one);
        const rows = (log: SqliteEventLog) =>
          log.since(0).map((e) => [e.sequence, e.idempotencyKey, e.payloadJson]);
        expect(rows(together)).toEqual(rows(alone));
        expect(together.verifyChain().ok).toBe(true);
        alone.close();
        together.close();
      }),
      { numRuns: 40 },
    );
  });
});

/** Rows prepared as the legacy mirror's worker prepares them, timed by the log's clock. */
function prepared(log: SqliteEventLog, inputs: AppendInput[]) {
  return inputs.map((input) => prepareEvent(input, () => log.nowIso()));
}

describe("appendPrepared", () => {
  const rows = (log: SqliteEventLog) =>
    log.since(0).map(({ eventId: _id, chainHash: _hash, ...rest }) => rest);

  it("stores the rows appendBatch stores, chained after the head, the observer told", () => {
    const clock = new ManualClock();
    const folded: StoredEvent[] = [];
    const inputs = [heartbeat(1), heartbeat(2, { causalEventId: "e1", causalSequence: 1 })];
    const batch = open(join(dir, "batch.db"), { mode: "writer", clock });
    const log = open(dbPath(), {
      mode: "writer",
      clock,
      observer: { afterInsert: (_db, events) => folded.push(...events) },
    });
    batch.appendBatch([heartbeat(0), ...inputs]);
    log.append(heartbeat(0));
    // Prepared before another event is appended: chained after it all the same.
    const rowsOf = prepared(log, inputs);
    log.append(heartbeat(9));
    batch.append(heartbeat(9));
    log.appendPrepared(rowsOf);
    batch.appendBatch(inputs);
    expect(rows(log).map((e) => e.idempotencyKey)).toEqual(
      [0, 9, 1, 2].map((n) => heartbeat(n).idempotencyKey),
    );
    expect(rows(log).slice(2)).toEqual(
      rows(batch)
        .slice(1, 3)
        .map((e, i) => ({ ...e, sequence: i + 3 })),
    );
    expect(folded.slice(2)).toEqual(log.since(2));
    expect(log.verifyChain()).toMatchObject({ ok: true, checked: 4 });
  });

  it("looks up the keys of the rows it is told are unsure, and skips those it holds", () => {
    const log = open(dbPath(), { mode: "writer" });
    log.append(heartbeat(1));
    const rows = prepared(log, [heartbeat(1), heartbeat(2), heartbeat(2), heartbeat(3)]);
    expect(log.appendPrepared(rows, [0, 2, 3])).toBe(2);
    expect(log.since(0).map((e) => e.idempotencyKey)).toEqual(
      [1, 2, 3].map((n) => heartbeat(n).idempotencyKey),
    );
    expect(log.verifyChain().ok).toBe(true);
  });

  it("joins a transaction in progress, which a duplicate key fails; the writer alone may", () => {
    const log = open(dbPath(), { mode: "writer" });
    log.append(heartbeat(1));
    expect(() =>
      log.transaction(() => {
        log.appendPrepared(prepared(log, [heartbeat(2)]));
        log.appendPrepared(prepared(log, [heartbeat(1)]));
      }),
    ).toThrow(/UNIQUE constraint failed/);
    expect(log.head()).toBe(1);
    const ui = open(dbPath(), { mode: "observer" });
    expect(() => ui.appendPrepared(prepared(ui, [heartbeat(3)]))).toThrow(/only the writer/);
  });
});

describe("openTransaction", () => {
  it("holds what is appended, across awaits, until committed; rolled back, nothing", async () => {
    const log = open(dbPath(), { mode: "writer" });
    const reader = open(dbPath(), { mode: "readonly" });
    const kept = log.openTransaction();
    log.append(heartbeat(1));
    await new Promise((resolve) => setTimeout(resolve, 10));
    log.appendBatch([heartbeat(2)]);
    expect(reader.head()).toBe(0);
    kept.commit();
    expect(reader.head()).toBe(2);
    const dropped = log.openTransaction();
    log.append(heartbeat(3));
    dropped.rollback();
    dropped.rollback();
    expect(log.head()).toBe(2);
    expect(log.verifyChain().ok).toBe(true);
  });

  it("fails as a whole when an append inside failed: commit rolls back and throws", () => {
    const log = open(dbPath(), { mode: "writer" });
    const transaction = log.openTransaction();
    log.append(heartbeat(1));
    expect(() => log.appendPrepared(prepared(log, [heartbeat(1)]))).toThrow(/UNIQUE/);
    expect(() => log.append(heartbeat(2))).toThrow(/UNIQUE/);
    expect(() => transaction.commit()).toThrow(/UNIQUE/);
    expect(log.head()).toBe(0);
    // Ended: the log takes appends (and transactions) again.
    log.append(heartbeat(2));
    expect(log.head()).toBe(1);
  });

  it("one at a time; refused on a read-only log", () => {
    const log = open(dbPath(), { mode: "writer" });
    const transaction = log.openTransaction();
    expect(() => log.openTransaction()).toThrow(/already open/);
    transaction.commit();
    expect(() => open(dbPath(), { mode: "readonly" }).openTransaction()).toThrow(/read-only/);
  });
});

describe("key lookups", () => {
  it("heldKeys says which keys the log holds, however many are asked", () => {
    const log = open(dbPath(), { mode: "writer" });
    const stored = Array.from({ length: 700 }, (_, i) => heartbeat(i * 2));
    log.appendBatch(stored);
    const asked = Array.from({ length: 1400 }, (_, i) => heartbeat(i).idempotencyKey);
    expect([...log.heldKeys(asked)].sort()).toEqual(stored.map((e) => e.idempotencyKey).sort());
    expect(log.heldKeys([])).toEqual(new Set());
  });

  it("holdsKeyStartingWith probes for a prefix", () => {
    const log = open(dbPath(), { mode: "writer" });
    expect(log.holdsKeyStartingWith("task.heartbeat:")).toBe(false);
    expect(log.holdsKeyStartingWith("")).toBe(false);
    log.append(heartbeat(1));
    expect(log.holdsKeyStartingWith("task.heartbeat:")).toBe(true);
    expect(log.holdsKeyStartingWith("task.heartbeat;")).toBe(false);
    expect(log.holdsKeyStartingWith("task.")).toBe(true);
    expect(log.holdsKeyStartingWith("mirror:")).toBe(false);
    expect(log.holdsKeyStartingWith("")).toBe(true);
  });
});
