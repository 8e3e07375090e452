/**
 * Prepared rows on their way from the mirror's worker to the thread that chains and
 * inserts them, in a form that costs next to nothing to send: the bytes of every row back
 * to back in one buffer, which postMessage hands over without copying, plus their lengths.
 *
 * A row travels as its canonical chain text, which holds every column the chain covers,
 * and its causal columns as JSON (nothing when they are NULL). All of that is ASCII (the
 * canonical text escapes every other character), so a byte is a character both ways. The
 * receiver parses the columns back out of the text: it stores exactly what the hash
 * covers, and its strings are one-byte strings, the cheapest to parse, hash and bind.
 */
import { asciiEscapeJson } from "../contract/canonical-json.js";
import type { ChainFields } from "../log/chain.js";
import type { PreparedEvent } from "../log/new-event.js";

export interface EncodedEvents {
  count: number;
  bytes: ArrayBuffer;
  /** Per row, the length of its canonical text, then of its causal columns. */
  lengths: Int32Array;
  /** Rows whose key may be held already (see KeyScreen), ascending. */
  unsure: number[];
}

export function encodeEvents(events: readonly PreparedEvent[], unsure: number[]): EncodedEvents {
  const texts: string[] = [];
  for (const { canonical, causalEventId, causalSequence } of events) {
    const uncaused = causalEventId === null && causalSequence === null;
    texts.push(
      canonical,
      uncaused ? "" : asciiEscapeJson(JSON.stringify([causalEventId, causalSequence])),
    );
  }
  const lengths = Int32Array.from(texts, (text) => text.length);
  // Not from the shared pool: the whole ArrayBuffer is handed over.
  const bytes = Buffer.allocUnsafeSlow(lengths.reduce((sum, length) => sum + length, 0));
  let offset = 0;
  for (const text of texts) if (text !== "") offset += bytes.write(text, offset, "latin1");
  return { count: events.length, bytes: bytes.buffer as ArrayBuffer, lengths, unsure };
}

export function decodeEvents({ count, bytes, lengths }: EncodedEvents): PreparedEvent[] {
  const buffer = Buffer.from(bytes);
  const events: PreparedEvent[] = new Array(count);
  let at = 0;
  let offset = 0;
  const take = (): string => {
    const length = lengths[at++] as number;
    offset += length;
    return buffer.toString("latin1", offset - length, offset);
  };
  for (let row = 0; row < count; row++) {
    const canonical = take();
    const causal = take();
    const [causalEventId, causalSequence] =
      causal === "" ? [null, null] : (JSON.parse(causal) as [string | null, number | null]);
    events[row] = {
      fields: JSON.parse(canonical) as ChainFields,
      canonical,
      causalEventId,
      causalSequence,
    };
  }
  return events;
}
