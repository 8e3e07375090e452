import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type LedgerEntry, ledgerComment, readLedger } from "../../../src/engine/loop/ledger.js";

describe("attempt ledger", () => {
  it("round-trips entries through comment bodies and ignores other comments", () => {
    const entry: LedgerEntry = {
      issue: 4,
      attempt: 2,
      status: "failed",
      reason: "checks_failed",
      duration_ms: 1234,
      fingerprint: "abc",
    };
    const merged: LedgerEntry = { issue: 4, attempt: 3, status: "merged", pr: 9, duration_ms: 10 };
    const bodies = [
      "a human comment",
      ledgerComment(entry),
      ledgerComment(merged),
      "<!-- forge-loop:attempt -->\nbroken ```json\n{nope\n```",
    ];
    expect(readLedger(bodies)).toEqual([entry, merged]);
    expect(ledgerComment(merged)).toContain("merged PR #9");
  });

  it("reads back any entry it wrote", () => {
    fc.assert(
      fc.property(
        fc.record({
          issue: fc.nat(),
          attempt: fc.nat(),
          status: fc.string(),
          duration_ms: fc.nat(),
          reason: fc.option(fc.string(), { nil: undefined }),
        }),
        (raw) => {
          const entry = JSON.parse(JSON.stringify(raw)) as LedgerEntry;
          expect(readLedger([ledgerComment(entry)])).toEqual([entry]);
        },
      ),
    );
  });
});
