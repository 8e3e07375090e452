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
import type { AppendInput, AppendResult, StoredEvent } from "../contract/envelope.js";
import { type ChainRow, GENESIS_HASH, verifyChainRows } from "./chain.js";
import type { ChainReport, EventLog } from "./event-log.js";
import {
  chainEvent,
  keyOf,
  type NewEvent,
  newEvent,
  type PreparedEvent,
  SCHEMA_VERSION_OF_EVENTS,
} from "./new-event.js";
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

/**
 * A `transaction` in progress, or one from `openTransaction`; `failed` holds what was
 * thrown inside it, once anything was.
 */
interface Bulk {
  failed?: unknown;
}

/** A transaction from `openTransaction`: ended by one of these, once. */
export interface OpenTransaction {
  /** Commits, unless anything inside failed: then rolls back and throws that. */
  commit(): void;
  /** Rolls back (nothing, if it has already ended). */
  rollback(): void;
}

/** The only kind an observer (the UI) may append: everything else is the engine's. */
const OPERATOR_KIND = "control.requested";
/**
 * Most keys one query looks up when a batch checks which of its keys the log holds: a
 * third of the cost per key of one query each, far below SQLite's 32766 parameters.
 */
const MAX_KEYS_PER_LOOKUP = 512;

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
    lastHash: Database.Statement<[], string | null>;
    transaction: Database.Transaction<(inputs: readonly AppendInput[]) => AppendResult[]>;
  };
  /** `SELECT … WHERE idempotency_key IN (?, …)` by number of placeholders, prepared when first needed. */
  private readonly selectByKeys = new Map<
    number,
    Database.Statement<[(string | null)[]], EventRow>
  >();
  /** The same, selecting the keys alone. */
  private readonly selectKeys = new Map<number, Database.Statement<[(string | null)[]], string>>();
  private readonly selectKeyInRange: Database.Statement<[string, string], number>;
  private readonly columns: string;
  /** Set while `transaction` runs, or a transaction from `openTransaction` is open. */
  private bulk?: Bulk;
  private readonly clockIso = () => this.nowIso();

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
    this.columns = columns;
    this.selectSince = db
      .prepare<[number, number], EventRow>(
        `SELECT ${columns} FROM events WHERE sequence > ? ORDER BY sequence LIMIT ?`,
      )
      .raw();
    this.selectHead = db
      .prepare<[], number>("SELECT COALESCE(MAX(sequence), 0) FROM events")
      .pluck();
    this.selectDataVersion = db.prepare<[], number>("PRAGMA data_version").pluck();
    this.selectKeyInRange = db
      .prepare<[string, string], number>(
        "SELECT 1 FROM events WHERE idempotency_key >= ? AND idempotency_key < ? LIMIT 1",
      )
      .pluck();
    if (mode === "readonly") return;
    this.writes = {
      insert: db.prepare(
        `INSERT INTO events (event_id, kind, payload_json, schema_version, occurred_at, task_id,
           saga_id, causal_event_id, causal_sequence, idempotency_key, chain_hash)
         VALUES (?, ?, ?, ${SCHEMA_VERSION_OF_EVENTS}, ?, ?, ?, ?, ?, ?, ?)`,
      ),
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
    // Inside transaction(): no savepoint per batch, which would make SQLite copy every page
    // the transaction had already changed into a sub-journal. So a failed batch cannot be
    // undone alone: it fails the whole transaction instead.
    if (this.bulk) return this.insideBulk(this.bulk, () => this.insertAll(inputs));
    return writes.transaction.immediate(inputs);
  }

  /**
   * Chains and inserts rows prepared ahead of the transaction (`prepareEvent`, by the
   * legacy mirror's worker), in one transaction or the `transaction` in progress. The
   * caller answers for their keys being new, but for the rows at the indexes `unsure`
   * (ascending): those are looked up first and skipped if the log holds their key. Any
   * other key the log holds fails the whole transaction, as the UNIQUE index refuses it.
   * Returns how many rows were skipped. The writer alone may do this.
   */
  appendPrepared(events: readonly PreparedEvent[], unsure: readonly number[] = []): number {
    this.writable();
    if (this.mode !== "writer") {
      throw new UserError(
        `only the writer may append prepared rows to ${this.path}`,
        "Open the log as the writer.",
      );
    }
    if (events.length === 0) return 0;
    const insert = () => this.insertPrepared(events, unsure);
    if (this.bulk) return this.insideBulk(this.bulk, insert);
    return this.db.transaction(insert).immediate();
  }

  /**
   * All or nothing as a whole: if `work` throws, or anything inside it failed (an append,
   * a nested transaction, even one whose error `work` caught), nothing it appended commits.
   * Nested calls join the outer transaction.
   */
  transaction<T>(work: () => T): T {
    this.writable();
    if (this.bulk) return this.insideBulk(this.bulk, work);
    return this.db
      .transaction((): T => {
        const bulk: Bulk = {};
        this.bulk = bulk;
        try {
          const result = this.insideBulk(bulk, work);
          if ("failed" in bulk) throw bulk.failed;
          return result;
        } finally {
          this.bulk = undefined;
        }
      })
      .immediate();
  }

  /**
   * A write transaction that stays open, across awaits, until it is committed or rolled
   * back: for a writer fed piece by piece (the legacy mirror's pipeline, by its worker).
   * Appends meanwhile join it, as inside `transaction`, and one that fails fails it whole.
   * Nothing else may use this connection meanwhile: it would write inside it too.
   */
  openTransaction(): OpenTransaction {
    this.writable();
    if (this.bulk) throw new Error("a transaction is already open on this event log");
    this.db.exec("BEGIN IMMEDIATE");
    const bulk: Bulk = {};
    this.bulk = bulk;
    const end = (sql: "COMMIT" | "ROLLBACK") => {
      if (this.bulk !== bulk) return;
      this.bulk = undefined;
      try {
        this.db.exec(sql);
      } catch (err) {
        if (this.db.inTransaction) this.db.exec("ROLLBACK");
        throw err;
      }
    };
    return {
      commit: () => {
        if (!("failed" in bulk)) return end("COMMIT");
        end("ROLLBACK");
        throw bulk.failed;
      },
      rollback: () => end("ROLLBACK"),
    };
  }

  /** Runs `step` in the bulk transaction, which a throw fails for good. */
  private insideBulk<T>(bulk: Bulk, step: () => T): T {
    if ("failed" in bulk) throw bulk.failed;
    try {
      return step();
    } catch (err) {
      bulk.failed = err;
      throw err;
    }
  }

  since(after: number, limit = -1): StoredEvent[] {
    return this.selectSince.all(after, limit).map(toStoredEvent);
  }

  head(): number {
    return this.selectHead.get() as number;
  }

  /** The log's clock, as `occurred_at` text: the time of an event appended without one. */
  nowIso(): string {
    const ms = this.clock.now();
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastIso = isoAt(ms);
    }
    return this.lastIso;
  }

  /** Which of `keys` (as stored: see `keyOf`) the log holds. One query per chunk of keys. */
  heldKeys(keys: readonly string[]): Set<string> {
    const held = new Set<string>();
    for (const chunk of keyChunks(keys)) {
      const select = this.lookup(this.selectKeys, chunk.length, (placeholders) =>
        this.db
          .prepare<[(string | null)[]], string>(
            `SELECT idempotency_key FROM events WHERE idempotency_key IN (${placeholders})`,
          )
          .pluck(),
      );
      for (const key of select.all(chunk)) held.add(key);
    }
    return held;
  }

  /** Whether the log holds any key that starts with `prefix` (an index probe). */
  holdsKeyStartingWith(prefix: string): boolean {
    if (prefix === "") return this.head() > 0;
    // Keys compare as UTF-8 bytes: those with the prefix sort from it up to the prefix with
    // its last character one higher.
    const last = prefix.charCodeAt(prefix.length - 1);
    const above = prefix.slice(0, -1) + String.fromCharCode(last + 1);
    return this.selectKeyInRange.get(prefix, above) !== undefined;
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

  /**
   * Runs inside the immediate transaction, so nothing else writes between the lookup of
   * the batch's keys and its inserts: a key found neither in the log nor earlier in the
   * batch is new, and its INSERT is never refused. Keys are looked up first because a
   * refused INSERT costs an exception per duplicate (a re-mirrored file is nothing but
   * duplicates), and `ON CONFLICT DO NOTHING` would burn an AUTOINCREMENT sequence on
   * each, leaving gaps that read like deleted rows.
   */
  private insertAll(inputs: readonly AppendInput[]): AppendResult[] {
    const writes = this.writes!;
    // Columns are stored well-formed (see new-event.ts), so keys are compared that way too.
    const keys = inputs.map(keyOf);
    const stored = this.storedByKey(keys);
    let prev = writes.lastHash.get() ?? GENESIS_HASH;
    const results: AppendResult[] = [];
    const inserted: StoredEvent[] = [];
    inputs.forEach((input, index) => {
      const key = keys[index] as string;
      const existing = stored.get(key);
      if (existing) {
        results.push({ event: existing, inserted: false });
        return;
      }
      const row = newEvent(input, prev, this.clockIso);
      const event = storedEvent(row, this.insert(row));
      prev = event.chainHash as string;
      stored.set(key, event); // for a later duplicate in the batch
      inserted.push(event);
      results.push({ event, inserted: true });
    });
    if (inserted.length > 0) this.observer?.afterInsert(this.db, inserted);
    return results;
  }

  /** The events the log holds under any of `keys`, by key: one query per chunk of keys. */
  private storedByKey(keys: readonly string[]): Map<string, StoredEvent> {
    const stored = new Map<string, StoredEvent>();
    for (const chunk of keyChunks(keys)) {
      const select = this.lookup(this.selectByKeys, chunk.length, (placeholders) =>
        this.db
          .prepare<[(string | null)[]], EventRow>(
            `SELECT ${this.columns} FROM events WHERE idempotency_key IN (${placeholders})`,
          )
          .raw(),
      );
      for (const row of select.all(chunk)) {
        const event = toStoredEvent(row);
        stored.set(event.idempotencyKey, event);
      }
    }
    return stored;
  }

  /** The statement of `statements` with `size` placeholders (`?, …`), prepared when first needed. */
  private lookup<Row>(
    statements: Map<number, Database.Statement<[(string | null)[]], Row>>,
    size: number,
    prepare: (placeholders: string) => Database.Statement<[(string | null)[]], Row>,
  ): Database.Statement<[(string | null)[]], Row> {
    let select = statements.get(size);
    if (!select) {
      select = prepare(Array.from({ length: size }, () => "?").join(", "));
      statements.set(size, select);
    }
    return select;
  }

  /** Runs inside the transaction: see `appendPrepared`. */
  private insertPrepared(events: readonly PreparedEvent[], unsure: readonly number[]): number {
    let prev = this.writes!.lastHash.get() ?? GENESIS_HASH;
    const inserted: StoredEvent[] | undefined = this.observer ? [] : undefined;
    let skipped = 0;
    let nextUnsure = 0;
    for (let i = 0; i < events.length; i++) {
      const prepared = events[i] as PreparedEvent;
      if (unsure[nextUnsure] === i) {
        nextUnsure += 1;
        const key = prepared.fields.idempotency_key as string;
        if (this.heldKeys([key]).size > 0) {
          skipped += 1;
          continue;
        }
      }
      const event = chainEvent(prepared, prev);
      const sequence = this.insert(event);
      prev = event.chainHash as string;
      // Parsing payloads back costs: only for an observer (the projections) that folds them.
      inserted?.push(storedEvent(event, sequence));
    }
    if (inserted && inserted.length > 0) this.observer?.afterInsert(this.db, inserted);
    return skipped;
  }

  /** Inserts a new event (its key checked absent) and returns its sequence. */
  private insert(event: NewEvent): number {
    const info = this.writes!.insert.run(
      event.eventId,
      event.kind,
      event.payloadJson,
      event.occurredAt,
      event.taskId,
      event.sagaId,
      event.causalEventId,
      event.causalSequence,
      event.idempotencyKey,
      event.chainHash,
    );
    return Number(info.lastInsertRowid);
  }
}

