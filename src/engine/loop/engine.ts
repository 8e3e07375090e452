/**
 * The engine: one process, the only writer of loop events. `run()` boots (lock, recovery),
 * then ticks until told to stop: max_ticks, a halt-now signal, or — for the demo and
 * tests — an idle backlog. Operator commands are polled from the log continuously.
 */
import { hostname } from "node:os";
import { describeError } from "../../shared/errors.js";
import { ownEventKey, tickEventKey } from "../../store/contract/ids.js";
import {
  acquireWriterLock,
  heartbeatWriterLock,
  releaseWriterLock,
} from "../../store/log/writer-lock.js";
import { foldEvents } from "../../store/projections/fold.js";
import type { LoopState } from "../../store/projections/types.js";
import { SqliteQueue } from "../../store/queue/sqlite-queue.js";
import type { Store } from "../../store/store.js";
import type { AttemptOutcome, EngineContext } from "./context.js";
import { applyPendingControls } from "./control.js";
import { type DriftState, observeTick } from "./drift.js";
import { recoverAtBoot } from "./recover.js";
import { type FingerprintCache, runTick } from "./tick.js";

export interface RunOptions {
  /** Stop once nothing is running, queued, selectable or cooling down (demo, tests). */
  untilIdle?: boolean;
  /** How often the log is polled for operator commands. */
  controlPollMs?: number;
}

/** Who this engine is, for `loop.started`. */
export interface EngineIdentity {
  runnerId: string;
  version: string;
  configDigest: string;
  /** What operators call the repository: `owner/name`, or the checkout's folder name. */
  repo: string;
}

export type StopReason = "max_ticks" | "signal" | "halt" | "error" | "idle";

export class Engine {
  private state: LoopState;
  private drift: DriftState = { recent: [] };
  private readonly ticksInFlight = new Set<Promise<void>>();
  private readonly fingerprints: FingerprintCache = new Map();
  private lastDataVersion = -1;
  private stopReason: StopReason | undefined;
  private readonly holder = { pid: process.pid, host: hostname() };

  constructor(
    private readonly ctx: Omit<EngineContext, "state">,
    private readonly store: Store,
    private readonly identity: EngineIdentity,
  ) {
    this.state = store.readState();
  }

  /** The context every phase receives; `state()` is always current. */
  readonly context = (): EngineContext => ({ ...this.ctx, state: () => this.state });

  /** Folds whatever was appended since we last looked (our events and operator commands). */
  refresh(): void {
    this.state = foldEvents(this.state, this.store.log.since(this.state.seq, 10_000));
  }

  /** Asks the loop to stop: halt now, then exit once attempts are compensated. */
  stop(reason: StopReason): void {
    if (this.stopReason) return;
    this.stopReason = reason;
    this.ctx.runtime.stopping = true;
    for (const running of this.ctx.runtime.running.values()) {
      running.stopRequested = "halted";
      void running.worker?.kill(`engine stopping (${reason})`);
    }
    this.ctx.runtime.forgeWaits.interrupt(`engine stopping (${reason})`);
    this.ctx.runtime.wake();
  }

  async run(options: RunOptions = {}): Promise<StopReason> {
    const ctx = this.context();
    acquireWriterLock(this.store.db, { ...this.holder, now: ctx.clock.now() });
    const lockBeat = setInterval(() => this.beatLock(), 5_000);
    const poll = setInterval(() => this.pollControls(), options.controlPollMs ?? 100);
    // Between appends, never inside one (start.ts opens the store with checkpoints: "caller").
    const checkpoint = setInterval(() => this.store.checkpoint(), 1_000);
    try {
      this.announce();
      const bootQueue = new SqliteQueue(
        this.store.db,
        { now: () => ctx.clock.now() + 10 * 365 * 86_400_000 },
        { maxAttempts: 1_000_000 },
      );
      await recoverAtBoot(ctx, bootQueue);
      applyPendingControls(ctx, this.store.log);
      await this.loop(options);
    } catch (err) {
      ctx.report(`forge-loop: engine error: ${describeError(err)}`);
      this.stop("error");
    } finally {
      clearInterval(poll);
      await this.drain();
      this.finish();
      clearInterval(checkpoint);
      this.store.checkpoint();
      clearInterval(lockBeat);
      releaseWriterLock(this.store.db, { ...this.holder, now: ctx.clock.now() });
    }
    return this.stopReason ?? "error";
  }

