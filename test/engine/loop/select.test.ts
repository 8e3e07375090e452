import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Issue } from "../../../src/engine/forge/types.js";
import { issueFingerprint, priorityOf, selectIssues } from "../../../src/engine/loop/select.js";
import type { AttemptRow, TaskRow } from "../../../src/store/projections/types.js";

const now = Date.parse("2026-11-21T12:00:00Z");
const policy = { riskLabel: "risk:high", priorityPrefix: "priority:", maxAttempts: 3 };

function issue(number: number, extra: Partial<Issue> = {}): Issue {
  return {
    number,
    title: `issue ${number}`,
    body: "",
    labels: ["loop:ready"],
    state: "open",
    createdAt: `2026-11-0${(number % 9) + 1}T00:00:00Z`,
    updatedAt: "2026-11-20T00:00:00Z",
    ...extra,
  };
}

function task(issueNo: number, extra: Partial<TaskRow> = {}): TaskRow {
  return {
    issue: issueNo,
    labels: [],
    status: "failed",
    attempt: 1,
    attempts: [],
    costUsd: 0,
    firstSeenSeq: 1,
    updatedSeq: 1,
    fingerprint: "fp",
    ...extra,
  };
}

const failed = (attempt: number): AttemptRow => ({
  attempt,
  outcome: "failed",
  phase: "dispatched",
  reason: "worker_error",
});

function run(
  issues: Issue[],
  tasks: TaskRow[] = [],
  extra: Partial<Parameters<typeof selectIssues>[0]> = {},
) {
  return selectIssues({
    issues: issues.map((i) => ({ issue: i, fingerprint: "fp" })),
    tasks: new Map(tasks.map((t) => [String(t.issue), t])),
    inFlight: new Set(),
    retries: new Map(),
    nowMs: now,
    policy,
    ...extra,
  });
}

describe("selectIssues", () => {
  it("orders by priority label, then age, then number", () => {
    const out = run([
      issue(5, { createdAt: "2026-01-01T00:00:00Z" }),
      issue(3, { labels: ["loop:ready", "priority:p0"] }),
      issue(4, { labels: ["priority:p2"], createdAt: "2026-02-01T00:00:00Z" }),
      issue(2, { labels: ["priority:p2"], createdAt: "2026-01-01T00:00:00Z" }),
    ]);
    expect(out.selected.map((c) => c.issue.number)).toEqual([3, 2, 4, 5]);
  });

  it("skips issues in cooldown until retry_at, unless the fingerprint changed or the operator retries", () => {
    const cooling = task(7, { retryAt: "2026-11-21T13:00:00Z", attempts: [failed(1)] });
    expect(run([issue(7)], [cooling]).skipped).toEqual([
      { issue: 7, reason: "cooldown", until: "2026-11-21T13:00:00Z" },
    ]);
    const changed = selectIssues({
      issues: [{ issue: issue(7), fingerprint: "new" }],
      tasks: new Map([["7", cooling]]),
      inFlight: new Set(),
      retries: new Map(),
      nowMs: now,
      policy,
    });
    expect(changed.selected).toHaveLength(1);
    expect(
      run([issue(7)], [cooling], { retries: new Map([[7, { force: false }]]) }).selected,
    ).toHaveLength(1);
    expect(
      run([issue(7)], [{ ...cooling, retryAt: "2026-11-21T11:00:00Z" }]).selected,
    ).toHaveLength(1);
  });

  it("skips issues past max_attempts unless forced", () => {
    const spent = task(8, { attempts: [failed(1), failed(2), failed(3)], attempt: 3 });
    expect(run([issue(8)], [spent]).skipped[0]?.reason).toBe("max_attempts");
    expect(
      run([issue(8)], [spent], { retries: new Map([[8, { force: false }]]) }).skipped[0]?.reason,
    ).toBe("max_attempts");
    expect(
      run([issue(8)], [spent], { retries: new Map([[8, { force: true }]]) }).selected,
    ).toHaveLength(1);
  });

  it("skips in-flight and human-gated issues, and leaves merged ones alone", () => {
    const out = run(
      [issue(1), issue(2), issue(3)],
      [task(2, { status: "needs_human" }), task(3, { status: "merged" })],
      { inFlight: new Set([1]) },
    );
    expect(out.skipped).toEqual([
      { issue: 1, reason: "in_flight" },
      { issue: 2, reason: "risk_gated" },
    ]);
    expect(out.selected).toEqual([]);
  });

  it("puts every issue in exactly one place, whatever the inputs", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 50 }), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 50 })),
        fc.array(fc.constantFrom("p0", "p1", "p3", "x", "")),
        (numbers, inFlight, priorities) => {
          const issues = numbers.map((n, i) =>
            issue(n, {
              labels: [`priority:${priorities[i % Math.max(1, priorities.length)] ?? ""}`],
            }),
          );
          const out = run(issues, [], { inFlight: new Set(inFlight) });
          const placed = [
            ...out.selected.map((c) => c.issue.number),
            ...out.skipped.map((s) => s.issue),
          ].sort((a, b) => a - b);
          expect(placed).toEqual([...numbers].sort((a, b) => a - b));
        },
      ),
    );
  });
});

describe("priorityOf and fingerprints", () => {
  it("reads the best priority label and ignores malformed ones", () => {
    expect(priorityOf(["priority:p2", "priority:P1", "priority:high"], "priority:")).toBe("p1");
    expect(priorityOf(["bug"], "priority:")).toBeUndefined();
  });

  it("changes with the title, body, blocking comments and brief, not with other comments", () => {
    const base = issue(1, { body: "b" });
    const fp = issueFingerprint(base, [], "d1");
    expect(issueFingerprint({ ...base, title: "t2" }, [], "d1")).not.toBe(fp);
    expect(issueFingerprint({ ...base, body: "b2" }, [], "d1")).not.toBe(fp);
    expect(issueFingerprint(base, [], "d2")).not.toBe(fp);
    const chatter = { id: "1", author: "a", body: "+1, looks good", createdAt: "" };
    expect(issueFingerprint(base, [chatter], "d1")).toBe(fp);
    const blocker = {
      id: "2",
      author: "a",
      body: "Blocking: the API must stay backwards compatible",
      createdAt: "",
    };
    expect(issueFingerprint(base, [blocker], "d1")).not.toBe(fp);
  });

  it("does not let title/body boundaries collide", () => {
    expect(issueFingerprint(issue(1, { title: "ab", body: "c" }), [], "d")).not.toBe(
      issueFingerprint(issue(1, { title: "a", body: "bc" }), [], "d"),
    );
  });
});
