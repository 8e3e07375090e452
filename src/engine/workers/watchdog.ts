/**
 * Decides when a worker is stuck. Stalled = no output for `stallTimeoutMs` while no tool
 * is in flight (a test suite that runs for twenty minutes is work, not a stall) and no
 * announced retry wait is running; the wall clock limit ends any run.
 *
 * Activity only records a monotonic timestamp, so a worker printing a million lines
 * costs a million assignments, not a million timer resets: one timer wakes at the
 * earliest moment a stall could be due and re-arms itself if activity moved it.
 */
export interface WatchdogOptions {
  stallTimeoutMs: number;
  wallTimeoutMs: number;
  onStall(): void;
  onWallTimeout(): void;
}

export class Watchdog {
  private lastActivity = performance.now();
  private quietUntil = 0;
  private readonly inFlight = new Set<string>();
  private stallTimer: NodeJS.Timeout | undefined;
  private wallTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: WatchdogOptions) {}

  start(): void {
    this.lastActivity = performance.now();
    this.wallTimer = setTimeout(
      () => this.fire(this.options.onWallTimeout),
      timerDelay(this.options.wallTimeoutMs),
    );
    this.armStall(this.options.stallTimeoutMs);
  }

  /** The worker printed something. */
  activity(): void {
    this.lastActivity = performance.now();
  }

  toolStarted(id: string): void {
    this.inFlight.add(id);
    this.activity();
  }

  toolFinished(id: string): void {
    this.inFlight.delete(id);
    this.activity();
  }

  /** The worker announced it will wait `ms` (an API retry): silence until then is expected. */
  quietFor(ms: number): void {
    this.quietUntil = Math.max(this.quietUntil, performance.now() + ms);
    this.activity();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.stallTimer);
    clearTimeout(this.wallTimer);
  }

  private armStall(delayMs: number): void {
    this.stallTimer = setTimeout(() => this.checkStall(), timerDelay(delayMs));
  }

  private checkStall(): void {
    if (this.stopped) return;
    const { stallTimeoutMs } = this.options;
    if (this.inFlight.size > 0) {
      this.armStall(stallTimeoutMs);
      return;
    }
    const due = Math.max(this.lastActivity, this.quietUntil) + stallTimeoutMs;
    const now = performance.now();
    if (now >= due) this.fire(this.options.onStall);
    else this.armStall(due - now);
  }

  private fire(handler: () => void): void {
    if (this.stopped) return;
    this.stop();
    handler();
  }
}

/** Node fires a timer at once when its delay does not fit in 32 bits; clamp instead. */
function timerDelay(ms: number): number {
  return Math.min(Math.max(1, ms), 2 ** 31 - 1);
}
