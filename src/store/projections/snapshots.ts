/**
 * Snapshots: the whole folded state at a sequence, so replay can seek anywhere by folding
 * only the events after the nearest one.
 *
 * A state is megabytes (thousands of task rows), but between two snapshots only the rows
 * the events touched change. So each row version is stored once, in `snapshot_rows`, and a
 * snapshot (`snapshots.state`) is only a manifest (`manifest.ts`): per projection, the keys
 * in fold order and their row ids, or how they differ from an earlier full manifest. Taking
 * one writes the changed rows and a manifest; decoding one reuses every row already decoded
 * for another snapshot (a bounded cache by row id), so seeking back and forth parses only
 * what differs. Rows are shared between states safely because reducers never mutate a row:
 * they return a new one.
 *
 * Two sources with one shape: the tables, written by the projector and `rebuild` in the
 * append's own transaction; and states kept in memory for a database we cannot write (a
 * Python forge-loop log opened read-only, or one without our tables).
 */
import type Database from "better-sqlite3";
import type { FoldEvent } from "../contract/envelope.js";
import { projectionNames } from "./all.js";
import { emptyState, foldEvent } from "./fold.js";
import {
  applyDelta,
  decodeManifest,
  encodeDelta,
  encodeManifest,
  isDelta,
  type Manifest,
  type ManifestDelta,
} from "./manifest.js";
import {
  assembleRow,
  headParts,
  isHeadText,
  RowVersionWriter,
  type StoredHead,
} from "./snapshot-rows.js";
import type { LoopState, ProjectionName } from "./types.js";

/** Events after a sequence, oldest first, at most `limit` (the log's `since`). */
export type EventSource = (after: number, limit: number) => FoldEvent[];

export interface Snapshot {
  seq: number;
  /** Decodes the state. It may share rows with other states: fold a copy (`cloneState`). */
  state(): LoopState;
}

/** Where replay finds the nearest snapshot at or before a sequence. */
export interface SnapshotSource {
  nearest(seq: number): Snapshot | undefined;
}

/**
 * Row ids are never reused (AUTOINCREMENT): a reader keeps decoded rows by id across a
 * rebuild in another process, which empties `snapshot_rows` and writes it again.
 */
