/**
 * The snapshot manifest codec. A manifest lists, per projection, the state's keys in fold
 * order and the id of each key's row version in `snapshot_rows`.
 *
 * A full manifest holds every row of the state (thousands), so its encoding is binary: the
 * keys as one JSON list, the ids as 32-bit integers. Layout before deflate (version 3): the
 * byte 0x33, the header length (u32 LE), the header JSON (`{seq, counts, keys}`), zero
 * padding to a multiple of 4, the ids.
 *
 * Consecutive snapshots differ in a few dozen rows, so a manifest may instead be a delta
 * (version 4, deflated JSON): per projection, how its rows differ from those of a full
 * manifest stored earlier, its base. A delta never names another delta as its base, so
 * decoding one reads at most two manifests.
 */
import { constants, deflateRawSync, inflateRawSync } from "node:zlib";
import { projectionNames } from "./all.js";
import type { ProjectionName } from "./types.js";

/** One projection's rows: keys in fold order, and at the same index the row version's id. */
export interface ManifestRows {
  keys: string[];
  ids: number[];
}

export interface Manifest {
  seq: number;
  rows: Partial<Record<ProjectionName, ManifestRows>>;
}

/**
 * One projection's rows as changes to its rows in the base: the first `drop` base rows are
 * gone, the rows left keep their order and have new ids at the `changed` positions (counted
 * after the drop), and the `appended` rows follow them. Evicting the oldest rows and
 * inserting new ones, the only reorderings a fold makes besides deletions, fit this; rows
 * that do not are all dropped and appended again.
 */
export interface RowsDelta {
  drop: number;
  changed: [number, number][];
  appended: [string, number][];
}

export interface ManifestDelta {
  seq: number;
  /** The sequence of the full manifest the changes apply to. */
  base: number;
  rows: Partial<Record<ProjectionName, RowsDelta>>;
}

/** What leads the deflated bytes of a version 3 manifest (versions 2 and 4 are JSON: `{`). */
const MANIFEST_V3 = 0x33;
const DELTA_VERSION = 4;

/**
 * Huffman coding alone: half the time of the fastest LZ level, and about the same size here
 * (the keys and ids repeat little within one manifest).
 */
const deflateOptions = { strategy: constants.Z_HUFFMAN_ONLY };

/** Throws a RangeError for an id that does not fit in 32 bits. */
export function encodeManifest(manifest: Manifest): Buffer {
  const counts: Partial<Record<ProjectionName, number>> = {};
  const keys: string[] = [];
  const ids: number[] = [];
  for (const name of projectionNames) {
    const rows = manifest.rows[name];
    if (rows === undefined) continue;
    counts[name] = rows.keys.length;
    for (let i = 0; i < rows.keys.length; i++) {
      keys.push(rows.keys[i] as string);
      ids.push(rows.ids[i] as number);
    }
  }
  const header = Buffer.from(JSON.stringify({ seq: manifest.seq, counts, keys }), "utf8");
  const idsAt = align4(5 + header.length);
  const bytes = Buffer.alloc(idsAt + 4 * ids.length);
  bytes[0] = MANIFEST_V3;
  bytes.writeUInt32LE(header.length, 1);
  header.copy(bytes, 5);
  for (let i = 0; i < ids.length; i++) bytes.writeUInt32LE(ids[i] as number, idsAt + 4 * i);
  return deflateRawSync(bytes, deflateOptions);
}

export function encodeDelta(delta: ManifestDelta): Buffer {
  const { seq, base, rows } = delta;
  const json = JSON.stringify({ version: DELTA_VERSION, seq, base, rows });
  return deflateRawSync(Buffer.from(json, "utf8"), deflateOptions);
}

/**
 * The stored manifest, full or delta (`isDelta` tells which). Throws an Error naming the
 * problem when the bytes are not a manifest.
 */
export function decodeManifest(stored: unknown): Manifest | ManifestDelta {
  if (!Buffer.isBuffer(stored)) throw new Error("snapshot is not a deflated manifest");
  const bytes = inflateRawSync(stored);
  if (bytes[0] !== MANIFEST_V3) return decodeJsonManifest(bytes);
  const headerLength = bytes.readUInt32LE(1);
  const header = JSON.parse(bytes.toString("utf8", 5, 5 + headerLength)) as {
    seq?: unknown;
    counts?: Partial<Record<ProjectionName, number>>;
    keys?: unknown;
  };
  const { seq, counts, keys } = header;
  if (typeof seq !== "number" || typeof counts !== "object" || !Array.isArray(keys)) {
    throw new Error("snapshot manifest header is malformed");
  }
  const idsAt = align4(5 + headerLength);
  if (bytes.length !== idsAt + 4 * keys.length) throw new Error("snapshot manifest is truncated");
  const manifest: Manifest = { seq, rows: {} };
  let at = 0;
  for (const name of projectionNames) {
    const count = counts[name];
    if (count === undefined) continue;
    const rows: ManifestRows = { keys: new Array(count), ids: new Array(count) };
    for (let i = 0; i < count; i++, at++) {
      rows.keys[i] = String(keys[at]);
      rows.ids[i] = bytes.readUInt32LE(idsAt + 4 * at);
    }
    manifest.rows[name] = rows;
  }
  return manifest;
}

