import { describe, expect, it } from "vitest";
import { age, clip, count, duration, money, oneLine } from "../../src/ui/format.js";

describe("format", () => {
  it("durations in the largest sensible unit", () => {
    expect(duration(850)).toBe("850ms");
    expect(duration(12_400)).toBe("12s");
    expect(duration(252_000)).toBe("4m12s");
    expect(duration(3 * 3_600_000 + 5 * 60_000)).toBe("3h05m");
    expect(duration(52 * 3_600_000)).toBe("2d04h");
    expect(duration(undefined)).toBe("-");
    expect(duration(Number.NaN)).toBe("-");
    expect(duration(-5)).toBe("0ms");
  });

  it("ages relative to a given now, never negative, '-' when unknown", () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    expect(age(new Date(now - 14 * 60_000).toISOString(), now)).toBe("14m");
    expect(age(new Date(now + 60_000).toISOString(), now)).toBe("0s");
    expect(age("not a time", now)).toBe("-");
    expect(age(undefined, now)).toBe("-");
  });

  it("money as in the sketch", () => {
    expect(money(4.312)).toBe("$4.31");
    expect(money(0.82)).toBe("$.82");
    expect(money(undefined)).toBe("$-");
  });

  it("one line of safe text, clipped with an ellipsis", () => {
    expect(oneLine("a\nb\tc\u001b[31m\u0007")).toBe("a b c[31m");
    expect(clip("abcdef", 4)).toBe("abc…");
    expect(clip("日本語テキスト", 3)).toBe("日本…");
    expect(clip("abc", 0)).toBe("");
    expect(count(98765)).toBe("98,765");
  });
});