  /** A lock taken over meanwhile (we were suspended past the stale limit) means: stop writing. */
  private beatLock(): void {
    if (heartbeatWriterLock(this.store.db, { ...this.holder, now: this.ctx.clock.now() })) return;
    this.ctx.report("forge-loop: another engine took over the writer lock; stopping this one");
    this.stop("error");
  }

  private announce(): void {
    const { config } = this.ctx;
    this.ctx.emitter.emit(
      "loop.started",
      {
        runner_id: this.identity.runnerId,
        pid: process.pid,
        host: this.holder.host,
        version: this.identity.version,
        parallel: config.scheduling.parallel,
        tick_interval_s: config.scheduling.tick_interval_s,
        max_ticks: config.scheduling.max_ticks,
        tracker: config.tracker,
        platform: config.platform,
        config_digest: this.identity.configDigest,
        repo: this.identity.repo,
      },
      { key: ownEventKey("loop.started", this.identity.runnerId) },
    );
  }

  private pollControls(): void {
    try {
      const version = this.store.dataVersion();
      if (version === this.lastDataVersion) return;
      this.lastDataVersion = version;
      this.refresh();
      applyPendingControls(this.context(), this.store.log);
    } catch (err) {
      this.ctx.report(`forge-loop: control poll failed: ${describeError(err)}`);
    }
  }

  private halted(): boolean {
    return this.state.loop.get("loop")?.status === "halted";
  }

  private async loop(options: RunOptions): Promise<void> {
    const { scheduling } = this.ctx.config;
    let ticks = 0;
    while (!this.stopReason) {
      const budgetLeft = scheduling.max_ticks === 0 || ticks < scheduling.max_ticks;
      if (!budgetLeft && this.ctx.runtime.running.size === 0) {
        await this.drain();
        this.stop("max_ticks");
        break;
      }
      if (options.untilIdle && (await this.idle())) {
        await this.drain();
        this.stop("idle");
        break;
      }
      // A tick with no free slot could only re-list the backlog: wait for a slot instead.
      if (budgetLeft && !this.halted() && this.ctx.runtime.freeSlots(scheduling.parallel) > 0) {
        ticks++;
        await this.tick();
      }
      await this.ctx.runtime.sleep(this.sleepMs());
    }
  }

  /**
   * One tick. A tracker or platform that fails even after its own retries ends this tick,
   * not the engine: unattended runs outlive an outage, and the operator sees why.
   */
  private async tick(): Promise<void> {
    const tick = this.nextTickNumber();
    try {
      const result = await runTick(this.context(), tick, this.fingerprints);
      if (result.recorded) this.track(result.tick, result.attempts);
    } catch (err) {
      const message = `tick ${tick} failed: ${describeError(err)}`;
      this.ctx.report(`forge-loop: ${message}`);
      this.ctx.emitter.observe("engine.error", { what: "error", summary: message.slice(0, 500) });
      if (this.state.ticks.size > 0) this.closeFailedTick(tick);
    }
  }

  /** A tick that started but could not finish is closed with no outcomes. */
  private closeFailedTick(tick: number): void {
    if (
      [...this.state.ticks.values()].some((t) => t.tick === tick && t.completedAt === undefined)
    ) {
      this.ctx.emitter.emitAfter(
        "tick.completed",
        { tick, duration_ms: 0, outcomes: [] },
        { key: tickEventKey("tick.completed", tick), sagaId: `tick:${tick}` },
      );
    }
  }

