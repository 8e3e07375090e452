/**
 * How a row version is stored in `snapshot_rows`, and its parts.
 *
 * A task row carries its whole attempt history, and each new version of it (every
 * heartbeat of a running attempt) differs from the last in its newest attempt only; the
 * scorecard row (tens of kilobytes, a new version at every snapshot) likewise differs in a
 * few of its buckets of tasks under way. Stored whole, a long log holds every old attempt
 * hundreds of times, and a seek parses them all again. So the big lists of a row
 * (`splitFields`) are stored element by element: the row is stored as
 * `["$split", fields, head]`, where `head` is the row with each split field's list replaced
 * by the ids of its elements, and an element equal to one stored before keeps that one's
 * id. Decoding parses each element once, however many versions hold it.
 *
 * Projection rows are JSON objects, so a stored text that starts with `["$split",` is
 * always a head; every other text is a whole row.
 */
import type Database from "better-sqlite3";
import type { ProjectionName } from "./types.js";

/** Fields stored element by element, per projection. */
const splitFields: Partial<Record<ProjectionName, readonly string[]>> = {
  tasks: ["attempts"],
  scorecard: ["openTasks"],
};

const headPrefix = '["$split",';

export type StoredHead = ["$split", string[], Record<string, unknown>];

export function isHeadText(text: string): boolean {
  return text.startsWith(headPrefix);
}

/** The head's split fields as `[field, element ids]`; throws on a malformed head. */
export function headParts(head: unknown): [string, number[]][] {
  if (!Array.isArray(head) || head[0] !== "$split" || !Array.isArray(head[1])) {
    throw new Error("snapshot row is not a split row");
  }
  const row = head[2] as Record<string, unknown>;
  return (head[1] as unknown[]).map((field) => {
    const ids = row?.[String(field)];
    if (!Array.isArray(ids) || !ids.every((id) => Number.isInteger(id))) {
      throw new Error(`snapshot row field ${String(field)} holds no element ids`);
    }
    return [String(field), ids as number[]];
  });
}

/** The row a head stands for, its elements looked up by id (`part` throws when missing). */
export function assembleRow(head: StoredHead, part: (id: number) => unknown): object {
  const row: Record<string, unknown> = { ...head[2] };
  for (const [field, ids] of headParts(head)) row[field] = ids.map(part);
  return row;
}

/** Most element texts remembered for reuse; past it the oldest half is forgotten. */
const maxRemembered = 20_000;

/**
 * Writes row versions: split rows as a head plus their elements, reusing the id of an
 * element this writer stored before with the same text. Committed ids are never reused and
 * the table is only ever emptied whole (a rebuild, maybe by another connection), so an id
 * below the table's smallest is gone (see `checkFloor`). A transaction that rolls back takes
 * its elements with it, and AUTOINCREMENT then hands their ids out again: the writer checks
 * that the last element it stored is still there before it trusts what it remembers.
 */
export class RowVersionWriter {
  private readonly elementIds = new Map<string, number>();
  /**
   * The same, by object: reducers never mutate a row, so an element object stored before
   * is unchanged and needs no stringify (a rebuild's fold keeps them; rows read back from
   * the tables are new objects and go by text).
   */
  private elementObjects = new WeakMap<object, number>();
  private floor = 0;
  /** The element this writer stored last: gone or changed means its transaction rolled back. */
  private lastStored?: { id: number; text: string };
  private readonly minId: Database.Statement<[]>;
  private readonly textOf: Database.Statement<[number]>;

  constructor(
    db: Database.Database,
    private readonly insert: (text: string) => number,
  ) {
    this.minId = db.prepare("SELECT min(id) FROM snapshot_rows").pluck();
    this.textOf = db.prepare("SELECT json FROM snapshot_rows WHERE id = ?").pluck();
  }

  /** Stores `row` (an object, or its JSON text) and returns the id of its version. */
  store(name: ProjectionName, row: object | string): number {
    const fields = splitFields[name];
    if (fields === undefined)
      return this.insert(typeof row === "string" ? row : JSON.stringify(row));
    const value = (typeof row === "string" ? JSON.parse(row) : row) as Record<string, unknown>;
    const split = fields.filter((field) => Array.isArray(value[field]));
    if (split.length === 0) return this.insert(typeof row === "string" ? row : JSON.stringify(row));
    this.checkFloor();
    const head: Record<string, unknown> = { ...value };
    for (const field of split) {
      head[field] = (value[field] as unknown[]).map((element) => this.element(element));
    }
    const stored: StoredHead = ["$split", split, head];
    return this.insert(JSON.stringify(stored));
  }

  forget(): void {
    this.elementIds.clear();
    this.elementObjects = new WeakMap();
    this.lastStored = undefined;
  }

  private element(element: unknown): number {
    const isObject = typeof element === "object" && element !== null;
    const known = isObject ? this.elementObjects.get(element) : undefined;
    if (known !== undefined) return known;
    const text = JSON.stringify(element) ?? "null";
    let id = this.elementIds.get(text);
    if (id === undefined) {
      id = this.insert(text);
      this.lastStored = { id, text };
      this.elementIds.set(text, id);
      if (this.elementIds.size > maxRemembered) this.forgetOldestHalf();
    }
    if (isObject) this.elementObjects.set(element, id);
    return id;
  }

  /**
   * Forgets every remembered id when the last element stored is gone (rolled back), and
   * drops those below the table's smallest: only a whole-table delete removes committed
   * rows, and every id stored after it is larger than every id before it.
   */
  private checkFloor(): void {
    const last = this.lastStored;
    if (last !== undefined && this.textOf.get(last.id) !== last.text) this.forget();
    const min = (this.minId.get() as number | null) ?? Number.POSITIVE_INFINITY;
    if (min <= this.floor) return;
    for (const [text, id] of this.elementIds) if (id < min) this.elementIds.delete(text);
    this.elementObjects = new WeakMap();
    this.floor = Number.isFinite(min) ? min : 0;
  }

  private forgetOldestHalf(): void {
    let drop = this.elementIds.size / 2;
    for (const text of this.elementIds.keys()) {
      if (drop-- <= 0) return;
      this.elementIds.delete(text);
    }
  }
}
