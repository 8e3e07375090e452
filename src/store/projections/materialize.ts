/**
 * Keeps the projection tables folded, inside the append's own transaction: the log calls
 * `afterInsert` with the events it just inserted, and the projector routes each one,
 * reduces the rows it touches and writes them back, moves the cursors and, every
 * `snapshotEvery` events, stores a snapshot. Either all of it commits with the events or
 * none of it does.
 *
 * Each touched row is read once and written once per append. Rows stay decoded between
 * appends (`RowCache`), since the engine's appends touch the same few rows over and over
 * (the loop row on every event, a running task's on each heartbeat), but only while the
 * tables are as the last fold left them: see `RowCache.open`.
 */
import type Database from "better-sqlite3";
import type { FoldEvent, StoredEvent } from "../contract/envelope.js";
import type { AppendObserver } from "../log/sqlite-event-log.js";
import { type AnyProjection, projections as allProjections } from "./all.js";
import type { Manifest } from "./manifest.js";
import type { Projection } from "./projection.js";
import { type EventSource, snapshotTablesExist, TableSnapshots } from "./snapshots.js";
import { projectionTablesExist, tableOf } from "./tables.js";
import type { ProjectionName } from "./types.js";

export interface ProjectorOptions {
  /** Reads events past a sequence inside the current transaction (the log's `since`). */
  readEvents: EventSource;
  /** Store a snapshot once this many events have passed since the last one (0: never). */
  snapshotEvery: number;
  /** Defaults to every projection; tests pass their own. */
  projections?: readonly AnyProjection[];
}

export class SqliteProjector implements AppendObserver {
  private readonly projections: readonly AnyProjection[];
  private bound?: Bound;

  constructor(private readonly options: ProjectorOptions) {
    this.projections = options.projections ?? allProjections;
  }

  /**
   * Folds `events` (just inserted, ascending) into the tables. Events the cursors have not
   * reached yet (appended by a process that did not materialise, e.g. an observer that ran
   * before the tables existed) are read and folded first, so the tables never skip one.
   * Does nothing on a database without our tables (an observer of a foreign log).
   */
  afterInsert(db: Database.Database, events: readonly StoredEvent[]): void {
    const first = events[0];
    if (first === undefined) return;
    const bound = this.bind(db);
    if (!bound) return;
    const lowest = bound.lowestCursor();
    if (lowest < first.sequence - 1) this.fold(bound, this.readRange(lowest, first.sequence - 1));
    this.fold(bound, events);
  }

  /**
   * Folds every event past the cursors (a writer opening a log that grew without it), one
   * transaction per page. Returns how many events were folded.
   */
  catchUp(db: Database.Database, pageSize = 10_000): number {
    const bound = this.bind(db);
    if (!bound) return 0;
    let folded = 0;
    for (;;) {
      const count = db
        .transaction(() => {
          const page = this.options.readEvents(bound.lowestCursor(), pageSize);
          this.fold(bound, page);
          return page.length;
        })
        .immediate();
      folded += count;
      if (count < pageSize) return folded;
    }
  }

  private readRange(after: number, until: number): FoldEvent[] {
    const out: FoldEvent[] = [];
    let cursor = after;
    while (cursor < until) {
      const inRange = this.options
        .readEvents(cursor, until - cursor)
        .filter((e) => e.sequence <= until);
      if (inRange.length === 0) break;
      out.push(...inRange);
      cursor = (inRange.at(-1) as FoldEvent).sequence;
    }
    return out;
  }

  /** Forgets the decoded rows: the tables were rewritten (a rebuild). */
  forgetRows(): void {
    this.bound?.rows.clear();
  }

