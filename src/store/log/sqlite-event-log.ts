/**
 * The SQLite event log. Appends run in `BEGIN IMMEDIATE` transactions that read the previous
 * chain hash inside the transaction, so the engine and a UI appending operator commands
 * from another process serialise cleanly. This is the hot path: statements are prepared
 * once, and nothing is validated by schema here (the engine validates before it emits).
 */
import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { type Clock, isoAt, systemClock } from "../../shared/clock.js";
import { UserError } from "../../shared/errors.js";
import { canonicalJson } from "../contract/canonical-json.js";
import type { AppendInput, AppendResult, StoredEvent } from "../contract/envelope.js";
import { type ChainRow, chainHash, GENESIS_HASH, verifyChainRows } from "./chain.js";
import { newEventId } from "./event-id.js";
import type { ChainReport, EventLog } from "./event-log.js";
import { type EventRow, eventColumnsSql, toStoredEvent } from "./rows.js";
import {
  applyWritePragmas,
  type DatabaseInfo,
  inspectDatabase,
  migrate,
  refuseForeign,
  refuseNewer,
  SCHEMA_VERSION,
} from "./schema.js";

/**
 * Called inside the append transaction with the events it inserted (never duplicates), so
 * whatever it writes (projections) commits or rolls back together with them. A throw
 * aborts the whole append.
 */
export interface AppendObserver {
  afterInsert(db: Database.Database, events: readonly StoredEvent[]): void;
}

/**
 * `writer`: the engine; creates and migrates. `observer`: the UI; an existing log of ours,
 * appending operator commands only. `readonly`: read commands and foreign (Python) logs.
 */
export type OpenMode = "writer" | "observer" | "readonly";

export interface OpenEventLogOptions {
  mode: OpenMode;
  clock?: Clock;
  observer?: AppendObserver;
  /** How long an append waits for another process's write transaction (default 5 s). */
  busyTimeoutMs?: number;
}

/** The only kind an observer (the UI) may append: everything else is the engine's. */
const OPERATOR_KIND = "control.requested";
const SCHEMA_VERSION_OF_EVENTS = 1;

export function openEventLog(path: string, options: OpenEventLogOptions): SqliteEventLog {
  const { mode } = options;
  if (mode !== "writer" && !existsSync(path)) {
    throw new UserError(
      `no event log at ${path}`,
      "Start the engine (`forge-loop run`) to create one, or pass the path of an existing events.db.",
    );
  }
  const db = connect(path, mode);
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
    // Refused before any pragma that writes: a Python database must stay byte-identical.
    checkOpenable(inspectDatabase(db), mode, path);
    applyWritePragmas(db, mode);
    if (mode === "writer") migrate(db, path);
    const info = inspectDatabase(db);
    return new SqliteEventLog(db, path, mode, info, options.clock ?? systemClock, options.observer);
  } catch (err) {
    db.close();
    throw asOpenError(err, path);
  }
}

function connect(path: string, mode: OpenMode): Database.Database {
  try {
    if (mode === "writer") mkdirSync(dirname(path), { recursive: true });
    return new Database(path, { readonly: mode === "readonly", fileMustExist: mode !== "writer" });
  } catch (err) {
    throw new UserError(
      `cannot open the event log at ${path}: ${(err as Error).message}`,
      "Check that the path is right and its directory is writable.",
    );
  }
}

function checkOpenable(info: DatabaseInfo, mode: OpenMode, path: string): void {
  if (mode === "writer") {
    // An empty file becomes a new log; migrate() checks again inside its transaction.
    refuseForeign(info, path);
    refuseNewer(info, path);
    return;
  }
  if (info.origin === "empty") {
    throw new UserError(
      `${path} is not a forge-loop event log (it has no events table)`,
      "Check the path, or start the engine (`forge-loop run`) to create the log.",
    );
  }
  if (mode !== "observer") return;
  refuseForeign(info, path);
  refuseNewer(info, path);
  if (info.schemaVersion < SCHEMA_VERSION) {
    throw new UserError(
      `${path} has event log schema ${info.schemaVersion}; this forge-loop needs ${SCHEMA_VERSION}`,
      "Start the engine (`forge-loop run`) once: it migrates the log.",
    );
  }
}

function asOpenError(err: unknown, path: string): unknown {
  const code = (err as { code?: unknown }).code;
  if (code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT") {
    return new UserError(
      `${path} is not a readable SQLite database (${(err as Error).message})`,
      "Check the path; `forge-loop doctor --db <path>` reports what it finds.",
    );
  }
  return err;
}

