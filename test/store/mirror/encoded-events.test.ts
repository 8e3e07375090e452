/** Prepared rows survive the trip from the pipeline's worker unchanged, whatever they hold. */
import fc from "fast-check";
import { expect, it } from "vitest";
import { canonicalChainFields } from "../../../src/store/log/chain.js";
import { decodeEvents, encodeEvents } from "../../../src/store/mirror/encoded-events.js";

const text = fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" }));
const prepared = fc
  .record({
    fields: fc.record({
      event_id: text,
      idempotency_key: fc.option(text),
      kind: text,
      occurred_at: text,
      payload_json: text,
      saga_id: fc.option(text),
      schema_version: fc.constant(1),
      task_id: fc.option(text),
    }),
    causalEventId: fc.option(text),
    causalSequence: fc.option(fc.nat()),
  })
  .map((row) => ({ ...row, canonical: canonicalChainFields(row.fields) }));

it("decodes what it encodes", () => {
  fc.assert(
    fc.property(fc.array(prepared, { maxLength: 20 }), (events) => {
      const unsure = events.flatMap((_, i) => (i % 3 === 0 ? [i] : []));
      const encoded = encodeEvents(events, unsure);
      // As postMessage delivers it, its buffers handed over.
      const received = structuredClone(encoded, {
        transfer: [encoded.bytes, encoded.lengths.buffer as ArrayBuffer],
      });
      expect(decodeEvents(received)).toEqual(events);
      expect(received.unsure).toEqual(unsure);
    }),
  );
});
