/**
 * What the engine knows while it runs, besides the log: the attempts it is running now,
 * one-shot operator overrides, and a way to wake the main loop early. Everything durable
 * lives in the log; this is rebuilt empty at every start.
 */
import type { Claim } from "../../store/queue/queue.js";
import { InterruptibleWaits } from "../forge/github/interruptible-waits.js";
import type { WorkerHandle } from "../workers/types.js";

export interface RunningAttempt {
  issue: number;
  attempt: number;
  tick: number;
  claim: Claim;
  /** The worker currently running for this attempt (the agent or the critic). */
  worker?: WorkerHandle;
  /** Set by `kill` or `halt --now`: the attempt stops at its next step with this reason. */
  stopRequested?: "killed" | "halted";
  /** Heartbeats emitted so far; numbering runs across the agent and critic of one attempt. */
  heartbeats: number;
  done: Promise<void>;
}

export class Runtime {
  readonly running = new Map<number, RunningAttempt>();
  /** Issues the operator asked to retry now (`force` also bypasses max_attempts). */
  readonly retries = new Map<number, { force: boolean }>();
  /** GitHub's rate-limit and server-error waits, cut short by `halt --now` or a stop. */
  readonly forgeWaits = new InterruptibleWaits();
  private wakeUp: (() => void) | undefined;
  stopping = false;

  /** Resolves after `ms`, or earlier when `wake()` is called. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  wake(): void {
    const wake = this.wakeUp;
    this.wakeUp = undefined;
    wake?.();
  }

  freeSlots(parallel: number): number {
    return Math.max(0, parallel - this.running.size);
  }
}
