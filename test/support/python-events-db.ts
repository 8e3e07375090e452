/**
 * Python forge-loop databases built with raw SQL: the DDL of its `eventlog/sqlite.py`
 * (#339, `chain_hash`) or of the #338 variant (`prev_hash` + `event_hash`), filled with the
 * rows of the recorded chain vectors. No code of ours touches them before the test opens them.
 */
import { readFileSync } from "node:fs";
import Database from "better-sqlite3";

const vectorsUrl = new URL("./fixtures/python-chain-vectors.json", import.meta.url);

interface VectorFields {
  event_id: string;
  kind: string;
  payload_json: string;
  schema_version: number;
  occurred_at: string;
  task_id: string | null;
  saga_id: string | null;
  idempotency_key: string | null;
}

export interface Vector339 extends VectorFields {
  sequence: number;
  prev_chain_hash: string;
  canonical_fields: string;
  sha256_input: string;
  chain_hash: string;
}

export interface Vector338 extends VectorFields {
  sequence: number;
  prev_hash: string;
  material: string;
  event_hash: string;
}

export interface ChainVectors {
  scheme_339_chain_hash: {
    genesis: string;
    from_reference_db: Vector339[];
    synthetic_non_ascii: Omit<Vector339, "sequence" | "sha256_input">;
  };
  scheme_338_event_hash: {
    genesis: string;
    from_variant_db: Vector338[];
    synthetic_non_ascii: Omit<Vector338, "sequence">;
  };
}

export function loadChainVectors(): ChainVectors {
  return JSON.parse(readFileSync(vectorsUrl, "utf8")) as ChainVectors;
}

const pythonDdl339 = `
CREATE TABLE IF NOT EXISTS events (
    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    payload_json TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    occurred_at TEXT NOT NULL,
    task_id TEXT,
    saga_id TEXT,
    causal_event_id TEXT,
    causal_sequence INTEGER,
    idempotency_key TEXT UNIQUE,
    chain_hash TEXT
);
CREATE TABLE IF NOT EXISTS projection_cursors (
    projection_name TEXT PRIMARY KEY,
    sequence INTEGER NOT NULL
);`;

const pythonDdl338 = pythonDdl339.replace(
  "chain_hash TEXT",
  "prev_hash TEXT,\n    event_hash TEXT",
);

/** A #339 Python events.db holding the given vector rows (with their recorded sequences). */
export function createPython339Db(path: string, rows: readonly Vector339[]): void {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.exec(pythonDdl339);
  const insert = db.prepare(
    `INSERT INTO events (sequence, event_id, kind, payload_json, schema_version, occurred_at,
       task_id, saga_id, idempotency_key, chain_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const r of rows) {
    insert.run(
      r.sequence,
      r.event_id,
      r.kind,
      r.payload_json,
      r.schema_version,
      r.occurred_at,
      r.task_id,
      r.saga_id,
      r.idempotency_key,
      r.chain_hash,
    );
  }
  db.close();
}

/** A #338 variant events.db holding the given vector rows. */
export function createPython338Db(path: string, rows: readonly Vector338[]): void {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.exec(pythonDdl338);
  const insert = db.prepare(
    `INSERT INTO events (sequence, event_id, kind, payload_json, schema_version, occurred_at,
       task_id, saga_id, idempotency_key, prev_hash, event_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const r of rows) {
    insert.run(
      r.sequence,
      r.event_id,
      r.kind,
      r.payload_json,
      r.schema_version,
      r.occurred_at,
      r.task_id,
      r.saga_id,
      r.idempotency_key,
      r.prev_hash,
      r.event_hash,
    );
  }
  db.close();
}
