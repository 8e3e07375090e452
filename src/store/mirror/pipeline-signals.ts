/**
 * What the inserting thread tells the mirror's worker while the pipeline runs, in shared
 * memory so that the worker, which never returns to its event loop, can read it and wait
 * on it:
 * - how many batches it has taken: the worker keeps at most a few ahead, so a slow insert
 *   (projections folding) never has the whole file waiting in memory;
 * - whether to stop: the insert failed, and the worker's work is of no use.
 */

const TAKEN = 0;
const STOPPED = 1;

export class PipelineSignals {
  private readonly view: Int32Array;

  constructor(readonly buffer = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT)) {
    this.view = new Int32Array(buffer);
  }

  taken(batches: number): void {
    Atomics.store(this.view, TAKEN, batches);
    Atomics.notify(this.view, TAKEN);
  }

  stop(): void {
    Atomics.store(this.view, STOPPED, 1);
    Atomics.notify(this.view, TAKEN);
  }

  /**
   * Blocks until at most `ahead` of the `sent` batches are waiting to be taken. False when
   * told to stop instead.
   */
  waitForRoom(sent: number, ahead: number): boolean {
    for (;;) {
      if (Atomics.load(this.view, STOPPED) !== 0) return false;
      const taken = Atomics.load(this.view, TAKEN);
      if (sent - taken <= ahead) return true;
      // Woken by `taken` or `stop`; the timeout only bounds a wake-up lost to a race.
      Atomics.wait(this.view, TAKEN, taken, 1000);
    }
  }
}
