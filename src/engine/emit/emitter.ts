/**
 * The engine's only way to record what it does (ARCHITECTURE.md "How an event flows"):
 * validate the payload against the contract, append it to the durable log (projections
 * fold in the same transaction), then write one JSONL line for operators.
 *
 * "Strict before, tolerant after": `emit` throws, so a failed emit before an irreversible
 * act aborts the act; `emitAfter` retries and then only reports, so a completed merge is
 * never turned into a reported failure by a log hiccup.
 */

import type { Clock } from "../../shared/clock.js";
import { describeError } from "../../shared/errors.js";
import type { StoredEvent } from "../../store/contract/envelope.js";
import { type EngineKind, type PayloadOf, validatePayload } from "../../store/contract/kinds.js";
import type { JsonlEntry, JsonlWriter } from "../../store/jsonl/writer.js";
import type { EventLog } from "../../store/log/event-log.js";

export interface EmitMeta {
  key: string;
  taskId?: string | null;
  sagaId?: string | null;
  causalEventId?: string | null;
  causalSequence?: number | null;
}

export class Emitter {
  constructor(
    private readonly log: EventLog,
    private readonly stream: JsonlWriter,
    private readonly clock: Clock,
    private readonly onEmitted: (event: StoredEvent) => void = () => {},
    private readonly report: (message: string) => void = (m) => process.stderr.write(`${m}\n`),
  ) {}

  emit<K extends EngineKind>(kind: K, payload: PayloadOf<K>, meta: EmitMeta): StoredEvent {
    const valid = validatePayload(kind, payload);
    const { event, inserted } = this.log.append({
      kind,
      payload: valid as Record<string, unknown>,
      idempotencyKey: meta.key,
      taskId: meta.taskId ?? null,
      sagaId: meta.sagaId ?? null,
      causalEventId: meta.causalEventId ?? null,
      causalSequence: meta.causalSequence ?? null,
    });
    if (inserted) {
      this.writeLine({ ts: event.occurredAt, kind, seq: event.sequence, payload: event.payload });
      this.onEmitted(event);
    }
    return event;
  }

  /** After an irreversible act: retried a few times, then reported, never thrown. */
  emitAfter<K extends EngineKind>(
    kind: K,
    payload: PayloadOf<K>,
    meta: EmitMeta,
  ): StoredEvent | undefined {
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        return this.emit(kind, payload, meta);
      } catch (err) {
        this.report(
          `forge-loop: could not record ${kind} (try ${attempt}/3): ${describeError(err)}`,
        );
      }
    }
    return undefined;
  }

  /** Fine-grained progress: operator stream only (the durable log gets coalesced heartbeats). */
  observe(kind: string, payload: Record<string, unknown>): void {
    this.writeLine({ ts: new Date(this.clock.now()).toISOString(), kind, payload });
  }

  private writeLine(entry: JsonlEntry): void {
    try {
      this.stream.append(entry);
    } catch (err) {
      // The JSONL stream is a convenience mirror; the durable log already has the event.
      this.report(`forge-loop: operator stream write failed: ${describeError(err)}`);
    }
  }
}
