/**
 * Rebuilding the projection tables and snapshots from the log alone, and verifying that
 * what is stored equals a fresh fold from sequence 0 ("rebuilding from sequence 0 must give
 * the same tables", ARCHITECTURE.md). Both fold in memory with the same `foldEvent` the
 * scrubber uses, so a difference can only come from the stored side.
 */
import type Database from "better-sqlite3";
import { canonicalJson } from "../contract/canonical-json.js";
import { projectionNames, projections } from "./all.js";
import type { LogPages } from "./event-pages.js";
import { emptyState, foldEvent } from "./fold.js";
import { FoldSnapshotWriter } from "./fold-snapshots.js";
import type { Manifest, ManifestRows } from "./manifest.js";
import { ensureSnapshotTables, snapshotTablesExist, TableSnapshots } from "./snapshots.js";
import { commonCursor, ensureProjectionTables, tableRows, writeTableState } from "./tables.js";
import type { LoopState } from "./types.js";

export interface RebuildOptions {
  snapshotEvery: number;
}

export interface RebuildReport {
  /** Events folded. */
  events: number;
  /** The sequence the tables now stand at. */
  seq: number;
  snapshots: number;
}

/**
 * Drops every projection row, cursor and snapshot and folds the whole log again, in one
 * immediate transaction: appenders (an operator command from the UI) wait rather than fold
 * into half-rebuilt tables.
 */
export function rebuildProjections(
  db: Database.Database,
  readLog: LogPages,
  options: RebuildOptions,
): RebuildReport {
  ensureProjectionTables(db, projections);
  ensureSnapshotTables(db);
  return db
    .transaction((): RebuildReport => {
      const tableSnapshots = new TableSnapshots(db);
      tableSnapshots.clear();
      const snapshots = new FoldSnapshotWriter(tableSnapshots);
      const snapshotting = options.snapshotEvery > 0;
      const changes = snapshotting ? snapshots : undefined;
      const state = emptyState();
      let events = 0;
      let taken = 0;
      let lastSnapshot = 0;
      for (const page of readLog()) {
        for (const event of page) {
          foldEvent(state, event, changes);
          if (snapshotting && event.sequence - lastSnapshot >= options.snapshotEvery) {
            snapshots.write(state);
            lastSnapshot = event.sequence;
            taken += 1;
          }
        }
        events += page.length;
      }
      writeTableState(db, projections, state, (name, key, row) =>
        snapshots.storedId(name, key, row),
      );
      return { events, seq: state.seq, snapshots: taken };
    })
    .immediate();
}

/** The first place where the stored state differs from the fold. */
export interface Difference {
  /** A projection table's rows, a stored snapshot, or the cursors. */
  where: "table" | "snapshot" | "cursor";
  projection?: string;
  key?: string;
  /** Position of the row in fold order. */
  position?: number;
  /** For a snapshot: its sequence. */
  seq?: number;
  /** What the fold gives, and what is stored ("(absent)" when there is no such row). */
  expected: string;
  actual: string;
}

export interface VerifyReport {
  ok: boolean;
  /** The sequence verified up to (the head at the start of the check). */
  seq: number;
  events: number;
  /** False for a database without our tables (a Python log): only the fold was checked. */
  materialized: boolean;
  rowsChecked: number;
  snapshotsChecked: number;
  difference?: Difference;
}

const absent = "(absent)";

/**
 * Folds the log from sequence 0 in memory and compares every projection table (rows, keys
 * and order), the cursors and every stored snapshot with it. Runs in one read transaction,
 * so appends committed meanwhile do not show up as differences.
 */
export function verifyProjections(
  db: Database.Database,
  readLog: LogPages,
  materialized: boolean,
): VerifyReport {
  return db.transaction((): VerifyReport => {
    const snapshots = materialized && snapshotTablesExist(db) ? new TableSnapshots(db) : undefined;
    const snapshotSeqs = snapshots?.sequences() ?? [];
    const checker = snapshots && new SnapshotChecker(snapshots);
    const state = emptyState();
    const report: VerifyReport = {
      ok: true,
      seq: 0,
      events: 0,
      materialized,
      rowsChecked: 0,
      snapshotsChecked: 0,
    };
    let next = 0;
    const checkSnapshotsUpTo = (seq: number): Difference | undefined => {
      while (next < snapshotSeqs.length && (snapshotSeqs[next] as number) <= seq) {
        const snapSeq = snapshotSeqs[next++] as number;
        const difference = (checker as SnapshotChecker).check(snapSeq, state);
        report.snapshotsChecked += 1;
        if (difference) return difference;
      }
      return undefined;
    };
    for (const page of readLog()) {
      for (const event of page) {
        const difference = checkSnapshotsUpTo(event.sequence - 1);
        if (difference) return fail(report, difference);
        foldEvent(state, event);
      }
      report.events += page.length;
    }
    report.seq = state.seq;
    const snapshotDifference = checkSnapshotsUpTo(Number.MAX_SAFE_INTEGER);
    if (snapshotDifference) return fail(report, snapshotDifference);
    if (!materialized) return report;
    const cursor = commonCursor(db, projections);
    if (cursor !== state.seq) {
      return fail(report, {
        where: "cursor",
        expected: String(state.seq),
        actual: cursor === undefined ? "cursors disagree" : String(cursor),
      });
    }
    for (const name of projectionNames) {
      const stored = [...tableRows(db, name)];
      report.rowsChecked += stored.length;
      const difference = diffRows(name, [...state[name]], stored, "table");
      if (difference) return fail(report, difference);
    }
    return report;
  })();
}

