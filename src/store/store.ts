/**
 * The store as the engine and the UI use it: the event log with the projector folding
 * every append into the projection tables, the current state, the state at any past
 * sequence, and the rebuild/verify maintenance. The engine opens it as `writer`; the UI
 * as `observer` (it appends operator commands only); read commands and Python logs as
 * `readonly`.
 */
import type Database from "better-sqlite3";
import { type Clock, isoAt, systemClock } from "../shared/clock.js";
import { LAST_CHECKPOINT_KEY, writeMeta } from "./log/schema.js";
import { type OpenMode, openEventLog, type SqliteEventLog } from "./log/sqlite-event-log.js";
import { statePaths } from "./paths.js";
import { projections } from "./projections/all.js";
import { eventPages, type LogPages } from "./projections/event-pages.js";
import { foldEventSource } from "./projections/event-source.js";
import { foldEvent } from "./projections/fold.js";
import { SqliteProjector } from "./projections/materialize.js";
import {
  type RebuildReport,
  rebuildProjections,
  type VerifyReport,
  verifyProjections,
} from "./projections/rebuild.js";
import { cloneState, StateSeeker } from "./projections/replay.js";
import {
  type EventSource,
  ensureSnapshotTables,
  MemorySnapshots,
  snapshotTablesExist,
  TableSnapshots,
} from "./projections/snapshots.js";
import {
  commonCursor,
  ensureProjectionTables,
  projectionsVersionIsCurrent,
  projectionTablesExist,
  readTableState,
  recordProjectionsVersion,
} from "./projections/tables.js";
import type { LoopState } from "./projections/types.js";

/** Events between snapshots; chosen by `bench/suites/projections.ts` (see its notes). */
export const DEFAULT_SNAPSHOT_EVERY = 2000;

export interface OpenStoreOptions {
  mode: OpenMode;
  clock?: Clock;
  snapshotEvery?: number;
  busyTimeoutMs?: number;
  /**
   * Writer only. "caller": no checkpoint runs inside an append; the caller runs
   * `checkpoint()` often (the engine, once a second). Default "automatic".
   */
  checkpoints?: "automatic" | "caller";
}

export interface Store {
  readonly log: SqliteEventLog;
  readonly db: Database.Database;
  /** Present unless read-only: folds every append into the tables. */
  readonly projector?: SqliteProjector;
  /** The state at the head: the tables plus any events they have not folded yet. */
  readState(): LoopState;
  /** The state after the events up to `seq` (clamped to the log), for replay. */
  stateAt(seq: number): LoopState;
  /** Refolds every table and snapshot from sequence 0 (writer only). */
  rebuild(): RebuildReport;
  /** Compares the tables and snapshots with a fresh fold from sequence 0. */
  verify(): VerifyReport;
  /** Changes whenever another connection commits (`PRAGMA data_version`). */
  dataVersion(): number;
  /** Copies what the WAL holds into the database file, without waiting for readers. */
  checkpoint(): void;
  close(): void;
}

/**
 * Whether refolding the whole log beats folding the events past `cursor` into the tables.
 * A rebuild folds in memory and writes each row once a snapshot, about 5 µs an event; the
 * tables take 40 µs an event, read and written row by row (bench/suites/mirror.ts: a
 * million mirrored events fold in 5 s at the end, in 36 s batch by batch). So past a
 * quarter of the log unfolded (a large import through the log alone: `mirrorThenFold`),
 * the rebuild is the faster way to the same tables.
 */
function rebuildIsFaster(cursor: number, head: number): boolean {
  const unfolded = head - cursor;
  return unfolded >= MIN_UNFOLDED_TO_REBUILD && unfolded * 4 > head;
}

/** Below this, catching up takes well under a second whatever the log's size. */
const MIN_UNFOLDED_TO_REBUILD = 20_000;

/** A row of `PRAGMA wal_checkpoint`: frames in the WAL, and how many are in the database. */
interface WalCheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

export function openStateDir(stateDir: string, options: OpenStoreOptions): Store {
  return openStore(statePaths(stateDir).eventsDb, options);
}

