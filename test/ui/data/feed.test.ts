import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { engineKinds } from "../../../src/store/contract/kinds.js";
import { feedLineOfEvent, feedLineOfRecord, summarize } from "../../../src/ui/data/feed.js";
import { storedEvent } from "../../support/stored-events.js";

describe("feed lines", () => {
  it("summarise each kind in a line an operator can read", () => {
    expect(
      summarize("critique.issued", {
        overall: "block",
        blocking: true,
        sev_counts: { sev1: 0, sev2: 1, sev3: 0 },
        duration_ms: 12_000,
      }),
    ).toBe("block sev2×1 12s");
    expect(
      summarize("task.heartbeat", { turns: 31, last_tool: "Bash(npm test)", cost_usd: 0.82 }),
    ).toBe("turns 31 tool Bash(npm test) $.82");
    expect(
      summarize("checks.completed", {
        passed: false,
        results: [
          { command: "npm test", exit_code: 1 },
          { command: "lint", exit_code: 0 },
        ],
      }),
    ).toBe("failed (npm test)");
    expect(summarize("control.requested", { command: "kill", target: 42, by: "tui:me" })).toBe(
      "kill #42 by tui:me",
    );
    expect(summarize("pr.merged", { pr: 12, sha: "abcdef123456", method: "squash" })).toBe(
      "PR #12 abcdef1 squash",
    );
    expect(
      summarize("tick.completed", {
        tick: 3,
        duration_ms: 61_000,
        outcomes: [{ issue: 4, status: "merged" }],
      }),
    ).toBe("tick 3 1m01s #4 merged");
  });

  it("show unknown and legacy kinds by their simple fields", () => {
    expect(summarize("vision.updated", { version: 3, note: "x", nested: { a: 1 } })).toBe(
      "version=3 note=x",
    );
    expect(summarize("worker_done", { issue: "427", status: "merged" })).toBe(
      "issue=427 status=merged",
    );
  });

  it("take the issue from the payload, a numeric string, or the task id", () => {
    expect(
      feedLineOfEvent(storedEvent("task.failed", { issue: 7, attempt: 2, reason: "stale" })).issue,
    ).toBe(7);
    expect(feedLineOfEvent(storedEvent("worker_done", { issue: "#427" })).issue).toBe(427);
    expect(feedLineOfEvent(storedEvent("loop.halted", {}, { taskId: "issue:9" })).issue).toBe(9);
    expect(feedLineOfRecord({ ts: "t", kind: "worker_done", number: "12" })?.issue).toBe(12);
  });

  it("say when a stored payload could not be read", () => {
    const line = feedLineOfEvent(
      storedEvent("task.failed", {}, { payloadError: "payload is not JSON" }),
    );
    expect(line.summary).toBe("unreadable payload: payload is not JSON");
  });

  it("never throw and always give one bounded line, whatever the payload", () => {
    const kinds = fc.oneof(fc.constantFrom(...engineKinds, "worker_done", ""), fc.string());
    fc.assert(
      fc.property(kinds, fc.object({ maxDepth: 3 }), (kind, payload) => {
        const line = feedLineOfEvent(storedEvent(kind, payload as Record<string, unknown>));
        expect(line.summary).not.toMatch(/[\n\r\u0000-\u001f]/);
        expect(line.summary.length).toBeLessThanOrEqual(500);
        const record = feedLineOfRecord({ ...(payload as object), ts: 1, kind, seq: "x" });
        expect(record?.seq).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it("are not made from records that are not objects", () => {
    for (const value of [null, 1, "x", [1, 2], true])
      expect(feedLineOfRecord(value)).toBeUndefined();
  });
});
