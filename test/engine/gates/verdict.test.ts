import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  blockingReason,
  countSeverities,
  extractVerdict,
} from "../../../src/engine/gates/verdict.js";
import type { Verdict } from "../../../src/store/contract/kinds.js";

const policy = { blockOnSev2: false, suspiciousApproveLines: 100 };
const finding = (severity: "sev1" | "sev2" | "sev3") => ({
  severity,
  category: "tests" as const,
  message: "m",
});

describe("extractVerdict", () => {
  it("reads the last JSON object that is a verdict, after prose and code fences", () => {
    const text =
      'Here is my review {"not": "a verdict"}.\n```json\n{"overall":"approve","summary":"ok","findings":[]}\n```';
    expect(extractVerdict(text)).toEqual({
      verdict: { overall: "approve", summary: "ok", findings: [] },
    });
  });

  it("prefers the last verdict when several are present", () => {
    const text =
      '{"overall":"block","summary":"a","findings":[]} then {"overall":"approve","summary":"b","findings":[]}';
    expect(extractVerdict(text)).toMatchObject({ verdict: { overall: "approve" } });
  });

  it("is not confused by braces inside strings", () => {
    const text =
      '{"overall":"request_changes","summary":"use {x} not }{","findings":[{"severity":"sev3","category":"style","message":"a } brace"}]}';
    expect(extractVerdict(text)).toMatchObject({
      verdict: { overall: "request_changes", summary: "use {x} not }{" },
    });
  });

  it("explains what is wrong when there is no verdict", () => {
    expect(extractVerdict("I think it is fine.")).toEqual({
      error: "no JSON object found in the critic's output",
    });
    const wrong = extractVerdict('{"overall":"maybe","findings":[]}');
    expect("error" in wrong && wrong.error).toMatch(/not a verdict: overall/);
  });

  it("rejects findings with unknown severities or categories", () => {
    const text =
      '{"overall":"approve","findings":[{"severity":"sev9","category":"tests","message":"x"}]}';
    expect("error" in extractVerdict(text)).toBe(true);
  });

  it("never throws on arbitrary text, deep nesting or huge output", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), (text) => {
        const result = extractVerdict(text);
        expect("verdict" in result || "error" in result).toBe(true);
      }),
    );
    expect("error" in extractVerdict("{".repeat(100_000))).toBe(true);
    const huge = `${"x".repeat(5_000_000)}{"overall":"approve","summary":"","findings":[]}`;
    expect(extractVerdict(huge)).toMatchObject({ verdict: { overall: "approve" } });
  });

  it("finds a verdict embedded anywhere in arbitrary surrounding text", () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes("{") && !s.includes("}")),
        fc.string().filter((s) => !s.includes("{")),
        (before, after) => {
          const verdict = { overall: "block", summary: "s", findings: [] };
          expect(extractVerdict(`${before}${JSON.stringify(verdict)}${after}`)).toEqual({
            verdict,
          });
        },
      ),
    );
  });
});

describe("blockingReason (EVENTS.md rule)", () => {
  const v = (overall: Verdict["overall"], findings: Verdict["findings"]): Verdict => ({
    overall,
    summary: "",
    findings,
  });

  it("blocks a block verdict, any sev1, and request_changes with a sev2", () => {
    expect(blockingReason(v("block", []), 1, policy)).toBeDefined();
    expect(blockingReason(v("approve", [finding("sev1")]), 1, policy)).toMatch(/sev1/);
    expect(blockingReason(v("request_changes", [finding("sev2")]), 1, policy)).toMatch(/sev2/);
  });

  it("lets an approve with a sev2 through unless block_on_sev2 is set", () => {
    expect(blockingReason(v("approve", [finding("sev2")]), 1, policy)).toBeUndefined();
    expect(
      blockingReason(v("approve", [finding("sev2")]), 1, { ...policy, blockOnSev2: true }),
    ).toMatch(/block_on_sev2/);
  });

  it("lets request_changes with only sev3 findings through", () => {
    expect(blockingReason(v("request_changes", [finding("sev3")]), 1, policy)).toBeUndefined();
  });

  it("treats an approve with no findings on a large diff as suspicious, but not on a small one", () => {
    expect(blockingReason(v("approve", []), 101, policy)).toMatch(/suspicious/);
    expect(blockingReason(v("approve", []), 100, policy)).toBeUndefined();
    expect(blockingReason(v("approve", [finding("sev3")]), 5000, policy)).toBeUndefined();
  });

  it("agrees with the rule written out as a predicate, for any verdict", () => {
    const arbFinding = fc.record({
      severity: fc.constantFrom("sev1", "sev2", "sev3"),
      category: fc.constant("tests"),
      message: fc.string(),
    });
    fc.assert(
      fc.property(
        fc.constantFrom("approve", "request_changes", "block"),
        fc.array(arbFinding, { maxLength: 5 }),
        fc.nat(500),
        fc.boolean(),
        (overall, findings, lines, sev2) => {
          const verdict = v(overall as Verdict["overall"], findings as Verdict["findings"]);
          const counts = countSeverities(verdict.findings);
          const expected =
            overall === "block" ||
            counts.sev1 > 0 ||
            (overall === "request_changes" && counts.sev2 > 0) ||
            (sev2 && counts.sev2 > 0) ||
            (overall === "approve" && findings.length === 0 && lines > 100);
          expect(
            blockingReason(verdict, lines, { blockOnSev2: sev2, suspiciousApproveLines: 100 }) !==
              undefined,
          ).toBe(expected);
        },
      ),
    );
  });
});