export function openStore(dbPath: string, options: OpenStoreOptions): Store {
  const snapshotEvery = options.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY;
  let log: SqliteEventLog | undefined;
  let foldSource: EventSource | undefined;
  const readEvents: EventSource = (after, limit) => {
    const opened = log as SqliteEventLog;
    foldSource ??= foldEventSource(opened.db, opened.info.eventColumns);
    return foldSource(after, limit);
  };
  const readLog: LogPages = () => {
    const opened = log as SqliteEventLog;
    return eventPages(opened.db, opened.info.eventColumns, readEvents, opened.head());
  };
  const projector =
    options.mode === "readonly" ? undefined : new SqliteProjector({ readEvents, snapshotEvery });
  log = openEventLog(dbPath, {
    mode: options.mode,
    clock: options.clock,
    observer: projector,
    busyTimeoutMs: options.busyTimeoutMs,
  });
  const db = log.db;
  const opened = log;
  try {
    if (options.mode === "writer" && projector) {
      // Projections double the pages an append writes (~15 instead of ~7), so the default
      // checkpoint every 1000 pages fell on ~1.5% of appends (~4 ms each, mostly fsync).
      // The engine checkpoints between appends itself (`checkpoint`), so none lands inside
      // one; other writers (mirror, rebuild) checkpoint automatically, every 4000 pages
      // (the WAL stays under ~16 MB).
      db.pragma(`wal_autocheckpoint = ${options.checkpoints === "caller" ? 0 : 4000}`);
      ensureProjectionTables(db, projections);
      ensureSnapshotTables(db);
      // Cursors that disagree mean a projection was added, and another version means the
      // reducers changed: every table and snapshot must be redone. From 0, a rebuild is the
      // faster way to the same tables.
      const cursor = commonCursor(db, projections);
      const head = log.head();
      const current = projectionsVersionIsCurrent(db);
      const rebuild =
        cursor === undefined ||
        (head > 0 && (cursor === 0 || !current || rebuildIsFaster(cursor, head)));
      if (rebuild) rebuildProjections(db, readLog, { snapshotEvery });
      if (!current) recordProjectionsVersion(db);
      if (!rebuild) projector.catchUp(db);
    }
  } catch (err) {
    opened.close();
    throw err;
  }
  const clock = options.clock ?? systemClock;
  return new SqliteStore(opened, projector, readEvents, readLog, snapshotEvery, clock);
}

class SqliteStore implements Store {
  readonly db: Database.Database;
  private materialized = false;
  /** The head when `checkpoint` last restarted the WAL. */
  private headAtCheckpoint = -1;
  private seeker?: StateSeeker;

  constructor(
    readonly log: SqliteEventLog,
    readonly projector: SqliteProjector | undefined,
    private readonly readEvents: EventSource,
    private readonly readLog: LogPages,
    private readonly snapshotEvery: number,
    private readonly clock: Clock,
  ) {
    this.db = log.db;
  }

  readState(): LoopState {
    if (!this.isMaterialized()) return this.stateAt(this.log.head());
    return this.db.transaction((): LoopState => {
      const head = this.log.head();
      const cursor = commonCursor(this.db, projections);
      if (cursor === undefined || cursor > head) return this.stateAt(head);
      const state = readTableState(this.db, projections, cursor);
      // Events no projector has folded yet (appended by a process without one).
      for (let page = this.readEvents(cursor, head - cursor); page.length > 0; ) {
        for (const event of page) foldEvent(state, event);
        page = state.seq < head ? this.readEvents(state.seq, head - state.seq) : [];
      }
      return state;
    })();
  }

  stateAt(seq: number): LoopState {
    return this.seekerNow().stateAt(seq);
  }

  rebuild(): RebuildReport {
    if (this.log.mode !== "writer") {
      throw new Error("rebuild needs the store opened as the writer");
    }
    const report = rebuildProjections(this.db, this.readLog, {
      snapshotEvery: this.snapshotEvery,
    });
    this.seeker?.clear();
    this.projector?.forgetRows();
    return report;
  }

  verify(): VerifyReport {
    return verifyProjections(this.db, this.readLog, this.isMaterialized());
  }

  dataVersion(): number {
    return this.log.dataVersion();
  }

  checkpoint(): void {
    const [result] = this.db.pragma("wal_checkpoint(PASSIVE)") as WalCheckpointResult[];
    if (!result || result.log === 0 || result.checkpointed < result.log) return;
    // Once per stretch of appends: our own write would otherwise restart the WAL forever.
    const head = this.log.head();
    if (head === this.headAtCheckpoint) return;
    this.headAtCheckpoint = head;
    // Every frame is in the database, so the next write restarts the WAL, and restarting
    // syncs its new header: ~0.2 ms that would land inside the engine's next append. A
    // small write here takes that cost between appends, and records the checkpoint.
    writeMeta(this.db, LAST_CHECKPOINT_KEY, isoAt(this.clock.now()));
  }

  close(): void {
    this.log.close();
  }

  /** Our tables exist (checked again until they do: an observer may open before the engine). */
  private isMaterialized(): boolean {
    if (!this.materialized) {
      this.materialized =
        !this.log.isForeign &&
        projectionTablesExist(this.db, projections) &&
        snapshotTablesExist(this.db);
      if (this.materialized) this.seeker = undefined;
    }
    return this.materialized;
  }

  /** Stored snapshots when the database has them, else snapshots built in memory. */
  private seekerNow(): StateSeeker {
    const materialized = this.isMaterialized();
    if (!this.seeker) {
      const source = materialized
        ? new TableSnapshots(this.db)
        : new MemorySnapshots(this.readEvents, this.snapshotEvery, cloneState);
      this.seeker = new StateSeeker(source, this.readEvents, () => this.log.head());
    }
    return this.seeker;
  }
}
