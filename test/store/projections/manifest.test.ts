/**
 * The snapshot manifest codec: every row of a state as `[key, row id]`, written every few
 * thousand events and read on every seek. Whatever the keys hold, a manifest reads back
 * exactly; the JSON manifests written before the binary format still read; and bytes that
 * are not a manifest raise an Error naming the problem (replay then folds from sequence 0).
 */
import { deflateRawSync, inflateRawSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { projectionNames } from "../../../src/store/projections/all.js";
import {
  decodeManifest,
  encodeManifest,
  type Manifest,
} from "../../../src/store/projections/snapshots.js";

const entriesArb = fc.array(
  fc.tuple(fc.string({ unit: "binary", maxLength: 40 }), fc.integer({ min: 0, max: 2 ** 32 - 1 })),
  { maxLength: 300 },
);

const manifestArb: fc.Arbitrary<Manifest> = fc.record({
  seq: fc.nat(),
  rows: fc.record(
    Object.fromEntries(projectionNames.map((name) => [name, entriesArb])) as Record<
      (typeof projectionNames)[number],
      typeof entriesArb
    >,
    { requiredKeys: [] },
  ),
});

describe("snapshot manifests", () => {
  it("read back exactly what was written, whatever the keys hold", () => {
    fc.assert(
      fc.property(manifestArb, (manifest) => {
        expect(decodeManifest(encodeManifest(manifest))).toEqual(manifest);
      }),
      { numRuns: 200 },
    );
  });

  it("still reads the JSON manifests of earlier versions", () => {
    const rows = { tasks: [["12", 7] as [string, number]], loop: [] };
    const stored = deflateRawSync(Buffer.from(JSON.stringify({ version: 2, seq: 40, rows })));
    expect(decodeManifest(stored)).toEqual({ seq: 40, rows });
  });

  it("names what is wrong with bytes that are not a manifest", () => {
    const good = encodeManifest({ seq: 9, rows: { tasks: [["1", 1]] } });
    const inflatedGood = inflateRawSync(good);
    const cases: [unknown, RegExp][] = [
      ["text", /not a deflated manifest/],
      [null, /not a deflated manifest/],
      [Buffer.from("not deflate at all \u0000\u00ff"), /./],
      [deflateRawSync(Buffer.from('{"version":9,"seq":1,"rows":{}}')), /version 2 or 3/],
      [deflateRawSync(inflatedGood.subarray(0, inflatedGood.length - 2)), /truncated/],
      [deflateRawSync(Buffer.from([0x33, 200, 0, 0, 0, 1, 2])), /./],
    ];
    for (const [stored, message] of cases) {
      expect(() => decodeManifest(stored)).toThrow(message);
    }
  });

  it("rejects random bytes without hanging or crashing", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        try {
          decodeManifest(deflateRawSync(Buffer.concat([Buffer.from([0x33]), bytes])));
        } catch (err) {
          expect(err).toBeInstanceOf(Error);
        }
      }),
    );
  });

  it("refuses a row id beyond 32 bits instead of storing a wrong one", () => {
    expect(() => encodeManifest({ seq: 1, rows: { tasks: [["1", 2 ** 32]] } })).toThrow(RangeError);
  });
});
