/**
 * Canonical JSON is what the log stores and hashes, so its fast paths (values already in
 * key order stringified as they are; keys sorted in place) must give exactly the bytes of
 * the plain definition: every object copied with its keys sorted, then JSON.stringify.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  canonicalCopy,
  canonicalJson,
  sortedKeys,
} from "../../../src/store/contract/canonical-json.js";
import { canonicalJsonOracle as reference } from "./canonical-oracle.js";

/** Keys that sort unlike they enumerate (integer-like ones come first), and "__proto__". */
const key = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom("__proto__", "toJSON", "0", "1", "9", "10", "01", "-1", "1.5", "4294967295"),
);
const value = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.oneof(fc.string(), fc.double(), fc.integer(), fc.boolean(), fc.constant(null)),
    fc.constantFrom(undefined, -0, Number.NaN, new Date(0), () => 1),
    fc.array(tie("value"), { maxLength: 4 }),
    // Built by JSON.parse so that "__proto__" becomes an own key, as in a parsed record.
    fc.array(fc.tuple(key, tie("value")), { maxLength: 5 }).map((entries) => objectOf(entries)),
  ),
})).value;

function objectOf(entries: [string, unknown][]): Record<string, unknown> {
  const out = JSON.parse("{}") as Record<string, unknown>;
  for (const [k, v] of entries) {
    Object.defineProperty(out, k, {
      value: v,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

describe("canonicalJson", () => {
  it("gives exactly the plain definition's bytes, for any value", () => {
    fc.assert(
      fc.property(value, (v) => {
        const expected = reference(v);
        expect(canonicalJson(v)).toBe(expected);
        const copy = canonicalCopy(v);
        expect(JSON.stringify(copy)).toBe(expected);
        // A copy is already in order: stringified as it is, to the same bytes.
        expect(canonicalJson(copy)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it("stringifies a value already in key order as it is, and sorts one that is not", () => {
    const ordered = { a: 1, b: [{ c: 2, d: null }], e: "x" };
    expect(canonicalJson(ordered)).toBe(JSON.stringify(ordered));
    expect(canonicalJson({ e: "x", b: [{ d: null, c: 2 }], a: 1 })).toBe(JSON.stringify(ordered));
    expect(canonicalJson({ 10: 1, 9: 2, a: 3 })).toBe('{"9":2,"10":1,"a":3}');
    expect(canonicalJson({ when: new Date(0), inner: { toJSON: () => "x" } })).toBe(
      reference({ when: new Date(0), inner: { toJSON: () => "x" } }),
    );
    // A copy of an array keeps its items only: an own toJSON is not called.
    const list = Object.assign([1, 2], { toJSON: () => "x" });
    expect(canonicalJson({ list })).toBe('{"list":[1,2]}');
  });
});

describe("sortedKeys", () => {
  it("orders any set of keys as Array.prototype.sort does, small or large", () => {
    fc.assert(
      fc.property(fc.uniqueArray(key, { maxLength: 60 }), (keys) => {
        const object = objectOf(keys.map((k) => [k, 1]));
        expect(sortedKeys(object)).toEqual(Object.keys(object).sort());
      }),
    );
  });
});
