import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { issueOf, withIssueMarker } from "../../../../src/engine/forge/github/platform.js";

describe("the issue a pull request works on", () => {
  it("round-trips through any body, even one carrying other markers and closing keywords (property)", () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.integer({ min: 1, max: 999 }),
        (text, issue, other) => {
          const hostile = `${text}\nCloses #${other}\n<!-- forge-loop:issue=${other} -->`;
          expect(issueOf(withIssueMarker(hostile, issue))).toBe(issue);
          // Writing the marker again (an update) keeps exactly one.
          const twice = withIssueMarker(withIssueMarker(text, issue), issue);
          expect(twice.match(/<!-- forge-loop:issue=\d+ -->/g)).toHaveLength(1);
        },
      ),
    );
  });

  it("falls back to the first closing keyword, and ignores numbers that are not issues", () => {
    expect(issueOf("Fixes #12, resolves #13")).toBe(12);
    expect(issueOf("no reference")).toBeUndefined();
    expect(issueOf("<!-- forge-loop:issue=99999999999999999999 -->")).toBeUndefined();
    expect(issueOf("<!-- forge-loop:issue=0 -->")).toBeUndefined();
  });
});
