/**
 * The UI's source backed by the real store. It polls `PRAGMA data_version` (one cheap
 * query) every `pollMs`, and only when another process committed does it read the events
 * after the last sequence it folded and fold just those into its live state, never
 * re-reading everything. The JSONL operator stream is followed by byte offset. Changes
 * from both are announced at most once per poll, so a busy engine cannot make the UI
 * render more often than that.
 */
import { hostname, userInfo } from "node:os";
import type { Clock } from "../../shared/clock.js";
import { systemClock } from "../../shared/clock.js";
import { describeError } from "../../shared/errors.js";
import { requestControl } from "../../store/control/request.js";
import { readTail } from "../../store/jsonl/reader.js";
import { JsonlTailer } from "../../store/jsonl/tailer.js";
import { isHolderAlive, readWriterLock } from "../../store/log/writer-lock.js";
import { foldEvent } from "../../store/projections/fold.js";
import type { LoopState } from "../../store/projections/types.js";
import { openStore, type Store } from "../../store/store.js";
import type { SeekTarget } from "../state/keymap.js";
import type { ControlIntent } from "../state/ui-state.js";
import { findBoundary } from "./boundaries.js";
import { type FeedLine, feedLineOfEvent, feedLineOfRecord } from "./feed.js";
import type { ControlResult, EngineLiveness, LiveView, UiSource } from "./source.js";
import { readTranscriptTail, transcriptPath } from "./transcript.js";

/**
 * How often `data_version` is asked: one query of a few microseconds, so polling often
 * costs nothing measurable while keeping "appended → visible" well under 150 ms.
 */
const POLL_MS = 50;
/** Feed lines kept for the events pane and the Events view. */
export const FEED_LINES = 1000;
/** Events folded per poll at most: a large backlog is caught up over several polls. */
const FOLD_BUDGET = 20_000;
/** How often liveness is re-judged without any commit (a killed engine commits nothing). */
const LIVENESS_EVERY_MS = 1000;

export interface StoreSourceOptions {
  dbPath: string;
  /** The operator stream to follow; without one the feed is the durable events. */
  jsonlPath?: string;
  /** Where attempt transcripts live (`<state dir>/logs`). */
  logsDir?: string;
  /** What the status bar names (repository or directory). */
  label: string;
  pollMs?: number;
  clock?: Clock;
}

export class StoreSource implements UiSource {
  private readonly listeners = new Set<() => void>();
  private readonly feedLines: FeedLine[] = [];
  private readonly state: LoopState;
  private readonly tailer: JsonlTailer | undefined;
  private readonly poller: NodeJS.Timeout;
  private readonly by = operatorName();
  private readonly thisHost = hostname();
  private readonly clock: Clock;
  private view: LiveView;
  private dataVersion: number;
  private changed = false;
  /** Our own appends do not move `data_version` (only other connections' commits do). */
  private behind = false;
  private livenessAt = 0;
  private malformed = 0;
  /** The last read error shown, so a lasting one is said once, not on every poll. */
  private lastError: string | undefined;
  private closed = false;

  private constructor(
    private readonly store: Store,
    private readonly options: StoreSourceOptions,
    private readonly readOnlyReason: string | undefined,
  ) {
    this.clock = options.clock ?? systemClock;
    this.dataVersion = store.dataVersion();
    this.state = store.readState();
    this.tailer = this.startFeed();
    this.view = this.buildView(this.judgeLiveness(this.clock.now()));
    this.poller = setInterval(() => this.poll(this.clock.now()), options.pollMs ?? POLL_MS);
    // The poll must not keep a process alive on its own (the app holds stdin open anyway).
    this.poller.unref();
  }

  static open(options: StoreSourceOptions): StoreSource {
    const { store, readOnly } = openForUi(options);
    return new StoreSource(store, options, readOnly);
  }

  live(): LiveView {
    return this.view;
  }

  subscribe(onChange: () => void): () => void {
    this.listeners.add(onChange);
    return () => this.listeners.delete(onChange);
  }

  stateAt(seq: number): LoopState {
    return this.store.stateAt(seq);
  }

  feedUpTo(seq: number, limit: number): FeedLine[] {
    const from = Math.max(0, seq - limit);
    return this.store.log.since(from, Math.max(0, seq - from)).map(feedLineOfEvent);
  }

  boundary(from: number, target: SeekTarget, issue?: number): number | undefined {
    return findBoundary(this.store.db, from, target, issue);
  }

  requestControl(intent: ControlIntent): ControlResult {
    if (this.readOnlyReason) return { ok: false, reason: this.readOnlyReason };
    const engine = this.judgeLiveness(this.clock.now());
    if (engine.state !== "running") return { ok: false, reason: "no engine running" };
    try {
      const { requestId } = requestControl(this.store, {
        command: intent.command,
        ...("target" in intent ? { target: intent.target } : {}),
        ...("mode" in intent ? { mode: intent.mode } : {}),
        by: this.by,
      });
      this.behind = true;
      return { ok: true, requestId };
    } catch (err) {
      return { ok: false, reason: describeError(err) };
    }
  }