export function ensureSnapshotTables(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS snapshots (seq INTEGER PRIMARY KEY, state BLOB NOT NULL);
    CREATE TABLE IF NOT EXISTS snapshot_rows (id INTEGER PRIMARY KEY AUTOINCREMENT, json TEXT NOT NULL);
  `);
}

export function snapshotTablesExist(db: Database.Database): boolean {
  const found = db
    .prepare(
      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('snapshots', 'snapshot_rows')",
    )
    .pluck()
    .get() as number;
  return found === 2;
}

/** Default bound of the decoded-row cache, in characters of row JSON (about 3× in memory). */
const defaultRowCacheChars = 24_000_000;

/** The `snapshots` and `snapshot_rows` tables of a database we materialise. */
export class TableSnapshots implements SnapshotSource {
  private readonly stmts: {
    nearest: Database.Statement<[number]>;
    manifest: Database.Statement<[number]>;
    rows: Database.Statement<[string]>;
    last: Database.Statement<[]>;
    insertManifest: Database.Statement<[number, Buffer]>;
    insertRow: Database.Statement<[string]>;
  };
  /**
   * Decoded rows (and split rows' elements) by id, oldest first, with the decode that last
   * used each: a decode marks the thousands of rows it reads instead of reordering the Map,
   * and eviction moves the marked ones to the back.
   */
  private readonly rowCache = new Map<number, CachedRow>();
  private cachedChars = 0;
  /** Counts decodes: a row whose `used` equals it is part of the state being decoded. */
  private decodes = 0;
  private readonly writer: RowVersionWriter;
  /**
   * The last full manifest a delta was decoded against, with its stored bytes: seeks near
   * one another share a base, and the bytes tell whether it was stored again since.
   */
  private base?: { stored: Buffer; manifest: Manifest };

  constructor(
    private readonly db: Database.Database,
    private readonly rowCacheChars = defaultRowCacheChars,
  ) {
    this.stmts = {
      nearest: db
        .prepare("SELECT seq FROM snapshots WHERE seq <= ? ORDER BY seq DESC LIMIT 1")
        .pluck(),
      manifest: db.prepare("SELECT state FROM snapshots WHERE seq = ?").pluck(),
      rows: db
        .prepare("SELECT id, json FROM snapshot_rows WHERE id IN (SELECT value FROM json_each(?))")
        .raw(),
      last: db.prepare("SELECT coalesce(max(seq), 0) FROM snapshots").pluck(),
      insertManifest: db.prepare("INSERT OR REPLACE INTO snapshots (seq, state) VALUES (?, ?)"),
      insertRow: db.prepare("INSERT INTO snapshot_rows (json) VALUES (?)"),
    };
    this.writer = new RowVersionWriter(db, (text) =>
      Number(this.stmts.insertRow.run(text).lastInsertRowid),
    );
  }

  nearest(seq: number): Snapshot | undefined {
    const found = this.stmts.nearest.get(seq) as number | undefined;
    return found === undefined ? undefined : { seq: found, state: () => this.decode(found) };
  }

  /** Every stored snapshot's sequence, ascending. */
  sequences(): number[] {
    return this.db.prepare("SELECT seq FROM snapshots ORDER BY seq").pluck().all() as number[];
  }

  /**
   * The full manifest of the snapshot at exactly `seq` (a delta applied to its base);
   * throws when it is missing or unreadable.
   */
  manifest(seq: number): Manifest {
    const stored = decodeManifest(this.stmts.manifest.get(seq));
    return isDelta(stored) ? applyDelta(this.baseManifest(stored.base), stored) : stored;
  }

  /**
   * Stored row versions as the JSON text of the whole row, by id (ids not stored are absent;
   * a split row whose elements cannot be read gets a text saying so, which matches no row).
   */
  rowTexts(ids: readonly number[]): Map<number, string> {
    const texts = this.storedTexts(ids);
    const heads: [number, StoredHead][] = [];
    for (const [id, text] of texts) {
      if (!isHeadText(text)) continue;
      try {
        heads.push([id, JSON.parse(text) as StoredHead]);
      } catch {
        // Not JSON: the text stays as it is, and matches no row.
      }
    }
    const elements = this.storedTexts(heads.flatMap(([, head]) => elementIds(head)));
    for (const [id, head] of heads) {
      try {
        const row = assembleRow(head, (element) => {
          const text = elements.get(element);
          if (text === undefined) throw new Error(`element ${element} is missing`);
          return JSON.parse(text);
        });
        texts.set(id, JSON.stringify(row));
      } catch (err) {
        texts.set(id, `(snapshot row ${id}: ${(err as Error).message})`);
      }
    }
    return texts;
  }

  /** The state stored at exactly `seq`; throws when it is missing or unreadable. */
  decode(seq: number): LoopState {
    this.decodes += 1;
    const manifest = this.manifest(seq);
    const missing: number[] = [];
    for (const stored of Object.values(manifest.rows)) {
      for (const id of stored.ids) if (!this.rowCache.has(id)) missing.push(id);
    }
    this.fetch(missing);
    const state = emptyState();
    state.seq = manifest.seq;
    for (const name of projectionNames) {
      const stored = manifest.rows[name];
      if (stored === undefined) continue;
      const rows = state[name] as Map<string, unknown>;
      for (let i = 0; i < stored.keys.length; i++) {
        rows.set(stored.keys[i] as string, this.row(stored.ids[i] as number));
      }
    }
    this.evict();
    return state;
  }

  /** Sequence of the newest snapshot, 0 when there is none. */
  lastSeq(): number {
    return this.stmts.last.get() as number;
  }

  /**
   * Stores one row version (the row, or its JSON text); its id goes into manifests while the
   * row stays unchanged.
   */
  storeRow(name: ProjectionName, row: object | string): number {
    return this.writer.store(name, row);
  }

  writeManifest(manifest: Manifest | ManifestDelta): void {
    const stored = isDelta(manifest) ? encodeDelta(manifest) : encodeManifest(manifest);
    this.stmts.insertManifest.run(manifest.seq, stored);
  }

  clear(): void {
    this.db.exec("DELETE FROM snapshots; DELETE FROM snapshot_rows;");
    this.writer.forget();
    this.rowCache.clear();
    this.cachedChars = 0;
    this.base = undefined;
  }

  /** The full manifest at `seq`, which a delta is based on. */
  private baseManifest(seq: number): Manifest {
    const stored = this.stmts.manifest.get(seq);
    if (!Buffer.isBuffer(stored)) throw new Error(`snapshot base ${seq} is missing`);
    if (this.base?.stored.equals(stored)) return this.base.manifest;
    const manifest = decodeManifest(stored);
    if (isDelta(manifest)) throw new Error(`snapshot base ${seq} is itself a delta`);
    this.base = { stored, manifest };
    return manifest;
  }

  private row(id: number): unknown {
    const cached = this.rowCache.get(id);
    if (cached === undefined) throw new Error(`snapshot row ${id} is missing`);
    cached.used = this.decodes;
    return cached.row;
  }

  /** Parses and caches rows; a split row's elements are parsed only when not cached. */
  private fetch(ids: number[]): void {
    const heads: [number, StoredHead, number][] = [];
    for (const [id, text] of this.storedTexts(ids)) {
      const parsed: unknown = JSON.parse(text);
      if (isHeadText(text)) heads.push([id, parsed as StoredHead, text.length]);
      else this.cache(id, parsed, text.length);
    }
    if (heads.length === 0) return;
    const missing = new Set<number>();
    for (const [, head] of heads) {
      for (const id of elementIds(head)) if (!this.rowCache.has(id)) missing.add(id);
    }
    for (const [id, text] of this.storedTexts([...missing])) {
      this.cache(id, JSON.parse(text), text.length);
    }
    for (const [id, head, chars] of heads) {
      this.cache(
        id,
        assembleRow(head, (element) => this.row(element)),
        chars,
      );
    }
  }

  private cache(id: number, row: unknown, chars: number): void {
    this.rowCache.set(id, { row, chars, used: this.decodes });
    this.cachedChars += chars;
  }

  /** Stored texts as they are, by id. */
  private storedTexts(ids: readonly number[]): Map<number, string> {
    const texts = new Map<number, string>();
    for (let i = 0; i < ids.length; i += 5000) {
      const chunk = JSON.stringify(ids.slice(i, i + 5000));
      for (const [id, json] of this.stmts.rows.all(chunk) as [number, string][]) {
        texts.set(id, json);
      }
    }
    return texts;
  }

  /**
   * Drops the oldest rows past the bound, except those of the state just decoded: they move
   * to the back instead. Each entry is visited once, so a state bigger than the bound ends
   * the pass with the cache over it rather than looping.
   */
  private evict(): void {
    let unvisited = this.rowCache.size;
    for (const [id, cached] of this.rowCache) {
      if (this.cachedChars <= this.rowCacheChars || unvisited-- === 0) return;
      this.rowCache.delete(id);
      if (cached.used === this.decodes) this.rowCache.set(id, cached);
      else this.cachedChars -= cached.chars;
    }
  }
}

interface CachedRow {
  row: unknown;
  chars: number;
  /** The decode that last read it (`TableSnapshots.decodes`). */
  used: number;
}

function elementIds(head: StoredHead): number[] {
  return headParts(head).flatMap(([, ids]) => ids);
}

const pageSize = 5000;

/**
 * Snapshots of a database we cannot write, built the first time replay needs them: one
 * fold from sequence 0 that keeps a copy of the maps every `every` events (the rows are
 * shared, so each copy costs only its maps), extended (never redone) as the log grows.
 */
export class MemorySnapshots implements SnapshotSource {
  private readonly taken: LoopState[] = [];
  private readonly frontier = emptyState();

  constructor(
    private readonly readEvents: EventSource,
    private readonly every: number,
    private readonly copy: (state: LoopState) => LoopState,
  ) {}

  nearest(seq: number): Snapshot | undefined {
    this.advance(seq);
    let lo = 0;
    let hi = this.taken.length - 1;
    let found: LoopState | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const state = this.taken[mid] as LoopState;
      if (state.seq <= seq) {
        found = state;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found && { seq: found.seq, state: () => found };
  }

  /** Folds the frontier up to `seq`, keeping a copy whenever `every` events have passed. */
  private advance(seq: number): void {
    let lastTaken = this.taken.at(-1)?.seq ?? 0;
    while (this.frontier.seq < seq) {
      const before = this.frontier.seq;
      const page = this.readEvents(before, Math.min(pageSize, seq - before));
      for (const event of page) {
        if (event.sequence > seq) break;
        foldEvent(this.frontier, event);
        if (event.sequence - lastTaken >= this.every) {
          this.taken.push(this.copy(this.frontier));
          lastTaken = event.sequence;
        }
      }
      if (this.frontier.seq === before) return;
    }
  }
}
