/**
 * Snapshots of an in-memory fold (`rebuild`): one every few thousand events, of a state of
 * thousands of rows of which a few dozen changed since the last one. The fold tells this
 * writer which keys it set or deleted (`RowChanges`), so a snapshot looks at those keys
 * only: a changed row is stored as a new version, and every other key keeps the id the last
 * manifest gave it. A reducer returns a new object for every change, so a key set to the
 * very object stored last time is unchanged and keeps its id too.
 *
 * Manifests are mostly deltas against the last full one (`manifest.ts`): all of them are
 * written in the rebuild's one transaction, so every base a delta names is there with it.
 */
import { projectionNames } from "./all.js";
import type { RowChanges } from "./fold.js";
import {
  deltaLength,
  type Manifest,
  type ManifestRows,
  manifestDelta,
  manifestLength,
} from "./manifest.js";
import type { TableSnapshots } from "./snapshots.js";
import type { LoopState, ProjectionName } from "./types.js";

/**
 * A delta listing more than this share of the rows gives way to a full manifest: a delta
 * grows with every snapshot since its base, and decoding one decodes the base too.
 */
const maxDeltaShare = 1 / 8;

export class FoldSnapshotWriter implements RowChanges {
  private readonly projections = new Map<ProjectionName, StoredProjection>(
    projectionNames.map((name) => [name, new StoredProjection()]),
  );
  /** The last full manifest written, as it was then. */
  private base?: Manifest;

  constructor(private readonly snapshots: TableSnapshots) {}

  set(name: ProjectionName, key: string): void {
    this.of(name).set(key);
  }

  deleted(name: ProjectionName, key: string): void {
    this.of(name).deleted(key);
  }

  /** Stores the snapshot of `state`, which must have been folded with this writer told. */
  write(state: LoopState): void {
    const manifest: Manifest = { seq: state.seq, rows: {} };
    for (const name of projectionNames) {
      manifest.rows[name] = this.of(name).update(state[name] as Map<string, object>, (row) =>
        this.snapshots.storeRow(name, row),
      );
    }
    const delta = this.base && manifestDelta(this.base, manifest);
    if (delta && deltaLength(delta) <= maxDeltaShare * manifestLength(manifest)) {
      this.snapshots.writeManifest(delta);
      return;
    }
    this.snapshots.writeManifest(manifest);
    // The listed rows change in place as the fold goes on: the base keeps a copy.
    const base: Manifest = { seq: manifest.seq, rows: {} };
    for (const name of projectionNames) {
      const rows = manifest.rows[name] as ManifestRows;
      base.rows[name] = { keys: [...rows.keys], ids: [...rows.ids] };
    }
    this.base = base;
  }

  /** The id `row` was stored under by the last `write`, if it was. */
  storedId(name: ProjectionName, key: string, row: object): number | undefined {
    return this.of(name).storedId(key, row);
  }

  private of(name: ProjectionName): StoredProjection {
    return this.projections.get(name) as StoredProjection;
  }
}

/** One projection's rows as the last manifest listed them, and the keys changed since. */
class StoredProjection {
  /** The last manifest's keys in fold order and their row ids. */
  private rows: ManifestRows = { keys: [], ids: [] };
  /** Per listed key: its index in `rows`, and the row object stored under its id. */
  private readonly versions = new Map<string, { index: number; row: object }>();
  private readonly changed = new Set<string>();
  /** A key was deleted since: the fold order of the remaining keys must be listed again. */
  private reordered = false;

  set(key: string): void {
    this.changed.add(key);
  }

  deleted(key: string): void {
    this.changed.add(key);
    this.reordered = true;
  }

  /** Brings the listed rows up to `rows` (the fold's), storing the changed ones. */
  update(rows: Map<string, object>, store: (row: object) => number): ManifestRows {
    if (this.reordered) this.relist(rows, store);
    else this.patch(rows, store);
    this.changed.clear();
    this.reordered = false;
    return this.rows;
  }

  storedId(key: string, row: object): number | undefined {
    const version = this.versions.get(key);
    return version?.row === row ? this.rows.ids[version.index] : undefined;
  }

  /**
   * Without deletions, a Map keeps every listed key where it was and appends new keys in
   * the order they were first set, which is the order they entered `changed`.
   */
  private patch(rows: Map<string, object>, store: (row: object) => number): void {
    for (const key of this.changed) {
      const row = rows.get(key) as object;
      const version = this.versions.get(key);
      if (version === undefined) {
        this.versions.set(key, { index: this.rows.keys.length, row });
        this.rows.keys.push(key);
        this.rows.ids.push(store(row));
      } else if (version.row !== row) {
        version.row = row;
        this.rows.ids[version.index] = store(row);
      }
    }
  }

  /** Lists every key again in fold order (after deletions: evicted ticks, ended workers). */
  private relist(rows: Map<string, object>, store: (row: object) => number): void {
    for (const key of this.changed) if (!rows.has(key)) this.versions.delete(key);
    const listed: ManifestRows = { keys: [], ids: [] };
    for (const [key, row] of rows) {
      const version = this.versions.get(key);
      const index = listed.keys.length;
      listed.keys.push(key);
      if (version === undefined) {
        this.versions.set(key, { index, row });
        listed.ids.push(store(row));
      } else {
        listed.ids.push(
          version.row === row ? (this.rows.ids[version.index] as number) : store(row),
        );
        version.index = index;
        version.row = row;
      }
    }
    this.rows = listed;
  }
}