export function isDelta(manifest: Manifest | ManifestDelta): manifest is ManifestDelta {
  return "base" in manifest;
}

/** Version 2 (a full manifest as JSON, written before version 3: still read) or a delta. */
function decodeJsonManifest(bytes: Buffer): Manifest | ManifestDelta {
  const parsed = JSON.parse(bytes.toString("utf8")) as {
    version?: unknown;
    seq?: unknown;
    base?: unknown;
    rows?: Record<string, unknown>;
  };
  const { version, seq, base, rows } = parsed;
  if (typeof seq !== "number" || typeof rows !== "object" || rows === null) {
    throw new Error("snapshot is not a version 2, 3 or 4 manifest");
  }
  if (version === DELTA_VERSION && typeof base === "number") {
    return { seq, base, rows: rows as ManifestDelta["rows"] };
  }
  if (version !== 2) throw new Error("snapshot is not a version 2, 3 or 4 manifest");
  const manifest: Manifest = { seq, rows: {} };
  for (const name of projectionNames) {
    const pairs = rows[name] as [string, number][] | undefined;
    if (pairs === undefined) continue;
    manifest.rows[name] = { keys: pairs.map(([key]) => key), ids: pairs.map(([, id]) => id) };
  }
  return manifest;
}

/** The changes that turn `base`'s rows into `manifest`'s. */
export function manifestDelta(base: Manifest, manifest: Manifest): ManifestDelta {
  const delta: ManifestDelta = { seq: manifest.seq, base: base.seq, rows: {} };
  for (const name of projectionNames) {
    const rows = manifest.rows[name];
    if (rows !== undefined) delta.rows[name] = rowsDelta(base.rows[name] ?? noRows, rows);
  }
  return delta;
}

/** Rows listed by a delta: a measure of its size. */
export function deltaLength(delta: ManifestDelta): number {
  let length = 0;
  for (const rows of Object.values(delta.rows))
    length += rows.changed.length + rows.appended.length;
  return length;
}

/** Rows listed by a full manifest. */
export function manifestLength(manifest: Manifest): number {
  let length = 0;
  for (const rows of Object.values(manifest.rows)) length += rows.keys.length;
  return length;
}

/**
 * The full manifest `delta` stands for, given its base. Throws an Error naming the problem
 * when the delta does not fit the base (a base stored again since, or tampered with).
 */
export function applyDelta(base: Manifest, delta: ManifestDelta): Manifest {
  if (base.seq !== delta.base) {
    throw new Error(`snapshot delta is based on ${delta.base}, not ${base.seq}`);
  }
  const manifest: Manifest = { seq: delta.seq, rows: {} };
  for (const name of projectionNames) {
    const rows = delta.rows[name];
    if (rows === undefined) continue;
    const from = base.rows[name] ?? noRows;
    const { drop, changed, appended } = rows;
    if (
      !isIndex(drop, from.keys.length + 1) ||
      !Array.isArray(changed) ||
      !Array.isArray(appended)
    ) {
      throw new Error(`snapshot delta of ${name} is malformed`);
    }
    const keys = from.keys.slice(drop);
    const ids = from.ids.slice(drop);
    for (const [index, id] of changed) {
      if (!isIndex(index, ids.length) || !isId(id)) {
        throw new Error(`snapshot delta of ${name} changes no row`);
      }
      ids[index] = id;
    }
    for (const [key, id] of appended) {
      if (typeof key !== "string" || !isId(id)) {
        throw new Error(`snapshot delta of ${name} appends no row`);
      }
      keys.push(key);
      ids.push(id);
    }
    manifest.rows[name] = { keys, ids };
  }
  return manifest;
}

const noRows: ManifestRows = { keys: [], ids: [] };

function rowsDelta(base: ManifestRows, rows: ManifestRows): RowsDelta {
  const drop = droppedFromFront(base.keys, rows.keys);
  const kept = base.keys.length - drop;
  const changed: [number, number][] = [];
  for (let i = 0; i < kept; i++) {
    const id = rows.ids[i] as number;
    if (id !== base.ids[drop + i]) changed.push([i, id]);
  }
  const appended: [string, number][] = [];
  for (let i = kept; i < rows.keys.length; i++) {
    appended.push([rows.keys[i] as string, rows.ids[i] as number]);
  }
  return { drop, changed, appended };
}

/**
 * How many of `base`'s first keys are gone when the rest lead `keys` in the same order;
 * all of them when they do not (keys are unique, so only one count can fit).
 */
function droppedFromFront(base: readonly string[], keys: readonly string[]): number {
  const drop = keys.length === 0 ? -1 : base.indexOf(keys[0] as string);
  if (drop < 0 || base.length - drop > keys.length) return base.length;
  for (let i = drop; i < base.length; i++) if (base[i] !== keys[i - drop]) return base.length;
  return drop;
}

function isIndex(value: unknown, length: number): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) < length;
}

function isId(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
