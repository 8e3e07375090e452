/** Prepared rows survive the trip from the pipeline's worker unchanged, whatever they hold. */
import fc from "fast-check";
import { expect, it } from "vitest";
import { decodeEvents, encodeEvents } from "../../../src/store/mirror/encoded-events.js";

const text = fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.constant(""));
const prepared = fc.record({
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
  canonical: text,
  causalEventId: fc.option(text),
  causalSequence: fc.option(fc.nat()),
});

it("decodes what it encodes", () => {
  fc.assert(
    fc.property(fc.array(prepared, { maxLength: 20 }), (events) => {
      const { count, text, lengths } = encodeEvents(events);
      // As postMessage delivers it: a copy, the lengths' buffer transferred.
      const received = structuredClone(
        { count, text, lengths },
        { transfer: [lengths.buffer as ArrayBuffer] },
      );
      expect(decodeEvents(received)).toEqual(events);
    }),
  );
});
