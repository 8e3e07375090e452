/**
 * Snapshots: the whole folded state (`serializeState`) at a sequence, so replay can seek
 * anywhere by folding only the events after the nearest one. Two sources with one shape:
 * the `snapshots` table, written by the projector in the append's own transaction, and an
 * in-memory list built lazily for a database we cannot write (a Python forge-loop log
 * opened read-only, or one without our tables).
 */
import { deflateRawSync, inflateRawSync } from "node:zlib";
import type Database from "better-sqlite3";
import type { StoredEvent } from "../contract/envelope.js";
import { projectionNames } from "./all.js";
import { emptyState, foldEvent } from "./fold.js";
import type { LoopState, ProjectionName } from "./types.js";

/** Events after a sequence, oldest first (the log's `since`). */
export type EventSource = (after: number, limit: number) => StoredEvent[];

export interface Snapshot {
  seq: number;
  /** `serializeState` text, decoded only when asked for (a kept state often makes it moot). */
  text(): string;
}

/** Where replay finds the nearest snapshot at or before a sequence. */
export interface SnapshotSource {
  nearest(seq: number): Snapshot | undefined;
}

/**
 * `serializeState`'s exact text, put together from rows already in JSON (the tables' `json`
 * column, or `RowTextCache`): taking a snapshot of a state of several megabytes then costs a
 * concatenation, not a parse and a stringify of every row. A test holds the two equal.
 */
export function snapshotText(
  seq: number,
  rowsOf: (name: ProjectionName) => Iterable<readonly [string, string]>,
): string {
  const parts: string[] = [`{"version":1,"seq":${seq},"rows":{`];
  projectionNames.forEach((name, i) => {
    parts.push(`${i === 0 ? "" : ","}${JSON.stringify(name)}:[`);
    let first = true;
    for (const [key, json] of rowsOf(name)) {
      parts.push(`${first ? "" : ","}[${JSON.stringify(key)},${json}]`);
      first = false;
    }
    parts.push("]");
  });
  parts.push("}}");
  return parts.join("");
}

/**
 * The JSON of in-memory rows, remembered per row object: reducers return a new object for
 * every change, so a row the fold did not touch since the last snapshot is not stringified
 * again.
 */
export class RowTextCache {
  private texts = new WeakMap<object, string>();

  snapshotText(state: LoopState): string {
    return snapshotText(state.seq, (name) => this.rows(state[name] as Map<string, object>));
  }

  private *rows(rows: Map<string, object>): Iterable<readonly [string, string]> {
    for (const [key, row] of rows) {
      let text = this.texts.get(row);
      if (text === undefined) {
        text = JSON.stringify(row);
        this.texts.set(row, text);
      }
      yield [key, text];
    }
  }
}

/**
 * A snapshot is stored deflated (a BLOB) or as plain text; the column's storage class
 * tells which, so a database keeps working whichever way its snapshots were written.
 */
export function encodeSnapshot(text: string, compress: boolean): string | Buffer {
  return compress ? deflateRawSync(Buffer.from(text, "utf8"), { level: 1 }) : text;
}

export function decodeSnapshot(stored: string | Buffer): string {
  return typeof stored === "string" ? stored : inflateRawSync(stored).toString("utf8");
}

export function ensureSnapshotTable(db: Database.Database): void {
  db.exec("CREATE TABLE IF NOT EXISTS snapshots (seq INTEGER PRIMARY KEY, state BLOB NOT NULL)");
}

export function snapshotTableExists(db: Database.Database): boolean {
  return (
    db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'snapshots'").get() !==
    undefined
  );
}

/** The `snapshots` table of a database we materialise. */
export class TableSnapshots implements SnapshotSource {
  private readonly nearestStmt: Database.Statement<[number]>;
  private readonly stateStmt: Database.Statement<[number]>;
  private readonly lastStmt: Database.Statement<[]>;
  private readonly insertStmt: Database.Statement<[number, string | Buffer]>;

  constructor(
    private readonly db: Database.Database,
    private readonly compress: boolean,
  ) {
    this.nearestStmt = db
      .prepare("SELECT seq FROM snapshots WHERE seq <= ? ORDER BY seq DESC LIMIT 1")
      .pluck();
    this.stateStmt = db.prepare("SELECT state FROM snapshots WHERE seq = ?").pluck();
    this.lastStmt = db.prepare("SELECT coalesce(max(seq), 0) FROM snapshots").pluck();
    this.insertStmt = db.prepare("INSERT OR REPLACE INTO snapshots (seq, state) VALUES (?, ?)");
  }

  nearest(seq: number): Snapshot | undefined {
    const found = this.nearestStmt.get(seq) as number | undefined;
    if (found === undefined) return undefined;
    return { seq: found, text: () => decodeSnapshot(this.stateStmt.get(found) as string | Buffer) };
  }

  /** Sequence of the newest snapshot, 0 when there is none. */
  lastSeq(): number {
    return this.lastStmt.get() as number;
  }

  /** Stores `text` (`serializeState` output) as the snapshot at `seq`. */
  write(seq: number, text: string): void {
    this.insertStmt.run(seq, encodeSnapshot(text, this.compress));
  }

  clear(): void {
    this.db.prepare("DELETE FROM snapshots").run();
  }
}

const pageSize = 5000;

/**
 * Snapshots of a database we cannot write, built the first time replay needs them: one
 * fold from sequence 0 that keeps the serialised state every `every` events, extended
 * (never redone) as the log grows.
 */
export class MemorySnapshots implements SnapshotSource {
  /** Deflated: a big log's states would otherwise hold megabytes each in memory. */
  private readonly taken: { seq: number; stored: string | Buffer }[] = [];
  private readonly frontier = emptyState();
  private readonly texts = new RowTextCache();

  constructor(
    private readonly readEvents: EventSource,
    private readonly every: number,
  ) {}

  nearest(seq: number): Snapshot | undefined {
    this.advance(seq);
    let lo = 0;
    let hi = this.taken.length - 1;
    let found: (typeof this.taken)[number] | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const snap = this.taken[mid] as (typeof this.taken)[number];
      if (snap.seq <= seq) {
        found = snap;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found === undefined) return undefined;
    const { stored } = found;
    return { seq: found.seq, text: () => decodeSnapshot(stored) };
  }

  /** Folds the frontier up to `seq`, taking a snapshot whenever `every` events have passed. */
  private advance(seq: number): void {
    let lastTaken = this.taken.at(-1)?.seq ?? 0;
    while (this.frontier.seq < seq) {
      const page = this.readEvents(this.frontier.seq, Math.min(pageSize, seq - this.frontier.seq));
      const before = this.frontier.seq;
      for (const event of page) {
        if (event.sequence > seq) break;
        foldEvent(this.frontier, event);
        if (event.sequence - lastTaken >= this.every) {
          const text = this.texts.snapshotText(this.frontier);
          this.taken.push({ seq: event.sequence, stored: encodeSnapshot(text, true) });
          lastTaken = event.sequence;
        }
      }
      if (this.frontier.seq === before) return; // no more events
    }
  }
}
