/**
 * Argument checks shared by every queue implementation, so both refuse the same mistakes
 * with the same words (a NaN lease would otherwise be stored and never expire).
 */
import type { EnqueueInput, QueueOptions } from "./queue.js";

export function checkOptions(options: QueueOptions): QueueOptions {
  if (!Number.isSafeInteger(options.maxAttempts) || options.maxAttempts < 1) {
    throw new RangeError(
      `queue maxAttempts must be a positive integer, got ${options.maxAttempts}`,
    );
  }
  return options;
}

export function checkEnqueue(input: EnqueueInput): void {
  if (typeof input.dedupeKey !== "string" || input.dedupeKey.length === 0) {
    throw new TypeError("queue dedupeKey must be a non-empty string");
  }
  if (input.payload === null || typeof input.payload !== "object" || Array.isArray(input.payload)) {
    throw new TypeError("queue payload must be an object");
  }
  if (input.notBefore !== undefined && !Number.isFinite(input.notBefore)) {
    throw new RangeError(`queue notBefore must be epoch milliseconds, got ${input.notBefore}`);
  }
}

export function checkLease(leaseMs: number): void {
  if (!Number.isFinite(leaseMs) || leaseMs <= 0) {
    throw new RangeError(`queue lease must be a positive number of ms, got ${leaseMs}`);
  }
}

export function checkDelay(delayMs: number): void {
  if (!Number.isFinite(delayMs) || delayMs < 0) {
    throw new RangeError(`queue delay must be a non-negative number of ms, got ${delayMs}`);
  }
}
