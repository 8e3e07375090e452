/**
 * The snapshot manifest codec: every row of a state as its key and row id, written every
 * few thousand events and read on every seek. Whatever the keys hold, a full manifest reads
 * back exactly, and a delta applied to its base gives exactly the manifest it was taken
 * from; the JSON manifests written before the binary format still read; and bytes that are
 * not a manifest, or a delta that does not fit its base, raise an Error naming the problem
 * (replay then folds from sequence 0).
 */
import { deflateRawSync, inflateRawSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { projectionNames } from "../../../src/store/projections/all.js";
import {
  applyDelta,
  decodeManifest,
  encodeDelta,
  encodeManifest,
  isDelta,
  type Manifest,
  type ManifestDelta,
  type ManifestRows,
  manifestDelta,
} from "../../../src/store/projections/manifest.js";
import { prng } from "../../support/engine-stream.js";

const rowsArb = (maxLength: number): fc.Arbitrary<ManifestRows> =>
  fc
    .array(
      fc.tuple(
        fc.string({ unit: "binary", maxLength: 40 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      ),
      { maxLength },
    )
    .map((pairs) => ({ keys: pairs.map(([key]) => key), ids: pairs.map(([, id]) => id) }));

const manifestArb = (maxLength: number): fc.Arbitrary<Manifest> =>
  fc.record({
    seq: fc.nat(),
    rows: fc.record(
      Object.fromEntries(projectionNames.map((name) => [name, rowsArb(maxLength)])) as Record<
        (typeof projectionNames)[number],
        fc.Arbitrary<ManifestRows>
      >,
      { requiredKeys: [] },
    ),
  });

/** The next snapshot's manifest: a few ids changed, keys appended, evicted, deleted or all gone. */
function successor(manifest: Manifest, rnd: () => number): Manifest {
  const rows: Manifest["rows"] = {};
  for (const name of projectionNames) {
    const before = manifest.rows[name];
    if (before === undefined) continue;
    const keys = [...before.keys];
    const ids = [...before.ids];
    const edit = rnd();
    if (edit < 0.1) {
      keys.length = 0;
      ids.length = 0;
    } else if (edit < 0.3) {
      keys.splice(0, Math.floor(rnd() * 20));
      ids.splice(0, ids.length - keys.length);
    } else if (edit < 0.4 && keys.length > 0) {
      const at = Math.floor(rnd() * keys.length);
      keys.splice(at, 1);
      ids.splice(at, 1);
    }
    for (let i = Math.floor(rnd() * 5); i > 0 && ids.length > 0; i--) {
      ids[Math.floor(rnd() * ids.length)] = Math.floor(rnd() * 2 ** 32);
    }
    for (let i = Math.floor(rnd() * 30); i > 0; i--) {
      keys.push(`k${Math.floor(rnd() * 1e6)}`);
      ids.push(Math.floor(rnd() * 2 ** 32));
    }
    rows[name] = { keys, ids };
  }
  return { seq: manifest.seq + 1, rows };
}

/** Decodes stored bytes that must hold a full manifest. */
function decodeFull(stored: Buffer): Manifest {
  const manifest = decodeManifest(stored);
  if (isDelta(manifest)) throw new Error("expected a full manifest");
  return manifest;
}

/** Stores a delta and reads it back, as a seek does. */
function roundTrip(delta: ManifestDelta): ManifestDelta {
  const decoded = decodeManifest(encodeDelta(delta));
  if (!isDelta(decoded)) throw new Error("expected a delta");
  return decoded;
}

describe("snapshot manifests", () => {
  it("read back exactly what was written, whatever the keys hold", () => {
    fc.assert(
      fc.property(manifestArb(300), (manifest) => {
        expect(decodeFull(encodeManifest(manifest))).toEqual(manifest);
      }),
      { numRuns: 200 },
    );
  });

  it("as deltas, give back exactly the manifest, over the snapshots of a fold", () => {
    fc.assert(
      fc.property(manifestArb(400), fc.integer(), (first, seed) => {
        const rnd = prng(seed);
        let manifest = successor(first, rnd);
        for (let step = 0; step < 8; step++) {
          const delta = roundTrip(manifestDelta(first, manifest));
          expect(applyDelta(first, delta)).toEqual(manifest);
          manifest = successor(manifest, rnd);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("as deltas, give back exactly the manifest, whatever the two manifests hold", () => {
    fc.assert(
      fc.property(manifestArb(60), manifestArb(60), (base, manifest) => {
        expect(applyDelta(base, roundTrip(manifestDelta(base, manifest)))).toEqual(manifest);
      }),
      { numRuns: 300 },
    );
  });

  it("refuse a delta that does not fit its base", () => {
    const base: Manifest = { seq: 10, rows: { tasks: { keys: ["1", "2"], ids: [5, 6] } } };
    const manifest: Manifest = { seq: 20, rows: { tasks: { keys: ["2", "3"], ids: [6, 7] } } };
    const delta = manifestDelta(base, manifest);
    expect(delta.rows.tasks).toEqual({ drop: 1, changed: [], appended: [["3", 7]] });
    const cases: [Manifest, ManifestDelta["rows"], RegExp][] = [
      [{ ...base, seq: 11 }, delta.rows, /based on 10, not 11/],
      [base, { tasks: { drop: 3, changed: [], appended: [] } }, /tasks is malformed/],
      [base, { tasks: { drop: 1, changed: [[1, 9]], appended: [] } }, /changes no row/],
      [base, { tasks: { drop: 0, changed: [[0, -1]], appended: [] } }, /changes no row/],
      [base, { tasks: { drop: 0, changed: [], appended: [[1, 2]] } } as never, /appends no row/],
    ];
    for (const [against, rows, message] of cases) {
      expect(() => applyDelta(against, { ...delta, rows })).toThrow(message);
    }
  });
  it("still reads the JSON manifests of earlier versions", () => {
    const rows = { tasks: [["12", 7] as [string, number]], loop: [] };
    const stored = deflateRawSync(Buffer.from(JSON.stringify({ version: 2, seq: 40, rows })));
    expect(decodeManifest(stored)).toEqual({
      seq: 40,
      rows: { tasks: { keys: ["12"], ids: [7] }, loop: { keys: [], ids: [] } },
    });
  });

  it("names what is wrong with bytes that are not a manifest", () => {
    const good = encodeManifest({ seq: 9, rows: { tasks: { keys: ["1"], ids: [1] } } });
    const inflatedGood = inflateRawSync(good);
    const cases: [unknown, RegExp][] = [
      ["text", /not a deflated manifest/],
      [null, /not a deflated manifest/],
      [Buffer.from("not deflate at all \u0000\u00ff"), /./],
      [deflateRawSync(Buffer.from('{"version":9,"seq":1,"rows":{}}')), /version 2, 3 or 4/],
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
    const manifest = { seq: 1, rows: { tasks: { keys: ["1"], ids: [2 ** 32] } } };
    expect(() => encodeManifest(manifest)).toThrow(RangeError);
  });
});
