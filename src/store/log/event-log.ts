/**
 * The durable event log. SQLite (WAL) is the only implementation built now; the
 * interface is what a PostgreSQL log would implement when one host is not enough
 * (ARCHITECTURE.md "Scaling past one machine").
 */
import type { AppendInput, AppendResult, StoredEvent } from "../contract/envelope.js";

export interface ChainReport {
  ok: boolean;
  /** Rows checked. */
  checked: number;
  /** Rows of a Python database written before its chain existed (NULL hash): not verifiable. */
  unchained?: number;
  /** The first row whose stored chain hash differs from the recomputed one. */
  firstBroken?: {
    sequence: number;
    eventId: string;
    expected: string;
    stored: string | null;
    /** The column that disagrees: `chain_hash`, or `event_hash` / `prev_hash` in a #338 Python database. */
    column?: string;
  };
}

export interface EventLog {
  /** Idempotent: an existing idempotency key returns the stored event and writes nothing. */
  append(input: AppendInput): AppendResult;
  /** All or nothing, in one transaction. */
  appendBatch(inputs: readonly AppendInput[]): AppendResult[];
  /**
   * Runs `work` in one write transaction: what it appends commits together, or not at all
   * if it throws or an append inside it fails. For bulk writers, which would otherwise pay
   * for many commits or hold many events at once. Nested calls join the outer one.
   */
  transaction<T>(work: () => T): T;
  /** Events with sequence > `after`, oldest first, at most `limit`. */
  since(after: number, limit?: number): StoredEvent[];
  /** Highest sequence, 0 when empty. */
  head(): number;
  verifyChain(): ChainReport;
  close(): void;
}