function fail(report: VerifyReport, difference: Difference): VerifyReport {
  return { ...report, ok: false, difference };
}

/**
 * Compares stored snapshots with the fold as it passes their sequences. A row version that
 * matched a fold row once is not compared again while the fold still holds that same row
 * object (reducers return a new object for every change), so checking hundreds of
 * snapshots of a large state costs about as much as checking the rows that changed.
 */
class SnapshotChecker {
  /** Row id → the fold row it was found equal to. */
  private readonly matched = new Map<number, unknown>();

  constructor(private readonly snapshots: TableSnapshots) {}

  check(seq: number, state: LoopState): Difference | undefined {
    let manifest: Manifest;
    try {
      manifest = this.snapshots.manifest(seq);
    } catch (err) {
      const actual = (err as Error).message;
      return { where: "snapshot", seq, expected: "a readable snapshot", actual };
    }
    if (manifest.seq !== state.seq) {
      const actual = `seq ${manifest.seq}`;
      return { where: "snapshot", seq, expected: `seq ${state.seq}`, actual };
    }
    for (const name of projectionNames) {
      const expected = [...(state[name] as Map<string, unknown>)];
      const stored = manifest.rows[name] ?? { keys: [], ids: [] };
      if (this.matches(expected, stored)) continue;
      const texts = this.snapshots.rowTexts(stored.ids);
      const rows = stored.keys.map((key, i): [string, string] => {
        const id = stored.ids[i] as number;
        return [key, texts.get(id) ?? `"(row ${id} is missing)"`];
      });
      const difference = diffRows(name, expected, rows, "snapshot");
      if (difference) return { ...difference, seq };
    }
    return undefined;
  }

  private matches(expected: [string, unknown][], stored: ManifestRows): boolean {
    if (expected.length !== stored.keys.length) return false;
    const unmatched = stored.ids.filter((id, i) => this.matched.get(id) !== expected[i]?.[1]);
    const texts = this.snapshots.rowTexts(unmatched);
    for (let i = 0; i < stored.keys.length; i++) {
      const key = stored.keys[i] as string;
      const id = stored.ids[i] as number;
      const [wantKey, want] = expected[i] as [string, unknown];
      if (key !== wantKey) return false;
      if (this.matched.get(id) === want) continue;
      const text = texts.get(id);
      if (text === undefined) return false;
      if (text !== JSON.stringify(want) && canonicalText(text) !== canonicalJson(want))
        return false;
      this.matched.set(id, want);
    }
    return true;
  }
}

/** Compares fold rows with stored `[key, json]` rows, position by position. */
function diffRows(
  projection: string,
  expected: [string, unknown][],
  stored: [string, string][],
  where: Difference["where"],
): Difference | undefined {
  const length = Math.max(expected.length, stored.length);
  for (let position = 0; position < length; position++) {
    const want = expected[position];
    const have = stored[position];
    const wantJson = want ? canonicalJson(want[1]) : absent;
    const haveJson = have ? canonicalText(have[1]) : absent;
    if (want?.[0] === have?.[0] && wantJson === haveJson) continue;
    const key = want?.[0] ?? have?.[0];
    const sameKeyStored = stored.find(([k]) => k === key);
    return {
      where,
      projection,
      key,
      position,
      expected: wantJson,
      actual:
        have?.[0] === key
          ? haveJson
          : sameKeyStored
            ? `${canonicalText(sameKeyStored[1])} (out of order: at position ${stored.indexOf(sameKeyStored)})`
            : absent,
    };
  }
  return undefined;
}

/** Stored JSON in canonical form, or the raw text marked as such when it does not parse. */
function canonicalText(json: string): string {
  try {
    return canonicalJson(JSON.parse(json));
  } catch {
    return `not JSON: ${json.slice(0, 200)}`;
  }
}
