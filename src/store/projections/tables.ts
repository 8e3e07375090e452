/**
 * The materialised projection tables: one table per projection,
 * `proj_<name>(key TEXT PRIMARY KEY, ord INTEGER NOT NULL, snap_id INTEGER, json TEXT NOT NULL)`,
 * where `ord` orders the rows the way the in-memory fold's Map orders its keys (by first
 * insertion), so `retain` eviction and readers see the same order live, rebuilt or
 * replayed; `snap_id` is the row's version in `snapshot_rows` while it has not changed since
 * the last snapshot (NULL once it has). `json` comes last so that reading the other columns
 * never touches a big row's overflow pages. `projection_cursors` (EVENTS.md) records the
 * last sequence folded into each table.
 */
import type Database from "better-sqlite3";
import { readMeta, writeMeta } from "../log/schema.js";
import type { AnyProjection } from "./all.js";
import { emptyState } from "./fold.js";
import type { LoopState, ProjectionName } from "./types.js";

export function tableOf(name: string): string {
  // Names come from code, never from input; the check keeps SQL built from them safe.
  if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`invalid projection name: ${name}`);
  return `proj_${name}`;
}

/**
 * The version of what the reducers make of the events. Bump it whenever a reducer folds the
 * same events into different rows: tables an older build wrote are then not trusted —
 * readers fold the log themselves, and the writer rebuilds them when it opens the store.
 */
export const PROJECTIONS_VERSION = 3;
const VERSION_KEY = "projections_version";

/** The version of the reducers that folded the tables; undefined before this was recorded. */
export function storedProjectionsVersion(db: Database.Database): string | undefined {
  return readMeta(db, VERSION_KEY);
}

/** True when the tables were folded by reducers of this build's `PROJECTIONS_VERSION`. */
export function projectionsVersionIsCurrent(db: Database.Database): boolean {
  return storedProjectionsVersion(db) === String(PROJECTIONS_VERSION);
}

export function recordProjectionsVersion(db: Database.Database): void {
  writeMeta(db, VERSION_KEY, String(PROJECTIONS_VERSION));
}

const cursorDdl =
  "CREATE TABLE IF NOT EXISTS projection_cursors (projection_name TEXT PRIMARY KEY, sequence INTEGER)";

/** Creates the tables (idempotent); a projection new to this database gets cursor 0. */
export function ensureProjectionTables(
  db: Database.Database,
  projections: readonly AnyProjection[],
): void {
  db.transaction(() => {
    db.exec(cursorDdl);
    const addCursor = db.prepare(
      "INSERT OR IGNORE INTO projection_cursors (projection_name, sequence) VALUES (?, 0)",
    );
    for (const { name } of projections) {
      const table = tableOf(name);
      db.exec(
        `CREATE TABLE IF NOT EXISTS ${table} (key TEXT PRIMARY KEY, ord INTEGER NOT NULL, snap_id INTEGER, json TEXT NOT NULL);
         CREATE INDEX IF NOT EXISTS ${table}_ord ON ${table} (ord);`,
      );
      addCursor.run(name);
    }
  }).immediate();
}

/**
 * True when every projection has its table and a cursor row (a database we materialise),
 * folded by this build's reducers.
 */
export function projectionTablesExist(
  db: Database.Database,
  projections: readonly AnyProjection[],
): boolean {
  const names = new Set(
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[],
  );
  if (!names.has("projection_cursors")) return false;
  if (!projections.every((p) => names.has(tableOf(p.name)))) return false;
  const cursors = readCursors(db);
  return projections.every((p) => cursors.has(p.name)) && projectionsVersionIsCurrent(db);
}

export function readCursors(db: Database.Database): Map<string, number> {
  const rows = db
    .prepare("SELECT projection_name, sequence FROM projection_cursors")
    .raw()
    .all() as [string, number | null][];
  return new Map(rows.map(([name, seq]) => [name, seq ?? 0]));
}

/**
 * The sequence every projection has folded to, or undefined when they disagree (a
 * projection was added, or the tables were tampered with): the caller then rebuilds.
 */
export function commonCursor(
  db: Database.Database,
  projections: readonly AnyProjection[],
): number | undefined {
  const cursors = readCursors(db);
  const values = new Set(projections.map((p) => cursors.get(p.name)));
  if (values.size !== 1) return undefined;
  return [...values][0];
}

export function setCursors(
  db: Database.Database,
  projections: readonly AnyProjection[],
  sequence: number,
): void {
  const update = db.prepare(
    "INSERT INTO projection_cursors (projection_name, sequence) VALUES (?, ?) ON CONFLICT (projection_name) DO UPDATE SET sequence = excluded.sequence",
  );
  for (const { name } of projections) update.run(name, sequence);
}

/** One table's rows in fold order, JSON text as stored. */
export function tableRows(db: Database.Database, name: string): IterableIterator<[string, string]> {
  return db
    .prepare(`SELECT key, json FROM ${tableOf(name)} ORDER BY ord`)
    .raw()
    .iterate() as IterableIterator<[string, string]>;
}

/**
 * The state the tables hold, rows in fold order, `seq` = `cursor`. The caller runs it
 * inside a read transaction so every table is read at the same commit.
 */
export function readTableState(
  db: Database.Database,
  projections: readonly AnyProjection[],
  cursor: number,
): LoopState {
  const state = emptyState();
  state.seq = cursor;
  for (const { name } of projections) {
    const rows = state[name] as Map<string, unknown>;
    for (const [key, json] of tableRows(db, name)) rows.set(key, parseRow(name, key, json));
  }
  return state;
}

/**
 * Replaces every table's rows with `state`'s (ord = position in the Map) and sets the
 * cursors. `storedId` gives a row's snapshot version when the last snapshot stored it.
 */
export function writeTableState(
  db: Database.Database,
  projections: readonly AnyProjection[],
  state: LoopState,
  storedId: (name: ProjectionName, key: string, row: object) => number | undefined,
): void {
  for (const { name } of projections) {
    const table = tableOf(name);
    db.prepare(`DELETE FROM ${table}`).run();
    const insert = db.prepare(`INSERT INTO ${table} (key, ord, snap_id, json) VALUES (?, ?, ?, ?)`);
    let ord = 0;
    for (const [key, row] of state[name as ProjectionName] as Map<string, object>) {
      insert.run(key, ++ord, storedId(name, key, row) ?? null, JSON.stringify(row));
    }
  }
  setCursors(db, projections, state.seq);
}

function parseRow(name: string, key: string, json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    throw new Error(
      `projection row ${tableOf(name)}[${key}] is not JSON; rebuild the projections (\`forge-loop replay --rebuild\`)`,
    );
  }
}