  private fold(bound: Bound, events: readonly FoldEvent[]): void {
    const last = events.at(-1);
    if (last === undefined) return;
    const cursors = bound.cursors();
    bound.rows.open(cursors, bound.dataVersion());
    const batches = this.projections.map(
      (projection) =>
        new RowBatch(
          projection as Projection<ProjectionName>,
          bound.tables.get(projection.name) as TableStatements,
          cursors.get(projection.name) ?? 0,
          bound.rows.of(projection.name),
        ),
    );
    // A snapshot holds every projection at one sequence: only taken while the cursors agree.
    const every = this.options.snapshotEvery;
    const snapshotting = every > 0 && new Set(batches.map((b) => b.cursor)).size === 1;
    let lastSnapshot = snapshotting ? bound.snapshots.lastSeq() : 0;
    for (const event of events) {
      for (const batch of batches) batch.fold(event);
      if (snapshotting && event.sequence - lastSnapshot >= every) {
        for (const batch of batches) batch.flush();
        this.snapshotTables(bound, event.sequence);
        lastSnapshot = event.sequence;
      }
    }
    const after = new Map<string, number>();
    for (const batch of batches) {
      batch.flush();
      const cursor = Math.max(batch.cursor, last.sequence);
      bound.setCursor.run(cursor, batch.projection.name);
      after.set(batch.projection.name, cursor);
    }
    bound.rows.close(after);
  }

  /**
   * Stores the tables as the snapshot at `seq`: rows changed since the last snapshot become
   * new row versions, unchanged ones keep theirs, and the manifest lists them in fold order.
   */
  private snapshotTables(bound: Bound, seq: number): void {
    const manifest: Manifest = { seq, rows: {} };
    for (const { name } of this.projections) {
      const st = bound.tables.get(name) as TableStatements;
      for (const [key, json] of st.changedSinceSnapshot.all() as [string, string][]) {
        st.setSnapshotId.run(bound.snapshots.storeRow(name, json), key);
      }
      const keys: string[] = [];
      const ids: number[] = [];
      for (const [key, id] of st.manifestRows.all() as [string, number][]) {
        keys.push(key);
        ids.push(id);
      }
      manifest.rows[name] = { keys, ids };
    }
    bound.snapshots.writeManifest(manifest);
  }

  /** Prepares the statements once per connection; undefined while the tables are missing. */
  private bind(db: Database.Database): Bound | undefined {
    if (this.bound?.db === db) return this.bound;
    const ready =
      this.projections.length > 0 &&
      projectionTablesExist(db, this.projections) &&
      snapshotTablesExist(db);
    if (!ready) {
      return undefined;
    }
    const cursorRows = db.prepare("SELECT projection_name, sequence FROM projection_cursors").raw();
    const names = this.projections.map((p) => p.name);
    const dataVersion = db.prepare("PRAGMA data_version").pluck();
    const cursors = (): Map<string, number> =>
      new Map(
        (cursorRows.all() as [string, number | null][]).map(([name, seq]) => [name, seq ?? 0]),
      );
    this.bound = {
      db,
      tables: new Map(this.projections.map((p) => [p.name, prepareTable(db, p.name)])),
      snapshots: new TableSnapshots(db),
      cursors,
      lowestCursor: () => {
        const all = cursors();
        return Math.min(...names.map((name) => all.get(name) ?? 0));
      },
      setCursor: db.prepare("UPDATE projection_cursors SET sequence = ? WHERE projection_name = ?"),
      dataVersion: () => dataVersion.get() as number,
      rows: new RowCache(ROWS_KEPT),
    };
    return this.bound;
  }
}

/** Statements prepared on one connection. */
interface Bound {
  db: Database.Database;
  tables: Map<string, TableStatements>;
  snapshots: TableSnapshots;
  cursors(): Map<string, number>;
  lowestCursor(): number;
  setCursor: Database.Statement<[number, string]>;
  /** Changes when another connection commits. */
  dataVersion(): number;
  rows: RowCache;
}

/** Decoded rows kept per projection between appends: enough for the rows in play. */
const ROWS_KEPT = 256;

/**
 * Rows as the last fold left them, most recently used last, so the next append need not
 * read and parse them again. Trusted only while the tables are exactly as that fold left
 * them; `open` checks both ways they can have changed since:
 * - the append rolled back: the cursors stand below where the fold moved them;
 * - another connection committed (`PRAGMA data_version`): the UI folds the operator
 *   commands it appends into the same tables.
 */
