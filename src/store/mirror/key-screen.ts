/**
 * The pipeline worker's duplicate check, as far as the worker can take it. The inserting
 * thread alone sees every row this run has inserted (its transaction is not committed
 * yet), so the worker sorts keys three ways:
 * - `held`: in the log when asked. The log is asked (read-only, in batches) only if it held
 *   mirrored keys when the pipeline started: a file mirrored again, or grown.
 * - `new`: neither held nor the key of an earlier event of this run, which a bitmap of
 *   fingerprints rules out for all but a few.
 * - `unsure`: a fingerprint seen before in this run: the same record written twice, or a
 *   collision (under 1% of the keys of a million-line file). The inserting thread checks
 *   those, one lookup each.
 * The bitmap has a fixed size, whatever the number and length of the keys.
 */
import type { SqliteEventLog } from "../log/sqlite-event-log.js";

export type KeyVerdict = "held" | "new" | "unsure";

/** Bits in a fingerprint: a bitmap of 2^27 bits is 16 MiB. */
const FINGERPRINT_BITS = 27;

export class KeyScreen {
  private readonly seen = new Uint32Array(2 ** (FINGERPRINT_BITS - 5));

  constructor(
    /** The log, read-only: another connection than the one inserting. */
    private readonly log: SqliteEventLog,
    private readonly askTheLog: boolean,
  ) {}

  /** A verdict for each of `keys` (as stored), in order; `keys` count as seen from then on. */
  screen(keys: readonly string[]): KeyVerdict[] {
    const held = this.askTheLog ? this.log.heldKeys(keys) : undefined;
    const verdicts: KeyVerdict[] = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      if (held?.has(key)) {
        verdicts[i] = "held";
        continue;
      }
      const print = fingerprint(key);
      const word = print >>> 5;
      const bit = 1 << (print & 31);
      const seen = this.seen[word] as number;
      verdicts[i] = seen & bit ? "unsure" : "new";
      this.seen[word] = seen | bit;
    }
    return verdicts;
  }
}

/** Characters of a key the fingerprint reads: those at its end, where a mirror key has its hash. */
const FINGERPRINT_CHARS = 16;

/**
 * FNV-1a of the key's last characters, cut to FINGERPRINT_BITS. Keys that share their end
 * only cost checks, never a wrong answer.
 */
function fingerprint(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = Math.max(0, key.length - FINGERPRINT_CHARS); i < key.length; i++) {
    hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  }
  return hash >>> (32 - FINGERPRINT_BITS);
}
