/**
 * How the thread folding the log and the worker reading it for it (event-pages.ts) pace each
 * other, in shared memory: the folding thread folds inside a synchronous transaction, so it
 * blocks until the worker has sent a page; the worker stays at most a few pages ahead, so
 * a slow fold never has the whole log waiting in memory; and it stops when told to.
 */

const SENT = 0;
const TAKEN = 1;
const STOPPED = 2;

export class PageSignals {
  private readonly view: Int32Array;

  constructor(readonly buffer = new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT)) {
    this.view = new Int32Array(buffer);
  }

  /** Worker: it has posted `messages` messages in all. */
  sent(messages: number): void {
    Atomics.store(this.view, SENT, messages);
    Atomics.notify(this.view, SENT);
  }

  /**
   * Worker: blocks until fewer than `ahead` of the `sent` messages wait to be taken. False
   * when told to stop instead.
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

  /** Folding thread: how many messages the worker has posted. */
  sentSoFar(): number {
    return Atomics.load(this.view, SENT);
  }

  /** Folding thread: blocks until more than `seen` messages were posted, or `timeoutMs`. */
  waitForMore(seen: number, timeoutMs: number): void {
    Atomics.wait(this.view, SENT, seen, timeoutMs);
  }

  /** Folding thread: it has taken `messages` messages in all. */
  taken(messages: number): void {
    Atomics.store(this.view, TAKEN, messages);
    Atomics.notify(this.view, TAKEN);
  }

  stop(): void {
    Atomics.store(this.view, STOPPED, 1);
    Atomics.notify(this.view, TAKEN);
  }
}
