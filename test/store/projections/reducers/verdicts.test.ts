import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { StoredEvent } from "../../../../src/store/contract/envelope.js";
import { emptyState, foldEvents } from "../../../../src/store/projections/fold.js";
import type { VerdictRow } from "../../../../src/store/projections/types.js";
import { isBlockingVerdict, verdictOf } from "../../../../src/store/projections/verdict.js";
import { eventSequence, storedEvent } from "../../../support/stored-events.js";

type Ev = ReturnType<typeof eventSequence>["ev"];

function verdictsAfter(build: (ev: Ev) => StoredEvent[]): Map<string, VerdictRow> {
  return foldEvents(emptyState(), build(eventSequence().ev)).verdicts;
}

function onlyVerdict(payload: Record<string, unknown>): VerdictRow {
  const [row] = verdictsAfter((ev) => [
    ev("critique.issued", { issue: 1, attempt: 1, ...payload }),
  ]).values();
  if (!row) throw new Error("no verdict");
  return row;
}

describe("verdicts projection", () => {
  it("keeps every verdict as its own row, keyed issue:attempt:sequence", () => {
    const payload = {
      issue: 44,
      attempt: 3,
      overall: "request_changes",
      blocking: true,
      summary: "needs a test",
      findings: [
        {
          severity: "sev2",
          category: "tests",
          file: "src/a.ts",
          line: 3,
          message: "no sad path",
          fix: "add one",
        },
      ],
      sev_counts: { sev1: 0, sev2: 1, sev3: 0 },
      duration_ms: 4200,
      parse_retries: 1,
      pr: 9,
    };
    const verdicts = verdictsAfter((ev) => [
      ev("critique.issued", payload),
      ev("critique.issued", payload),
    ]);
    expect([...verdicts.keys()]).toEqual(["44:3:1", "44:3:2"]);
    expect(verdicts.get("44:3:1")).toEqual({
      issue: 44,
      attempt: 3,
      seq: 1,
      at: "2026-11-20T09:00:01.000Z",
      overall: "request_changes",
      blocking: true,
      summary: "needs a test",
      findings: payload.findings,
      sevCounts: { sev1: 0, sev2: 1, sev3: 0 },
      durationMs: 4200,
      parseRetries: 1,
      pr: 9,
    });
  });

  it.each([
    [{ overall: "block" }, true],
    [{ overall: "error" }, true],
    [{ overall: "approve" }, false],
    [{ overall: "approve", sev_counts: { sev1: 1, sev2: 0, sev3: 0 } }, true],
    [{ overall: "request_changes", sev_counts: { sev1: 0, sev2: 1, sev3: 0 } }, true],
    [{ overall: "request_changes", sev_counts: { sev1: 0, sev2: 0, sev3: 4 } }, false],
    [{ overall: "approve", findings: [{ severity: "sev1", message: "x" }] }, true],
    [{ overall: "block", blocking: false }, false],
    [{ legacy_kind: "critic_verdict_blocked" }, true],
    [{ legacy_kind: "critic_verdict_merged" }, false],
    [{}, true],
  ])("derives blocking from %j as %s when the payload does not say", (payload, blocking) => {
    expect(onlyVerdict(payload).blocking).toBe(blocking);
  });

  it("reads a legacy critic_done record", () => {
    const row = onlyVerdict({
      attempt: undefined,
      legacy_kind: "critic_done",
      verdict: "REQUEST_CHANGES",
      reasons: ["missing test", 3, "naming"],
      duration_s: 41.5,
      sev_counts: { sev1: 0, sev2: "2", sev3: -1 },
      parse_retries: 0,
      pr: "https://github.com/o/r/pull/88",
    });
    expect(row).toMatchObject({
      attempt: 0,
      overall: "request_changes",
      blocking: true,
      summary: "missing test; naming",
      durationMs: 41_500,
      sevCounts: { sev1: 0, sev2: 2, sev3: 0 },
      pr: 88,
    });
  });

  it("names legacy verdict records by their kind, and nothing else by a kind it does not know", () => {
    expect(onlyVerdict({ legacy_kind: "critic_verdict_revising" }).overall).toBe("request_changes");
    expect(onlyVerdict({ legacy_kind: "critic_verdict_unknown" }).overall).toBe("error");
    for (const legacy of ["constructor", "__proto__", "toString", "critic_done"]) {
      expect(onlyVerdict({ legacy_kind: legacy }).overall).toBe("error");
    }
  });

  it("normalises findings it cannot trust, and counts severities when sev_counts is missing", () => {
    const row = onlyVerdict({
      overall: "request_changes",
      findings: [
        { severity: "SEV2", category: "Security", message: "token logged" },
        { severity: "critical", category: "made-up", description: "crash", line: -4, path: "a.ts" },
        { severity: 7, message: { nested: true } },
        "a plain string finding",
        null,
        42,
      ],
    });
    expect(row.findings).toEqual([
      { severity: "sev2", category: "security", message: "token logged" },
      { severity: "sev1", category: "correctness", message: "crash", file: "a.ts" },
      { severity: "sev3", category: "correctness", message: "" },
      { severity: "sev3", category: "correctness", message: "a plain string finding" },
    ]);
    expect(row.sevCounts).toEqual({ sev1: 1, sev2: 1, sev3: 2 });
    expect(row.blocking).toBe(true);
  });

  it("bounds findings and their text", () => {
    const row = onlyVerdict({
      overall: "block",
      findings: Array.from({ length: 500 }, () => ({
        severity: "sev3",
        category: "style",
        message: "m".repeat(10_000),
      })),
    });
    expect(row.findings).toHaveLength(100);
    expect(row.findings[0]?.message.length).toBe(2000);
  });

  it("keeps the newest 200 verdicts, and none without an issue", () => {
    const verdicts = verdictsAfter((ev) => [
      ev("critique.issued", { overall: "approve" }),
      ...Array.from({ length: 230 }, (_, i) =>
        ev("critique.issued", { issue: i + 1, attempt: 1, overall: "approve" }),
      ),
    ]);
    expect(verdicts.size).toBe(200);
    expect([...verdicts.values()][0]?.issue).toBe(31);
  });
});

describe("isBlockingVerdict", () => {
  it("agrees with the verdict row on any payload", () => {
    const scalar = fc.oneof(
      fc.constantFrom(
        "block",
        "approve",
        "request_changes",
        "error",
        "sev1",
        "sev2",
        "critic_verdict_blocked",
        "critic_verdict_merged",
      ),
      fc.integer({ min: -1, max: 3 }),
      fc.boolean(),
      fc.string({ maxLength: 3 }),
    );
    const payload = fc.record(
      {
        overall: scalar,
        verdict: scalar,
        blocking: scalar,
        legacy_kind: scalar,
        sev_counts: fc.oneof(
          scalar,
          fc.record({ sev1: scalar, sev2: scalar, sev3: scalar }, { requiredKeys: [] }),
        ),
        findings: fc.array(
          fc.oneof(scalar, fc.record({ severity: scalar, message: scalar }, { requiredKeys: [] })),
          { maxLength: 4 },
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(payload, (p) => {
        const event = storedEvent("critique.issued", p);
        expect(isBlockingVerdict(event)).toBe(verdictOf(event, 1, 1).blocking);
      }),
      { numRuns: 500 },
    );
  });
});