class RowCache {
  private readonly byProjection = new Map<string, Map<string, Entry>>();
  /** The cursors the last fold left, once it finished; undefined while one is running. */
  private leftAt?: { cursors: Map<string, number>; dataVersion: number };
  /** `data_version` when the running fold began (our own commits do not change it). */
  private dataVersion = 0;

  constructor(private readonly kept: number) {}

  /** Starts a fold: keeps the rows only if nothing has changed the tables since the last. */
  open(cursors: Map<string, number>, dataVersion: number): void {
    const left = this.leftAt;
    this.leftAt = undefined;
    const unchanged =
      left !== undefined &&
      left.dataVersion === dataVersion &&
      left.cursors.size === cursors.size &&
      [...left.cursors].every(([name, cursor]) => cursors.get(name) === cursor);
    if (!unchanged) this.byProjection.clear();
    this.dataVersion = dataVersion;
  }

  of(name: string): Map<string, Entry> {
    let rows = this.byProjection.get(name);
    if (rows === undefined) {
      rows = new Map();
      this.byProjection.set(name, rows);
    }
    return rows;
  }

  /** Ends a fold that wrote every row and moved the cursors to `cursors`. */
  close(cursors: Map<string, number>): void {
    for (const rows of this.byProjection.values()) {
      for (const key of rows.keys()) {
        if (rows.size <= this.kept) break;
        rows.delete(key);
      }
    }
    this.leftAt = { cursors, dataVersion: this.dataVersion };
  }

  clear(): void {
    this.byProjection.clear();
    this.leftAt = undefined;
  }
}

interface TableStatements {
  get: Database.Statement<[string]>;
  upsert: Database.Statement<[string, number, string]>;
  remove: Database.Statement<[string]>;
  count: Database.Statement<[]>;
  maxOrd: Database.Statement<[]>;
  /** The first row past an `ord`, in fold order. */
  next: Database.Statement<[number]>;
  changedSinceSnapshot: Database.Statement<[]>;
  setSnapshotId: Database.Statement<[number, string]>;
  manifestRows: Database.Statement<[]>;
}

function prepareTable(db: Database.Database, name: string): TableStatements {
  const t = tableOf(name);
  return {
    get: db.prepare(`SELECT ord, json FROM ${t} WHERE key = ?`).raw(),
    upsert: db.prepare(
      `INSERT INTO ${t} (key, ord, snap_id, json) VALUES (?, ?, NULL, ?)
       ON CONFLICT (key) DO UPDATE SET ord = excluded.ord, snap_id = NULL, json = excluded.json`,
    ),
    remove: db.prepare(`DELETE FROM ${t} WHERE key = ?`),
    count: db.prepare(`SELECT count(*) FROM ${t}`).pluck(),
    maxOrd: db.prepare(`SELECT coalesce(max(ord), 0) FROM ${t}`).pluck(),
    next: db.prepare(`SELECT key, ord FROM ${t} WHERE ord > ? ORDER BY ord LIMIT 1`).raw(),
    changedSinceSnapshot: db.prepare(`SELECT key, json FROM ${t} WHERE snap_id IS NULL`).raw(),
    setSnapshotId: db.prepare(`UPDATE ${t} SET snap_id = ? WHERE key = ?`),
    manifestRows: db.prepare(`SELECT key, snap_id FROM ${t} ORDER BY ord`).raw(),
  };
}

/** A row as the batch sees it: `row` undefined = absent; `stored` = the table has the key. */
interface Entry {
  row: unknown;
  ord: number;
  stored: boolean;
}

/**
 * One projection's rows during one append transaction: read once, folded in memory,
 * written once by `flush`. `ord` follows the fold's Map insertion order exactly: updating
 * a row keeps its ord, a new (or deleted and re-inserted) row gets the next one, and
 * `retain` evicts the lowest ords.
 */
