/**
 * The drift guard (ENGINE.md step 8): three consecutive ticks in which every attempt
 * failed with the same error signature halt the loop. Pure: the engine feeds it each
 * completed tick's failures.
 */

export const DRIFT_TICKS = 3;

export interface DriftState {
  /** Signatures of the last completed ticks that had attempts, newest last. */
  recent: (string | null)[];
}

/** A tick's signature: the shared failure signature of all its attempts, else null. */
export function tickSignature(failures: readonly (string | null)[]): string | null {
  if (failures.length === 0) return null;
  const first = failures[0] ?? null;
  if (first === null) return null;
  return failures.every((f) => f === first) ? first : null;
}

/** Normalises an error into a signature: numbers, hex ids and paths stop mattering. */
export function errorSignature(reason: string, error: string | undefined): string {
  const text = (error ?? "")
    .toLowerCase()
    .replace(/\/[^\s:'"]+/g, "<path>")
    .replace(/\b[0-9a-f]{7,}\b/g, "<id>")
    .replace(/\d+/g, "<n>")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 160);
  return `${reason}:${text}`;
}

/** Feeds one tick that ran attempts; returns the signature that drifted, if any. */
export function observeTick(
  state: DriftState,
  failures: readonly (string | null)[],
): { state: DriftState; drifted?: string } {
  if (failures.length === 0) return { state };
  const recent = [...state.recent, tickSignature(failures)].slice(-DRIFT_TICKS);
  const first = recent[0];
  const drifted =
    recent.length === DRIFT_TICKS && first != null && recent.every((s) => s === first)
      ? first
      : undefined;
  return drifted ? { state: { recent: [] }, drifted } : { state: { recent } };
}