/** The event as a reader gets it back. */
function storedEvent(event: NewEvent, sequence: number): StoredEvent {
  // Every field named in the order `toStoredEvent` gives them, not spread: one object
  // shape for every event, however read, and a spread cost appendBatch 14% of its rate.
  return {
    sequence,
    eventId: event.eventId,
    kind: event.kind,
    // Parsed back from the stored text so live folds see exactly what replay will read.
    payload: JSON.parse(event.payloadJson) as Record<string, unknown>,
    payloadJson: event.payloadJson,
    schemaVersion: event.schemaVersion,
    occurredAt: event.occurredAt,
    taskId: event.taskId,
    sagaId: event.sagaId,
    causalEventId: event.causalEventId,
    causalSequence: event.causalSequence,
    idempotencyKey: event.idempotencyKey,
    chainHash: event.chainHash,
  };
}

/**
 * `keys` in chunks of at most MAX_KEYS_PER_LOOKUP, each padded to a power of two with
 * NULLs (which match nothing): a few statements serve every batch size, and a single
 * append binds one key, not 512.
 */
function* keyChunks(keys: readonly string[]): Generator<(string | null)[]> {
  for (let from = 0; from < keys.length; from += MAX_KEYS_PER_LOOKUP) {
    const chunk: (string | null)[] = keys.slice(from, from + MAX_KEYS_PER_LOOKUP);
    const size = Math.min(MAX_KEYS_PER_LOOKUP, 2 ** Math.ceil(Math.log2(chunk.length)));
    while (chunk.length < size) chunk.push(null);
    yield chunk;
  }
}