  transcriptTail(issue: number, attempt: number, lines: number): Promise<string[]> {
    if (!this.options.logsDir) return Promise.resolve([]);
    return readTranscriptTail(transcriptPath(this.options.logsDir, issue, attempt), lines);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.poller);
    this.tailer?.stop();
    this.listeners.clear();
    this.store.close();
  }

  /** One poll: fold what other processes committed, re-judge liveness, announce changes. */
  private poll(nowMs: number): void {
    if (this.closed) return;
    try {
      const version = this.store.dataVersion();
      if (version !== this.dataVersion || this.behind) {
        this.dataVersion = version;
        this.behind = this.foldNew();
      }
      let engine = this.view.engine;
      if (this.changed || nowMs - this.livenessAt >= LIVENESS_EVERY_MS) {
        engine = this.judgeLiveness(nowMs);
        if (!sameLiveness(engine, this.view.engine)) this.changed = true;
      }
      this.lastError = undefined;
      if (!this.changed) return;
      this.changed = false;
      this.view = this.buildView(engine);
    } catch (err) {
      // A read error (the file locked for long, replaced, gone) must not end the UI: it is
      // shown in the feed, once, and the next poll tries again.
      const message = describeError(err);
      if (message === this.lastError) return;
      this.lastError = message;
      this.pushFeed([errorLine(message)]);
      this.view = this.buildView(this.view.engine);
    }
    for (const listener of this.listeners) listener();
  }

  /** Folds events past the live state's sequence; true when more are waiting. */
  private foldNew(): boolean {
    const events = this.store.log.since(this.state.seq, FOLD_BUDGET);
    if (events.length === 0) return false;
    for (const event of events) foldEvent(this.state, event);
    if (!this.tailer) this.pushFeed(events.slice(-FEED_LINES).map(feedLineOfEvent));
    this.changed = true;
    return events.length === FOLD_BUDGET;
  }

  private startFeed(): JsonlTailer | undefined {
    const path = this.options.jsonlPath;
    if (path) {
      try {
        const tail = readTail(path, FEED_LINES);
        this.malformed += tail.malformed.length;
        this.pushFeed(tail.records.map(feedLineOfRecord).filter(isFeedLine));
        const tailer = new JsonlTailer(path, {
          from: { offset: tail.endOffset },
          onBatch: (batch) => {
            this.malformed += batch.malformed.length;
            this.pushFeed(batch.records.map(feedLineOfRecord).filter(isFeedLine));
            this.changed = true;
          },
          onError: (err) => {
            this.pushFeed([errorLine(describeError(err))]);
            this.changed = true;
          },
        });
        tailer.start();
        return tailer;
      } catch {
        // No stream (yet): the durable events are the feed.
      }
    }
    const head = this.state.seq;
    this.pushFeed(this.feedUpTo(head, FEED_LINES));
    return undefined;
  }

  private pushFeed(lines: readonly FeedLine[]): void {
    this.feedLines.push(...lines);
    // Trimmed in bulk, so a busy feed costs one splice per FEED_LINES lines, not per line.
    if (this.feedLines.length > 2 * FEED_LINES) {
      this.feedLines.splice(0, this.feedLines.length - FEED_LINES);
    }
  }

  private buildView(engine: EngineLiveness): LiveView {
    const loop = this.state.loop.get("loop");
    return {
      state: this.state,
      head: this.state.seq,
      version: (this.view?.version ?? 0) + 1,
      feed: this.feedLines.slice(-FEED_LINES),
      engine,
      label: loop?.repo ?? this.options.label,
      ...(this.readOnlyReason ? { readOnly: this.readOnlyReason } : {}),
      malformedLines: this.malformed,
    };
  }

  private judgeLiveness(nowMs: number): EngineLiveness {
    this.livenessAt = nowMs;
    if (this.store.log.isForeign) return { state: "unknown" };
    const lock = readWriterLock(this.store.db);
    const lastEventAt = this.state.loop.get("loop")?.lastEventAt;
    if (!lock) return { state: "not_running", ...(lastEventAt ? { lastSeenAt: lastEventAt } : {}) };
    return {
      state: isHolderAlive(lock, nowMs, this.thisHost) ? "running" : "not_running",
      lastSeenAt: lock.releasedAt ?? lock.heartbeatAt,
      pid: lock.pid,
    };
  }
}

/**
 * Our own log opens as an observer (it may append operator commands); a Python
 * forge-loop log, or one we may not write, opens read-only and says why.
 */
function openForUi(options: StoreSourceOptions): { store: Store; readOnly?: string } {
  const probe = openStore(options.dbPath, { mode: "readonly" });
  if (probe.log.isForeign) {
    return { store: probe, readOnly: "read-only: a Python forge-loop database" };
  }
  probe.close();
  try {
    return { store: openStore(options.dbPath, { mode: "observer" }) };
  } catch (err) {
    return {
      store: openStore(options.dbPath, { mode: "readonly" }),
      readOnly: `read-only: ${describeError(err)}`,
    };
  }
}

/**
 * Whether the operator would see a difference. A running engine's lock heartbeat moves
 * every few seconds and is not shown, so it is no change (and causes no render).
 */
function sameLiveness(a: EngineLiveness, b: EngineLiveness): boolean {
  if (a.state !== b.state || a.pid !== b.pid) return false;
  return a.state === "running" || a.lastSeenAt === b.lastSeenAt;
}

function isFeedLine(line: FeedLine | undefined): line is FeedLine {
  return line !== undefined;
}

/** A read error shown in the feed as a line of its own (the UI goes on). */
function errorLine(message: string): FeedLine {
  const record = { ts: new Date().toISOString(), kind: "ui.error", error: message };
  return feedLineOfRecord(record) as FeedLine;
}

function operatorName(): string {
  try {
    return `tui:${userInfo().username}@${hostname()}`;
  } catch {
    return `tui@${hostname()}`;
  }
}
