import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normaliseLegacyTs } from "../../../src/store/mirror/legacy-time.js";

describe("normaliseLegacyTs", () => {
  it.each([
    ["2026-06-05T09:03:33.588Z", "2026-06-05T09:03:33.588Z"],
    ["2026-11-21T01:05:43.333670+00:00", "2026-11-21T01:05:43.333Z"],
    ["2026-06-05T11:03:33.5+02:00", "2026-06-05T09:03:33.500Z"],
    ["2026-06-05T04:03:33-0500", "2026-06-05T09:03:33.000Z"],
    ["2026-06-05 09:03:33", "2026-06-05T09:03:33.000Z"],
    ["2026-06-05T09:03", "2026-06-05T09:03:00.000Z"],
    ["2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000Z"],
    ["  2026-06-05T09:03:33.588z ", "2026-06-05T09:03:33.588Z"],
    [1780650213.588, "2026-06-05T09:03:33.588Z"],
    [1780650213588, "2026-06-05T09:03:33.588Z"],
  ])("%j → %s", (ts, expected) => {
    expect(normaliseLegacyTs(ts)).toBe(expected);
  });

  it.each([
    "2026-02-30T00:00:00Z",
    "2026-02-30T00:00:00.000Z",
    "2026-06-31T00:00:00.000Z",
    "2026-06-05T24:00:00.000Z",
    "1969-12-31T23:59:59.999Z",
    "2025-02-29T00:00:00Z",
    "2026-13-01T00:00:00Z",
    "2026-06-05T24:00:00Z",
    "2026-06-05T09:60:00Z",
    "2026-06-05T09:03:33+25:00",
    "2026-06-05",
    "June 5 2026",
    "",
    "1780650213",
    Number.NaN,
    Number.POSITIVE_INFINITY,
    -1,
    null,
    true,
    {},
    ["2026-06-05T09:03:33Z"],
  ])("%j → undefined", (ts) => {
    expect(normaliseLegacyTs(ts)).toBeUndefined();
  });

  it("round-trips every representable instant, whatever the zone it is written in", () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date(Date.UTC(1971, 0, 1)),
          max: new Date(Date.UTC(9998, 0, 1)),
          noInvalidDate: true,
        }),
        fc.integer({ min: -14 * 60, max: 14 * 60 }),
        (date, offsetMin) => {
          const local = new Date(date.getTime() + offsetMin * 60_000).toISOString().slice(0, -1);
          const sign = offsetMin < 0 ? "-" : "+";
          const abs = Math.abs(offsetMin);
          const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
          expect(normaliseLegacyTs(`${local}${zone}`)).toBe(date.toISOString());
        },
      ),
    );
  });

  it("keeps a time already in the stored shape exactly as it is", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date(0), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true }),
        (date) => {
          expect(normaliseLegacyTs(date.toISOString())).toBe(date.toISOString());
        },
      ),
    );
  });

  it("takes a string of the stored shape exactly when it is a real instant since 1970", () => {
    const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, "0"));
    const shaped = fc
      .tuple(
        fc.oneof(fc.integer({ min: 1960, max: 2100 }), fc.integer({ min: 0, max: 9999 })),
        two(13),
        two(32),
        two(25),
        two(61),
        two(61),
        fc.integer({ min: 0, max: 999 }),
      )
      .map(
        ([y, mo, d, h, mi, s, ms]) =>
          `${String(y).padStart(4, "0")}-${mo}-${d}T${h}:${mi}:${s}.${String(ms).padStart(3, "0")}Z`,
      );
    fc.assert(
      fc.property(shaped, (ts) => {
        const date = new Date(ts);
        const real = !Number.isNaN(date.getTime()) && date.toISOString() === ts;
        expect(normaliseLegacyTs(ts)).toBe(real && ts >= "1970" ? ts : undefined);
      }),
      { numRuns: 5000 },
    );
  });

  it("never throws, and returns UTC ISO with milliseconds or nothing", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.double(), fc.jsonValue()), (ts) => {
        const out = normaliseLegacyTs(ts);
        if (out !== undefined) expect(out).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      }),
      { numRuns: 2000 },
    );
  });
});
