/**
 * The log's tables and their migrations. `events` and `projection_cursors` are the Python
 * forge-loop's DDL verbatim (EVENTS.md), so its `.forge/events.db` reads the same way; our
 * own metadata (`forge_loop_meta`) is what tells our databases from theirs, and a Python
 * database is never migrated.
 *
 * Other components (projections, queue) create their own tables idempotently; only the
 * tables the log itself owns live here.
 */
import type Database from "better-sqlite3";
import { UserError } from "../../shared/errors.js";

/** The schema version this build writes. */
export const SCHEMA_VERSION = 1;

const META_TABLE = "forge_loop_meta";

interface Migration {
  version: number;
  up(db: Database.Database): void;
}

/** Ordered; each runs once, inside the same immediate transaction as the version bump. */
const migrations: readonly Migration[] = [
  {
    version: 1,
    up: (db) =>
      db.exec(`
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
        );
        CREATE INDEX IF NOT EXISTS events_kind ON events(kind);
        CREATE INDEX IF NOT EXISTS events_task_id ON events(task_id);
        CREATE TABLE IF NOT EXISTS locks (
          name TEXT PRIMARY KEY,
          pid INTEGER NOT NULL,
          host TEXT NOT NULL,
          acquired_at TEXT NOT NULL,
          heartbeat_at TEXT NOT NULL,
          released_at TEXT
        );
      `),
  },
];

/** How a log proves its rows: ours and the Python #339 log use `chain_hash`; the #338 variant `prev_hash` + `event_hash`. */
export type ChainScheme = "chain_hash" | "event_hash" | "none";

export interface DatabaseInfo {
  /** `empty`: no events table yet; `foreign`: an events table without our metadata (Python). */
  origin: "empty" | "ours" | "foreign";
  /** Our schema version; 0 for empty and foreign databases. */
  schemaVersion: number;
  /** Columns of the events table (a foreign table may lack some). */
  eventColumns: ReadonlySet<string>;
  chainScheme: ChainScheme;
}

export function inspectDatabase(db: Database.Database): DatabaseInfo {
  const eventColumns = new Set(
    (db.prepare("PRAGMA table_info(events)").all() as { name: string }[]).map((c) => c.name),
  );
  const chainScheme: ChainScheme = eventColumns.has("chain_hash")
    ? "chain_hash"
    : eventColumns.has("event_hash")
      ? "event_hash"
      : "none";
  if (!tableExists(db, META_TABLE)) {
    return {
      origin: eventColumns.size === 0 ? "empty" : "foreign",
      schemaVersion: 0,
      eventColumns,
      chainScheme,
    };
  }
  const schemaVersion = Number(readMeta(db, "schema_version") ?? 0);
  return { origin: "ours", schemaVersion, eventColumns, chainScheme };
}

/** When the engine last moved the WAL's frames into the database (ISO time). */
export const LAST_CHECKPOINT_KEY = "last_checkpoint_at";

/** One value of our metadata, or undefined (no such key, or not one of our databases). */
export function readMeta(db: Database.Database, key: string): string | undefined {
  if (!tableExists(db, META_TABLE)) return undefined;
  const row = db.prepare(`SELECT value FROM ${META_TABLE} WHERE key = ?`).get(key) as
    | { value: string }
    | undefined;
  return row?.value;
}

/** Sets one value of our metadata (the table exists once `migrate` has run). */
export function writeMeta(db: Database.Database, key: string, value: string): void {
  db.prepare(
    `INSERT INTO ${META_TABLE} (key, value) VALUES (?, ?)
     ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
  ).run(key, value);
}

export function tableExists(db: Database.Database, name: string): boolean {
  return (
    db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !==
    undefined
  );
}

/**
 * Brings a database to SCHEMA_VERSION. Re-inspects inside an immediate transaction, so two
 * engines starting at once cannot both migrate. Refuses a Python database and one written
 * by a newer forge-loop.
 */
export function migrate(db: Database.Database, path: string): void {
  db.transaction(() => {
    const info = inspectDatabase(db);
    refuseForeign(info, path);
    refuseNewer(info, path);
    if (info.schemaVersion === SCHEMA_VERSION) return;
    db.exec(`CREATE TABLE IF NOT EXISTS ${META_TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    for (const migration of migrations) {
      if (migration.version > info.schemaVersion) migration.up(db);
    }
    writeMeta(db, "schema_version", String(SCHEMA_VERSION));
  }).immediate();
}

export function refuseForeign(info: DatabaseInfo, path: string): void {
  if (info.origin !== "foreign") return;
  throw new UserError(
    `${path} was written by the Python forge-loop; forge-loop only reads such a database`,
    "Open it read-only (e.g. `forge-loop doctor --db <path>`), or point --dir at a state directory of its own.",
  );
}

export function refuseNewer(info: DatabaseInfo, path: string): void {
  if (info.schemaVersion <= SCHEMA_VERSION) return;
  throw new UserError(
    `${path} has event log schema ${info.schemaVersion}, newer than this forge-loop understands (${SCHEMA_VERSION})`,
    "Upgrade forge-loop, or open the database read-only.",
  );
}

/**
 * WAL so readers never block the writer; `synchronous=NORMAL` set explicitly (in WAL a
 * commit survives a process crash, and only an OS crash can lose the last commits). The
 * busy timeout, set at connect, makes an engine and a UI appending at once wait for each
 * other instead of failing. A readonly connection changes nothing.
 */
export function applyWritePragmas(
  db: Database.Database,
  mode: "writer" | "observer" | "readonly",
): void {
  // The unique indexes on random event ids and idempotency keys are touched all over on
  // every append: a page cache that holds them (64 MiB, not SQLite's 2 MiB default) keeps a
  // long log's appends from reading index pages back from the OS on every insert.
  db.pragma("cache_size = -65536");
  if (mode === "readonly") return;
  if (mode === "writer") db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
}
