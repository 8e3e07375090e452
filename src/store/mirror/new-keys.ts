/**
 * The pipeline worker's duplicate check: which keys are in neither the log nor the batches
 * sent before. Keys sent but not yet committed are held here; once committed they are the
 * log's to tell (every lookup reads the log as it is then), so memory is bounded by what
 * is in flight, not by the size of the file.
 *
 * A log that held no mirrored key when the pipeline started cannot hold any of its keys
 * but those it sent itself, so it is asked only about keys whose fingerprint an earlier
 * key of this run had: the same record written twice, or a fingerprint collision (a few
 * hundred among a million keys). Otherwise (a file mirrored again, or grown) it is asked
 * about every key.
 */
import type { SqliteEventLog } from "../log/sqlite-event-log.js";

const NONE: ReadonlySet<string> = new Set();

export class NewKeys {
  private readonly fingerprints = new Set<number>();
  private readonly inFlight = new Set<string>();
  /** Keys held for each batch sent, oldest first, until the batch is committed. */
  private readonly sent: { batch: number; keys: string[] }[] = [];

  constructor(
    /** The log, read-only: another connection than the one inserting. */
    private readonly log: SqliteEventLog,
    private readonly askForEveryKey: boolean,
    /** How many of the batches sent are committed. */
    private readonly committedBatches: () => number,
  ) {}

  /**
   * For each of `keys` (as stored), in order, whether it is new. The new ones count as sent
   * in batch number `batch` (1, 2, …) from then on.
   */
  take(keys: readonly string[], batch: number): boolean[] {
    this.forgetCommitted();
    const prints = this.askForEveryKey ? undefined : keys.map(fingerprint);
    const asked = prints ? keys.filter((_, i) => this.fingerprints.has(prints[i] as number)) : keys;
    const held = asked.length === 0 ? NONE : this.log.heldKeys(asked);
    const sent: string[] = [];
    const fresh = keys.map((key, i) => {
      if (held.has(key) || this.inFlight.has(key)) return false;
      this.inFlight.add(key);
      if (prints) this.fingerprints.add(prints[i] as number);
      sent.push(key);
      return true;
    });
    if (sent.length > 0) this.sent.push({ batch, keys: sent });
    return fresh;
  }

  private forgetCommitted(): void {
    const committed = this.committedBatches();
    while ((this.sent[0]?.batch ?? Number.POSITIVE_INFINITY) <= committed) {
      for (const key of (this.sent.shift() as { keys: string[] }).keys) this.inFlight.delete(key);
    }
  }
}

/** Characters of a key the fingerprint reads: those at its end, where a mirror key has its hash. */
const FINGERPRINT_CHARS = 24;

/**
 * FNV-1a of the key's last characters, cut to 30 bits: a small integer, which a Set holds
 * without allocating. Keys that share their end only cost lookups, never a wrong answer.
 */
function fingerprint(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = Math.max(0, key.length - FINGERPRINT_CHARS); i < key.length; i++) {
    hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  }
  return hash & 0x3fffffff;
}
