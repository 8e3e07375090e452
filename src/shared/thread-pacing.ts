/**
 * How a worker thread producing messages and the thread taking them pace each other, in
 * shared memory, so that either can block without returning to its event loop (the
 * mirror's worker never does; a rebuild folds inside a synchronous transaction):
 * - the producer stays at most a few messages ahead, so a slow consumer never has a whole
 *   file or log waiting in memory;
 * - the consumer can block until the producer has posted more;
 * - the consumer can tell the producer to stop, its work being of no further use.
 */

const SENT = 0;
const TAKEN = 1;
const STOPPED = 2;

export class PacingSignals {
  private readonly view: Int32Array;

  constructor(readonly buffer = new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT)) {
    this.view = new Int32Array(buffer);
  }

  /** Producer: it has posted `messages` messages in all. */
  sent(messages: number): void {
    Atomics.store(this.view, SENT, messages);
    Atomics.notify(this.view, SENT);
  }

  /**
   * Producer: blocks until fewer than `ahead` of the `sent` messages wait to be taken, so
   * that one more keeps it at most `ahead` in front. False when told to stop instead.
   */
  waitForRoom(sent: number, ahead: number): boolean {
    for (;;) {
      if (Atomics.load(this.view, STOPPED) !== 0) return false;
      const taken = Atomics.load(this.view, TAKEN);
      if (sent - taken < ahead) return true;
      // Woken by `taken` or `stop`; the timeout only bounds a wake-up lost to a race.
      Atomics.wait(this.view, TAKEN, taken, 1000);
    }
  }

  /** Consumer: how many messages the producer has posted. */
  sentSoFar(): number {
    return Atomics.load(this.view, SENT);
  }

  /** Consumer: blocks until more than `seen` messages were posted, or `timeoutMs`. */
  waitForMore(seen: number, timeoutMs: number): void {
    Atomics.wait(this.view, SENT, seen, timeoutMs);
  }

  /** Consumer: it has taken `messages` messages in all. */
  taken(messages: number): void {
    Atomics.store(this.view, TAKEN, messages);
    Atomics.notify(this.view, TAKEN);
  }

  /** Consumer: the producer should stop (its next `waitForRoom` says so). */
  stop(): void {
    Atomics.store(this.view, STOPPED, 1);
    Atomics.notify(this.view, TAKEN);
  }
}
