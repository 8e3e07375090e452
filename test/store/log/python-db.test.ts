/**
 * A Python forge-loop `.forge/events.db`, built with its own DDL from the recorded vector
 * rows: opened read-only, read, verified, never migrated.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openEventLog, type SqliteEventLog } from "../../../src/store/log/sqlite-event-log.js";
import {
  createPython338Db,
  createPython339Db,
  loadChainVectors,
} from "../../support/python-events-db.js";

const vectors = loadChainVectors();
const reference = vectors.scheme_339_chain_hash.from_reference_db;
const variant = vectors.scheme_338_event_hash.from_variant_db;

let dir: string;
let opened: SqliteEventLog[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "forge-pydb-"));
  opened = [];
});
afterEach(() => {
  for (const log of opened) if (log.db.open) log.close();
  rmSync(dir, { recursive: true, force: true });
});

function readonly(path: string): SqliteEventLog {
  const log = openEventLog(path, { mode: "readonly" });
  opened.push(log);
  return log;
}

function digest(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

describe("a Python #339 database", () => {
  it("has the same events table as ours, column for column", () => {
    const python = join(dir, "python.db");
    createPython339Db(python, []);
    const ours = join(dir, "ours.db");
    openEventLog(ours, { mode: "writer" }).close();
    const columns = (path: string) => {
      const db = new Database(path, { readonly: true });
      const info = db.prepare("PRAGMA table_info(events)").all();
      db.close();
      return info;
    };
    expect(columns(ours)).toEqual(columns(python));
  });

  it("opens read-only as foreign, reads every row and verifies its chain", () => {
    const path = join(dir, "events.db");
    const chained = reference.slice(0, 3); // consecutive rows 1-3
    createPython339Db(path, chained);
    const log = readonly(path);
    expect(log.isForeign).toBe(true);
    expect(log.head()).toBe(3);
    const events = log.since(0);
    expect(events.map((e) => [e.sequence, e.kind, e.taskId, e.sagaId, e.chainHash])).toEqual(
      chained.map((r) => [r.sequence, r.kind, r.task_id, r.saga_id, r.chain_hash]),
    );
    // Python floats survive as stored text, and parse as numbers.
    expect(events[1]?.payloadJson).toBe(chained[1]?.payload_json);
    expect(events[1]?.payload.issue).toBe(413);
    expect(log.verifyChain()).toEqual({ ok: true, checked: 3, unchained: 0 });
  });

  it("names the row after a gap left by Python's compaction as the first broken one", () => {
    const path = join(dir, "events.db");
    createPython339Db(path, reference); // sequences 1, 2, 3, 8, 271
    const report = readonly(path).verifyChain();
    expect(report.ok).toBe(false);
    expect(report.firstBroken).toMatchObject({
      sequence: 8,
      eventId: reference[3]?.event_id,
      stored: reference[3]?.chain_hash,
      column: "chain_hash",
    });
  });

  it("verifies rows written before the chain existed as unchained, then chains from genesis", () => {
    const path = join(dir, "events.db");
    // Reference row 1 chained from genesis, as Python's writer does after a NULL head...
    createPython339Db(path, [{ ...reference[0]!, sequence: 2 }]);
    // ...behind a row from before the chain existed (NULL hash, and NULL key).
    const db = new Database(path);
    db.prepare(
      `INSERT INTO events (sequence, event_id, kind, payload_json, schema_version, occurred_at)
       VALUES (1, 'old', 'loop.halted', '{}', 1, '2026-01-01T00:00:00+00:00')`,
    ).run();
    db.close();
    const log = readonly(path);
    expect(log.verifyChain()).toEqual({ ok: true, checked: 2, unchained: 1 });
    // A NULL key (Python allows them) reads as "", never a throw.
    expect(log.since(0)[0]).toMatchObject({ idempotencyKey: "", chainHash: null });
  });

  it("is never migrated nor written: writer and observer refuse, the file stays byte-identical", () => {
    const path = join(dir, "events.db");
    createPython339Db(path, reference.slice(0, 3));
    const before = digest(path);
    for (const mode of ["writer", "observer"] as const) {
      expect(() => openEventLog(path, { mode })).toThrow(/written by the Python forge-loop/);
    }
    const log = readonly(path);
    expect(() =>
      log.append({ kind: "control.requested", payload: {}, idempotencyKey: "control.requested:x" }),
    ).toThrow(/read-only \(a Python forge-loop database\)/);
    log.close();
    expect(digest(path)).toBe(before);
    const db = new Database(path, { readonly: true });
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    db.close();
    expect(tables).not.toContain("forge_loop_meta");
    expect(tables).not.toContain("locks");
  });

  it("a writer refuses before touching the journal mode of a non-WAL Python database", () => {
    const path = join(dir, "events.db");
    createPython339Db(path, reference.slice(0, 1));
    const db = new Database(path);
    db.pragma("journal_mode = DELETE");
    db.close();
    const before = digest(path);
    expect(() => openEventLog(path, { mode: "writer" })).toThrow(/Python forge-loop/);
    expect(digest(path)).toBe(before);
    const after = new Database(path, { readonly: true });
    expect(after.pragma("journal_mode", { simple: true })).toBe("delete");
    after.close();
  });

  it("reads a table that lacks later columns (causal_*, chain_hash) as NULLs", () => {
    const path = join(dir, "old.db");
    const db = new Database(path);
    db.exec(`CREATE TABLE events (sequence INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE,
      kind TEXT NOT NULL, payload_json TEXT NOT NULL, schema_version INTEGER NOT NULL,
      occurred_at TEXT NOT NULL, task_id TEXT, saga_id TEXT, idempotency_key TEXT UNIQUE)`);
    db.prepare(
      "INSERT INTO events (event_id, kind, payload_json, schema_version, occurred_at) VALUES (?, ?, ?, ?, ?)",
    ).run("e1", "vision.updated", '{"x":1.0}', 1, "2026-01-01T00:00:00+00:00");
    db.close();
    const log = readonly(path);
    expect(log.info.chainScheme).toBe("none");
    expect(log.since(0)[0]).toMatchObject({
      kind: "vision.updated",
      payload: { x: 1 },
      causalEventId: null,
      causalSequence: null,
      chainHash: null,
    });
    expect(log.verifyChain()).toEqual({ ok: true, checked: 1, unchained: 1 });
  });
});

describe("a Python #338 variant database (prev_hash + event_hash)", () => {
  it("reads and verifies its chain, and names a tampered row", () => {
    const path = join(dir, "variant.db");
    createPython338Db(path, variant.slice(0, 3));
    const log = readonly(path);
    expect(log.info.chainScheme).toBe("event_hash");
    expect(log.since(0).map((e) => e.chainHash)).toEqual(
      variant.slice(0, 3).map((r) => r.event_hash),
    );
    expect(log.verifyChain()).toEqual({ ok: true, checked: 3, unchained: 0 });
    log.close();

    const db = new Database(path);
    db.prepare("UPDATE events SET payload_json = '{}' WHERE sequence = 2").run();
    db.close();
    const tampered = readonly(path).verifyChain();
    expect(tampered.firstBroken).toMatchObject({ sequence: 2, column: "event_hash" });
  });
});
