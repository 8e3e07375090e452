import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type CheckRunData,
  type CommitStatusData,
  checkRunState,
  namedChecks,
  rollupOf,
} from "../../../../src/engine/forge/github/checks.js";

const runStatus = fc.constantFrom(
  "queued",
  "in_progress",
  "completed",
  "waiting",
  "requested",
  "pending",
  "",
);
const conclusion = fc.option(
  fc.constantFrom(
    "success",
    "failure",
    "neutral",
    "cancelled",
    "skipped",
    "timed_out",
    "action_required",
    "stale",
    "startup_failure",
    "",
    "???",
  ),
);
const run: fc.Arbitrary<CheckRunData> = fc.record({
  name: fc.string(),
  status: runStatus,
  conclusion,
});
const status: fc.Arbitrary<CommitStatusData> = fc.record({
  context: fc.string(),
  state: fc.constantFrom("success", "pending", "failure", "error", "weird"),
});

describe("check rollup", () => {
  it("maps GitHub's check-run states and conclusions", () => {
    expect(checkRunState({ name: "a", status: "in_progress" })).toBe("pending");
    expect(checkRunState({ name: "a", status: "completed", conclusion: "success" })).toBe(
      "passing",
    );
    expect(checkRunState({ name: "a", status: "completed", conclusion: "neutral" })).toBe(
      "passing",
    );
    expect(checkRunState({ name: "a", status: "completed", conclusion: "skipped" })).toBe(
      "skipped",
    );
    for (const c of [
      "failure",
      "timed_out",
      "cancelled",
      "action_required",
      "stale",
      "startup_failure",
      null,
    ]) {
      expect(checkRunState({ name: "a", status: "completed", conclusion: c }), String(c)).toBe(
        "failing",
      );
    }
  });

  it("is failing iff a check fails, else pending iff one runs, else passing (property)", () => {
    fc.assert(
      fc.property(
        fc.array(run, { maxLength: 8 }),
        fc.array(status, { maxLength: 8 }),
        fc.boolean(),
        (runs, statuses, grace) => {
          const checks = namedChecks(runs, statuses);
          expect(checks).toHaveLength(runs.length + statuses.length);
          const rollup = rollupOf(checks, grace);
          const states = checks.map((c) => c.state);
          if (states.includes("failing")) expect(rollup).toBe("failing");
          else if (states.includes("pending") || (checks.length === 0 && grace))
            expect(rollup).toBe("pending");
          else expect(rollup).toBe("passing");
        },
      ),
    );
  });

  it("waits out the grace period only when there are no checks at all", () => {
    expect(rollupOf([], true)).toBe("pending");
    expect(rollupOf([], false)).toBe("passing");
    expect(rollupOf([{ name: "skipped", state: "skipped" }], true)).toBe("passing");
  });
});
