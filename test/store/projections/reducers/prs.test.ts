import { describe, expect, it } from "vitest";
import type { StoredEvent } from "../../../../src/store/contract/envelope.js";
import { emptyState, foldEvents } from "../../../../src/store/projections/fold.js";
import type { PrRow } from "../../../../src/store/projections/types.js";
import { eventSequence } from "../../../support/stored-events.js";

type Ev = ReturnType<typeof eventSequence>["ev"];

function prsAfter(build: (ev: Ev) => StoredEvent[]): Map<string, PrRow> {
  return foldEvents(emptyState(), build(eventSequence().ev)).prs;
}

const opened = [
  "pr.opened",
  {
    issue: 42,
    attempt: 1,
    pr: 12,
    url: "https://github.com/o/r/pull/12",
    branch: "loop/42",
    base: "main",
    draft: true,
  },
] as const;

describe("prs projection", () => {
  it("follows a PR from opened through checks to merged", () => {
    const prs = prsAfter((ev) => [
      ev(...opened),
      ev("pr.checks_changed", {
        issue: 42,
        pr: 12,
        state: "pending",
        checks: [{ name: "ci", state: "pending" }],
      }),
      ev("pr.checks_changed", {
        issue: 42,
        pr: 12,
        state: "passing",
        checks: [{ name: "ci", state: "passing" }, { name: 3 }, "junk"],
      }),
      ev("pr.merged", { issue: 42, pr: 12, sha: "abc123", method: "squash" }),
    ]);
    expect(prs.get("12")).toEqual({
      pr: 12,
      issue: 42,
      url: "https://github.com/o/r/pull/12",
      branch: "loop/42",
      base: "main",
      draft: true,
      state: "merged",
      checksState: "passing",
      checks: [
        { name: "ci", state: "passing" },
        { name: "", state: "unknown" },
      ],
      mergedSha: "abc123",
      mergeMethod: "squash",
      openedAt: "2026-11-20T09:00:01.000Z",
      updatedAt: "2026-11-20T09:00:04.000Z",
    });
  });

  it("marks a blocked PR with the reason, reopens it when updated, and never un-merges", () => {
    const blocked = prsAfter((ev) => [
      ev(...opened),
      ev("merge.blocked", { issue: 42, pr: 12, reason: "operator checkout is dirty" }),
    ]);
    expect(blocked.get("12")).toMatchObject({
      state: "blocked",
      blockedReason: "operator checkout is dirty",
    });
    const reopened = prsAfter((ev) => [
      ev(...opened),
      ev("merge.blocked", { issue: 42, pr: 12, reason: "x" }),
      ev(...opened),
    ]);
    expect(reopened.get("12")?.state).toBe("open");
    expect(reopened.get("12")?.blockedReason).toBeUndefined();
    expect(reopened.get("12")?.openedAt).toBe("2026-11-20T09:00:01.000Z");
    const merged = prsAfter((ev) => [
      ev(...opened),
      ev("pr.merged", { issue: 42, pr: 12, sha: "s", method: "merge" }),
      ev("merge.blocked", { issue: 42, pr: 12, reason: "late" }),
      ev(...opened),
    ]);
    expect(merged.get("12")?.state).toBe("merged");
  });

  it("keys legacy PRs by the number in their URL, or by the URL when it has none", () => {
    const prs = prsAfter((ev) => [
      ev("pr.opened", {
        legacy_kind: "tick_done",
        issue: "7",
        pr_url: "https://github.com/o/r/pull/31",
        status: "open",
      }),
      ev("pr.merged", {
        legacy_kind: "post_critic_automerge_enabled",
        issue: 7,
        pr: 31,
        status: "merged",
      }),
      ev("pr.opened", { issue: 8, pr_url: "https://review.example/changes/abc" }),
      ev("merge.blocked", { issue: 9, reason: "no pr named" }),
      ev("pr.checks_changed", { issue: 9, state: "passing" }),
    ]);
    expect([...prs.keys()]).toEqual(["31", "https://review.example/changes/abc"]);
    expect(prs.get("31")).toMatchObject({
      pr: 31,
      issue: 7,
      state: "merged",
      url: "https://github.com/o/r/pull/31",
    });
    expect(prs.get("https://review.example/changes/abc")).toMatchObject({
      pr: 0,
      issue: 8,
      state: "open",
    });
  });

  it("takes a legacy blocked verdict's reasons as the block reason", () => {
    const prs = prsAfter((ev) => [
      ev("merge.blocked", {
        legacy_kind: "critic_verdict_blocked",
        issue: 3,
        pr: 5,
        reasons: ["sev1 found", "no tests"],
      }),
      ev("merge.blocked", { legacy_kind: "merge_refused_issue_closed", issue: 4, pr: 6 }),
    ]);
    expect(prs.get("5")?.blockedReason).toBe("sev1 found; no tests");
    expect(prs.get("6")?.blockedReason).toBe("merge_refused_issue_closed");
  });

  it("ignores a checks state it does not know", () => {
    const prs = prsAfter((ev) => [
      ev(...opened),
      ev("pr.checks_changed", { issue: 42, pr: 12, state: "exploded", checks: {} }),
    ]);
    expect(prs.get("12")?.checksState).toBeUndefined();
    expect(prs.get("12")?.checks).toEqual([]);
  });
});
