/**
 * What the inserting thread tells the mirror's worker while the pipeline runs, in shared
 * memory so that the worker, which never returns to its event loop, can read it and wait
 * on it:
 * - how many batches it has taken: the worker keeps at most a few ahead, so a slow insert
 *   (projections folding) never has the whole file waiting in memory;
 * - how many are committed: their keys are in the log from then on, where the worker's
 *   duplicate checks find them;
 * - whether to stop: the insert failed, and the worker's work is of no use.
 */

const TAKEN = 0;
const COMMITTED = 1;
const STOPPED = 2;

export class PipelineSignals {
  private readonly view: Int32Array;

  constructor(readonly buffer = new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT)) {
    this.view = new Int32Array(buffer);
  }

  taken(batches: number): void {
    Atomics.store(this.view, TAKEN, batches);
    Atomics.notify(this.view, TAKEN);
  }

  committed(batches: number): void {
    Atomics.store(this.view, COMMITTED, batches);
  }

  stop(): void {
    Atomics.store(this.view, STOPPED, 1);
    Atomics.notify(this.view, TAKEN);
  }

  get committedBatches(): number {
    return Atomics.load(this.view, COMMITTED);
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
