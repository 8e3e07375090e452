/**
 * The sleeps behind GitHub's rate-limit and server-error waits, which can last up to an
 * hour. `halt --now` and a stopping engine must not sit behind one: `interrupt` ends every
 * wait in progress at once, and each waiting request then fails with `WaitInterrupted`.
 * Waits that start afterwards are unaffected (the engine may be resumed).
 */
export class WaitInterrupted extends Error {
  constructor(readonly reason: string) {
    super(`the wait was interrupted: ${reason}`);
    this.name = "WaitInterrupted";
  }
}

export class InterruptibleWaits {
  private readonly inProgress = new Set<(reason: string) => void>();

  /** Resolves after `ms`, or rejects with `WaitInterrupted` when interrupted first. */
  readonly sleep = (ms: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const interrupt = (reason: string) => {
        clearTimeout(timer);
        this.inProgress.delete(interrupt);
        reject(new WaitInterrupted(reason));
      };
      const timer = setTimeout(() => {
        this.inProgress.delete(interrupt);
        resolve();
      }, ms);
      this.inProgress.add(interrupt);
    });

  /** Ends every wait in progress; returns how many there were. */
  interrupt(reason: string): number {
    const waiting = [...this.inProgress];
    for (const interrupt of waiting) interrupt(reason);
    return waiting.length;
  }
}