class RowBatch {
  private readonly dirty = new Set<string>();
  /** Rows inserted since the last flush, in ord order: eviction candidates after the table's. */
  private fresh: [string, number][] = [];
  private freshHead = 0;
  /** Table row count at the last flush (read when first needed), and the change since. */
  private storedCount?: number;
  private countDelta = 0;
  private nextOrd?: number;
  /** Eviction has passed every row at or below this ord. */
  private evictedUpTo = 0;

  constructor(
    readonly projection: Projection<ProjectionName>,
    private readonly st: TableStatements,
    readonly cursor: number,
    /** The projection's row cache: what the tables hold for each key in it. */
    private readonly entries: Map<string, Entry>,
  ) {}

  fold(event: FoldEvent): void {
    if (event.sequence <= this.cursor) return;
    const keys = this.projection.route(event);
    for (const key of keys) {
      const entry = this.load(key);
      const after = this.projection.reduce(entry.row as never, event, key);
      if (after === undefined) this.remove(key, entry);
      else this.put(key, entry, after);
    }
  }

  flush(): void {
    for (const key of this.dirty) {
      const entry = this.entries.get(key) as Entry;
      if (entry.row !== undefined) {
        this.st.upsert.run(key, entry.ord, JSON.stringify(entry.row));
        entry.stored = true;
      } else if (entry.stored) {
        this.st.remove.run(key);
        entry.stored = false;
      }
    }
    this.dirty.clear();
    this.fresh = [];
    this.freshHead = 0;
    if (this.storedCount !== undefined) this.storedCount += this.countDelta;
    this.countDelta = 0;
  }

  private load(key: string): Entry {
    let entry = this.entries.get(key);
    if (entry !== undefined) {
      // Most recently used last: the cache trims from the front.
      this.entries.delete(key);
      this.entries.set(key, entry);
    } else {
      const found = this.st.get.get(key) as [number, string] | undefined;
      entry = found
        ? { row: JSON.parse(found[1]), ord: found[0], stored: true }
        : { row: undefined, ord: 0, stored: false };
      this.entries.set(key, entry);
    }
    return entry;
  }

  private put(key: string, entry: Entry, row: unknown): void {
    const inserted = entry.row === undefined;
    entry.row = row;
    this.dirty.add(key);
    if (!inserted) return;
    this.nextOrd ??= (this.st.maxOrd.get() as number) + 1;
    entry.ord = this.nextOrd++;
    this.fresh.push([key, entry.ord]);
    this.countDelta += 1;
    const retain = this.projection.retain;
    if (retain !== undefined) this.evictBeyond(retain);
  }

  private remove(key: string, entry: Entry): void {
    if (entry.row === undefined) return;
    entry.row = undefined;
    this.dirty.add(key);
    this.countDelta -= 1;
  }

  private evictBeyond(retain: number): void {
    this.storedCount ??= this.st.count.get() as number;
    while (this.storedCount + this.countDelta > retain) {
      const victim = this.oldest();
      if (victim === undefined) return;
      this.remove(victim, this.entries.get(victim) ?? this.placeholder(victim));
    }
  }

  /** A stored row evicted without being read: only its key matters. */
  private placeholder(key: string): Entry {
    const entry: Entry = { row: true, ord: 0, stored: true };
    this.entries.set(key, entry);
    return entry;
  }

  /**
   * The live row with the lowest ord. Stored rows come first (every unflushed insert has a
   * higher ord), skipping those this batch deleted or re-inserted; then unflushed inserts.
   */
  private oldest(): string | undefined {
    for (;;) {
      const next = this.st.next.get(this.evictedUpTo) as [string, number] | undefined;
      if (next === undefined) break;
      const [key, ord] = next;
      this.evictedUpTo = ord;
      const entry = this.entries.get(key);
      if (entry === undefined || (entry.row !== undefined && entry.ord === ord)) return key;
    }
    while (this.freshHead < this.fresh.length) {
      const [key, ord] = this.fresh[this.freshHead++] as [string, number];
      const entry = this.entries.get(key);
      if (entry?.row !== undefined && entry.ord === ord) {
        this.evictedUpTo = ord;
        return key;
      }
    }
    return undefined;
  }
}
