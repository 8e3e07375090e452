/**
 * The tamper-evident chain over the log's rows, bit-for-bit the Python forge-loop's
 * (EVENTS.md "Reading a Python forge-loop database"), so `doctor` verifies either project's
 * database. Two Python schemes exist:
 *
 * - #339 (`chain_hash`, what we write): sha256_hex(prev + canonical fields), the fields as
 *   `json.dumps(sort_keys=True, separators=(",", ":"))` with ensure_ascii.
 * - #338 (`prev_hash` + `event_hash`, an earlier variant): sha256_hex of a JSON array of
 *   prev and the fields, ensure_ascii=False.
 *
 * `payload_json` always enters as the stored text, never re-serialised (Python keeps
 * floats like `12.0` that JavaScript would print as `12`).
 */
import crypto from "node:crypto";
import { asciiEscapeJson } from "../contract/canonical-json.js";
import type { ChainReport } from "./event-log.js";

export const GENESIS_HASH = "0".repeat(64);

/** The hashed columns of one row, as stored (a Python row may hold NULL where we never do). */
export interface ChainFields {
  event_id: string;
  idempotency_key: string | null;
  kind: string;
  occurred_at: string;
  payload_json: string;
  saga_id: string | null;
  schema_version: number;
  task_id: string | null;
}

/** Python's `canonical_event_fields`: keys sorted, compact, non-ASCII as `\uXXXX`. */
export function canonicalChainFields(f: ChainFields): string {
  // Written in sorted key order: JSON.stringify keeps insertion order.
  return asciiEscapeJson(
    JSON.stringify({
      event_id: f.event_id,
      idempotency_key: f.idempotency_key,
      kind: f.kind,
      occurred_at: f.occurred_at,
      payload_json: f.payload_json,
      saga_id: f.saga_id,
      schema_version: f.schema_version,
      task_id: f.task_id,
    }),
  );
}

/** #339: the hash we write. A NULL previous hash counts as genesis. */
export function chainHash(prev: string | null, f: ChainFields): string {
  return chainHashOf(prev, canonicalChainFields(f));
}

/** `chainHash` of the fields whose `canonicalChainFields` text is `canonical`. */
export function chainHashOf(prev: string | null, canonical: string): string {
  return sha256Hex((prev ?? GENESIS_HASH) + canonical);
}

/** #338: `json.dumps([prev, event_id, kind, payload_json, schema_version, occurred_at, task_id, saga_id, idempotency_key], ensure_ascii=False)`. */
export function eventHash(prev: string | null, f: ChainFields): string {
  return sha256Hex(
    JSON.stringify([
      prev ?? GENESIS_HASH,
      f.event_id,
      f.kind,
      f.payload_json,
      f.schema_version,
      f.occurred_at,
      f.task_id,
      f.saga_id,
      f.idempotency_key,
    ]),
  );
}

/** One-shot `crypto.hash` (Node ≥ 20.12) is about twice as fast as a Hash object per row. */
const sha256Hex: (text: string) => string =
  typeof crypto.hash === "function"
    ? (text) => crypto.hash("sha256", text, "hex")
    : (text) => crypto.createHash("sha256").update(text, "utf8").digest("hex");

/** One row as the verifier reads it: the hashed fields, the stored hash, and (#338) the stored link. */
export interface ChainRow extends ChainFields {
  sequence: number;
  stored: string | null;
  prev_hash?: string | null;
}

export interface VerifyOptions {
  scheme: "chain_hash" | "event_hash";
  /**
   * Python databases may hold rows written before the chain existed (NULL hash): they are
   * counted as unchained and the next row chains from genesis, as the Python writer did.
   * In our own log every row is chained, so a NULL hash is a break.
   */
  allowUnchained: boolean;
}

/** Walks rows in sequence order and stops at the first one whose hash does not recompute. */
export function verifyChainRows(rows: Iterable<ChainRow>, options: VerifyOptions): ChainReport {
  const hash = options.scheme === "chain_hash" ? chainHash : eventHash;
  let prev = GENESIS_HASH;
  let checked = 0;
  let unchained = 0;
  for (const row of rows) {
    checked++;
    if (row.stored === null && options.allowUnchained) {
      unchained++;
      prev = GENESIS_HASH;
      continue;
    }
    const broken = (column: string, expected: string, stored: string | null | undefined) => ({
      ok: false,
      checked,
      unchained,
      firstBroken: {
        sequence: row.sequence,
        eventId: row.event_id,
        expected,
        stored: stored ?? null,
        column,
      },
    });
    if (options.scheme === "event_hash" && row.prev_hash !== prev) {
      return broken("prev_hash", prev, row.prev_hash);
    }
    const expected = hash(prev, row);
    if (row.stored !== expected) return broken(options.scheme, expected, row.stored);
    prev = expected;
  }
  return { ok: true, checked, unchained };
}