  private nextTickNumber(): number {
    return (this.state.loop.get("loop")?.tick ?? 0) + 1;
  }

  /** Sleep the tick interval, but tick again soon when a slot is free and work is queued. */
  private sleepMs(): number {
    const { scheduling } = this.ctx.config;
    const depth = this.ctx.queue.depth();
    if (depth.ready > 0 && this.ctx.runtime.freeSlots(scheduling.parallel) > 0 && !this.halted())
      return 50;
    return scheduling.tick_interval_s * 1000;
  }

  /** Idle: nothing running or queued, and every ready issue is done, blocked or left for a human. */
  private async idle(): Promise<boolean> {
    const depth = this.ctx.queue.depth();
    if (this.ctx.runtime.running.size > 0 || depth.ready + depth.delayed + depth.inFlight > 0)
      return false;
    const issues = await this.ctx.tracker.listOpenWithLabel(this.ctx.config.labels.ready);
    return !issues.some((issue) => {
      const task = this.state.tasks.get(String(issue.number));
      if (
        task?.status === "merged" ||
        task?.status === "completed" ||
        task?.status === "needs_human"
      )
        return false;
      const failed = task?.attempts.filter((a) => a.outcome === "failed").length ?? 0;
      return (
        failed < this.ctx.config.scheduling.max_attempts ||
        this.ctx.runtime.retries.has(issue.number)
      );
    });
  }

  /** The tick completes when its attempts do; the drift guard looks at every completed tick. */
  private track(tick: number, attempts: Promise<AttemptOutcome>[]): void {
    const started = this.ctx.clock.now();
    const done = Promise.all(attempts.map((a) => a.catch((err) => failedOutcome(err)))).then(
      (outcomes) => {
        this.ctx.emitter.emitAfter(
          "tick.completed",
          {
            tick,
            duration_ms: this.ctx.clock.now() - started,
            outcomes: outcomes
              .filter((o) => o.issue > 0)
              .map((o) => ({ issue: o.issue, status: o.status })),
          },
          { key: tickEventKey("tick.completed", tick), sagaId: `tick:${tick}` },
        );
        this.guard(tick, outcomes);
      },
    );
    this.ticksInFlight.add(done);
    void done.finally(() => this.ticksInFlight.delete(done));
  }

  private guard(tick: number, outcomes: AttemptOutcome[]): void {
    const relevant = outcomes.filter(
      (o) => o.status === "failed" || o.status === "merged" || o.status === "needs_human",
    );
    const { state, drifted } = observeTick(
      this.drift,
      relevant.map((o) => o.signature ?? null),
    );
    this.drift = state;
    if (!drifted || this.halted()) return;
    this.ctx.emitter.emitAfter(
      "loop.halted",
      {
        reason: "drift",
        by: "engine",
        mode: "drain",
        detail: `three ticks in a row failed every attempt the same way: ${drifted}`,
      },
      { key: ownEventKey("loop.halted", `drift:tick:${tick}`) },
    );
  }

  private async drain(): Promise<void> {
    while (this.ticksInFlight.size > 0) await Promise.all([...this.ticksInFlight]);
  }

  private finish(): void {
    const reason = this.stopReason === "idle" ? "max_ticks" : (this.stopReason ?? "error");
    this.ctx.emitter.emitAfter(
      "loop.stopped",
      {
        reason:
          reason === "max_ticks" || reason === "signal" || reason === "halt" ? reason : "error",
        tick: this.state.loop.get("loop")?.tick ?? 0,
        ...(this.stopReason === "idle" ? { detail: "backlog idle" } : {}),
      },
      { key: ownEventKey("loop.stopped", this.identity.runnerId) },
    );
  }
}

function failedOutcome(err: unknown): AttemptOutcome {
  return { issue: 0, status: "failed", signature: `engine:${describeError(err)}` };
}