export class SqliteEventLog implements EventLog {
  /** An events table written by the Python forge-loop: read-only, never migrated. */
  readonly isForeign: boolean;
  private lastMs = Number.NaN;
  private lastIso = "";
  private readonly selectSince: Database.Statement<[number, number], EventRow>;
  private readonly selectHead: Database.Statement<[], number>;
  private readonly selectDataVersion: Database.Statement<[], number>;
  private readonly writes?: {
    insert: Database.Statement;
    selectByKey: Database.Statement<[string], EventRow>;
    lastHash: Database.Statement<[], string | null>;
    transaction: Database.Transaction<(inputs: readonly AppendInput[]) => AppendResult[]>;
  };

  constructor(
    readonly db: Database.Database,
    readonly path: string,
    readonly mode: OpenMode,
    readonly info: DatabaseInfo,
    private readonly clock: Clock,
    private readonly observer?: AppendObserver,
  ) {
    this.isForeign = info.origin === "foreign";
    const columns = eventColumnsSql(info.eventColumns, info.chainScheme);
    this.selectSince = db.prepare(
      `SELECT ${columns} FROM events WHERE sequence > ? ORDER BY sequence LIMIT ?`,
    );
    this.selectHead = db
      .prepare<[], number>("SELECT COALESCE(MAX(sequence), 0) FROM events")
      .pluck();
    this.selectDataVersion = db.prepare<[], number>("PRAGMA data_version").pluck();
    if (mode === "readonly") return;
    this.writes = {
      insert: db.prepare(
        `INSERT INTO events (event_id, kind, payload_json, schema_version, occurred_at, task_id,
           saga_id, causal_event_id, causal_sequence, idempotency_key, chain_hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      selectByKey: db.prepare(`SELECT ${columns} FROM events WHERE idempotency_key = ?`),
      lastHash: db
        .prepare<[], string | null>("SELECT chain_hash FROM events ORDER BY sequence DESC LIMIT 1")
        .pluck(),
      transaction: db.transaction((inputs: readonly AppendInput[]) => this.insertAll(inputs)),
    };
  }

  append(input: AppendInput): AppendResult {
    return this.appendBatch([input])[0] as AppendResult;
  }

  appendBatch(inputs: readonly AppendInput[]): AppendResult[] {
    const writes = this.writable();
    for (const input of inputs) this.checkInput(input);
    if (inputs.length === 0) return [];
    return writes.transaction.immediate(inputs);
  }

  since(after: number, limit = -1): StoredEvent[] {
    return this.selectSince.all(after, limit).map(toStoredEvent);
  }

  head(): number {
    return this.selectHead.get() as number;
  }

  /** Changes whenever another connection commits: a cheap "anything new?" for observers. */
  dataVersion(): number {
    return this.selectDataVersion.get() as number;
  }

  verifyChain(): ChainReport {
    const scheme = this.info.chainScheme;
    if (scheme === "none") {
      // A Python log from before the chain: nothing to verify, every row unchained.
      const checked = this.db.prepare("SELECT COUNT(*) FROM events").pluck().get() as number;
      return { ok: true, checked, unchained: checked };
    }
    const has = (c: string) => (this.info.eventColumns.has(c) ? c : `NULL AS ${c}`);
    const fields = [
      "sequence",
      "event_id",
      "kind",
      "payload_json",
      "schema_version",
      "occurred_at",
      "task_id",
      "saga_id",
      "idempotency_key",
    ].map(has);
    fields.push(`${scheme} AS stored`);
    if (scheme === "event_hash") fields.push(has("prev_hash"));
    const rows = this.db
      .prepare(`SELECT ${fields.join(", ")} FROM events ORDER BY sequence`)
      .iterate() as IterableIterator<ChainRow>;
    return verifyChainRows(rows, { scheme, allowUnchained: this.isForeign });
  }

  close(): void {
    this.db.close();
  }

  private writable(): NonNullable<SqliteEventLog["writes"]> {
    if (this.writes) return this.writes;
    throw new UserError(
      `the event log at ${this.path} is open read-only${this.isForeign ? " (a Python forge-loop database)" : ""}; nothing can be appended`,
      "Open it as the engine (writer) or as an observer to append.",
    );
  }

  /** Cheap shape checks only; payload schemas are the emitter's job. */
  private checkInput(input: AppendInput): void {
    if (typeof input.kind !== "string" || input.kind === "") {
      throw new TypeError("append: kind must be a non-empty string");
    }
    if (typeof input.idempotencyKey !== "string" || input.idempotencyKey === "") {
      throw new TypeError(`append ${input.kind}: idempotencyKey must be a non-empty string`);
    }
    const p = input.payload;
    if (p === null || typeof p !== "object" || Array.isArray(p)) {
      throw new TypeError(`append ${input.kind}: payload must be a JSON object`);
    }
    if (this.mode === "observer" && input.kind !== OPERATOR_KIND) {
      throw new UserError(
        `an observer may only append ${OPERATOR_KIND}, not ${input.kind}`,
        "Loop events are written by the engine alone.",
      );
    }
  }

  /** Runs inside the immediate transaction. */
  private insertAll(inputs: readonly AppendInput[]): AppendResult[] {
    const writes = this.writes!;
    let prev = writes.lastHash.get() ?? GENESIS_HASH;
    const results: AppendResult[] = [];
    const inserted: StoredEvent[] = [];
    for (const input of inputs) {
      // The key exists (from before, or earlier in this batch): hand back the stored event.
      // Looked up first: a refused INSERT costs an exception, which is slower than the
      // index lookup, and a re-mirrored file is nothing but duplicates.
      const existing = writes.selectByKey.get(input.idempotencyKey);
      if (existing) {
        results.push({ event: toStoredEvent(existing), inserted: false });
        continue;
      }
      const event = this.newEvent(input, prev);
      const sequence = this.tryInsert(event);
      if (sequence === undefined) {
        const stored = writes.selectByKey.get(event.idempotencyKey) as EventRow;
        results.push({ event: toStoredEvent(stored), inserted: false });
        continue;
      }
      event.sequence = sequence;
      prev = event.chainHash as string;
      inserted.push(event);
      results.push({ event, inserted: true });
    }
    if (inserted.length > 0) this.observer?.afterInsert(this.db, inserted);
    return results;
  }

  /**
   * Inserts and returns the new sequence, or undefined when the idempotency key exists.
   * The UNIQUE index detects the duplicate, so a new event costs one statement rather than
   * a lookup plus an insert. A refused plain INSERT is rolled back as a statement, so it
   * burns no AUTOINCREMENT sequence (`ON CONFLICT DO NOTHING` would, leaving a gap that
   * reads like a deleted row).
   */
  private tryInsert(event: StoredEvent): number | undefined {
    try {
      const info = this.writes!.insert.run(
        event.eventId,
        event.kind,
        event.payloadJson,
        event.schemaVersion,
        event.occurredAt,
        event.taskId,
        event.sagaId,
        event.causalEventId,
        event.causalSequence,
        event.idempotencyKey,
        event.chainHash,
      );
      return Number(info.lastInsertRowid);
    } catch (err) {
      if (isDuplicateKey(err)) return undefined;
      throw err;
    }
  }

  /** The clock's time as ISO text, formatted once per millisecond (a batch shares a few). */
  private nowIso(): string {
    const ms = this.clock.now();
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastIso = isoAt(ms);
    }
    return this.lastIso;
  }

  private newEvent(input: AppendInput, prev: string): StoredEvent {
    const payloadJson = canonicalJson(input.payload);
    const event: StoredEvent = {
      sequence: 0,
      eventId: newEventId(),
      kind: wellFormed(input.kind),
      // Parsed back from the stored text so live folds see exactly what replay will read.
      payload: JSON.parse(payloadJson) as Record<string, unknown>,
      payloadJson,
      schemaVersion: SCHEMA_VERSION_OF_EVENTS,
      occurredAt: input.occurredAt === undefined ? this.nowIso() : wellFormed(input.occurredAt),
      taskId: wellFormedOrNull(input.taskId),
      sagaId: wellFormedOrNull(input.sagaId),
      causalEventId: wellFormedOrNull(input.causalEventId),
      causalSequence: input.causalSequence ?? null,
      idempotencyKey: wellFormed(input.idempotencyKey),
      chainHash: null,
    };
    event.chainHash = chainHash(prev, {
      event_id: event.eventId,
      idempotency_key: event.idempotencyKey,
      kind: event.kind,
      occurred_at: event.occurredAt,
      payload_json: payloadJson,
      saga_id: event.sagaId,
      schema_version: event.schemaVersion,
      task_id: event.taskId,
    });
    return event;
  }
}

function isDuplicateKey(err: unknown): boolean {
  const { code, message } = err as { code?: unknown; message?: unknown };
  return (
    code === "SQLITE_CONSTRAINT_UNIQUE" &&
    typeof message === "string" &&
    message.includes("events.idempotency_key")
  );
}

const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * SQLite keeps text as UTF-8, where a lone UTF-16 surrogate cannot exist: better-sqlite3
 * writes U+FFFD in its place. Columns are replaced the same way before hashing, so the
 * chain covers what is stored and the returned event equals what a reader gets back.
 * (Payloads need nothing: JSON.stringify escapes lone surrogates as `\udXXX`.)
 */
function wellFormed(text: string): string {
  return text.replace(loneSurrogate, "\ufffd");
}

function wellFormedOrNull(text: string | null | undefined): string | null {
  return text === undefined || text === null ? null : wellFormed(text);
}
