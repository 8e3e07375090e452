import { execaSync } from "execa";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  branchForIssue,
  isValidBranchName,
  MAX_SLUG_LENGTH,
  slugify,
} from "../../../src/engine/git/refs.js";

/** git's own verdict on a branch name. */
function gitAcceptsBranch(name: string): boolean {
  const result = execaSync("git", ["check-ref-format", "--branch", name], {
    reject: false,
    stdin: "ignore",
  });
  return result.exitCode === 0 && String(result.stdout) === name;
}

/** Titles people (and attackers) write: shell syntax, quotes, newlines, emoji, accents. */
const hostilePiece = fc.constantFrom(
  "$(rm -rf /)",
  "`reboot`",
  "'; DROP TABLE issues; --",
  '"quoted"',
  "\n",
  "\r\n",
  "\t",
  "\u0000",
  "\u001b[31m",
  "..",
  "@{",
  "~^:?*[\\",
  ".lock",
  "/",
  "-",
  "🚀",
  "👩‍👩‍👧",
  "Ünïcödé",
  "straße",
  "Łódź",
  "日本語",
  "\ud800",
  " ",
);
const title = fc.oneof(
  fc.string({ unit: "binary", maxLength: 300 }),
  fc
    .array(fc.oneof(hostilePiece, fc.string({ maxLength: 12 })), { maxLength: 40 })
    .map((parts) => parts.join("")),
  fc.string({ unit: "grapheme", minLength: 250, maxLength: 320 }),
);

describe("slugify", () => {
  it("folds accents and drops everything outside [a-z0-9-]", () => {
    expect(slugify("Fix the Parser: handle `$(whoami)` & quotes")).toBe(
      "fix-the-parser-handle-whoami-quotes",
    );
    expect(slugify("Crème brûlée für Straße in Łódź")).toBe("creme-brulee-fur-strasse-in-lodz");
    expect(slugify("🚀🚀🚀")).toBe("issue");
    expect(slugify("")).toBe("issue");
    expect(slugify("---")).toBe("issue");
    expect(slugify("日本語のタイトル")).toBe("issue");
  });

  it("cuts long titles at a word boundary within the limit", () => {
    const slug = slugify("make the scheduler respect the configured parallelism limit under load");
    expect(slug.length).toBeLessThanOrEqual(MAX_SLUG_LENGTH);
    expect(slug).toBe("make-the-scheduler-respect-the");
    expect(slugify("a".repeat(300))).toBe("a".repeat(MAX_SLUG_LENGTH));
  });

  it("turns any title into a valid branch per git check-ref-format --branch", () => {
    fc.assert(
      fc.property(title, fc.integer({ min: 1, max: 10_000_000 }), (text, issue) => {
        const slug = slugify(text);
        expect(slug).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
        expect(slug.length).toBeLessThanOrEqual(MAX_SLUG_LENGTH);
        const branch = branchForIssue(issue, text);
        expect(branch.startsWith(`loop/${issue}-`)).toBe(true);
        expect(isValidBranchName(branch)).toBe(true);
        expect(gitAcceptsBranch(branch)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it("refuses issue numbers that are not positive integers", () => {
    expect(() => branchForIssue(0, "x")).toThrow(RangeError);
    expect(() => branchForIssue(1.5, "x")).toThrow(RangeError);
    expect(() => branchForIssue(Number.NaN, "x")).toThrow(RangeError);
  });
});

describe("isValidBranchName", () => {
  it("rejects what git rejects", () => {
    for (const bad of [
      "",
      "-x",
      "a..b",
      "a b",
      "a~b",
      "a^b",
      "a:b",
      "a?b",
      "a*b",
      "a[b",
      "a\\b",
      "a/",
      "/a",
      "a//b",
      "a.",
      ".a",
      "a/.b",
      "a.lock",
      "a/b.lock/c",
      "a@{b",
      "@",
      "HEAD",
      "a\nb",
      "a\u007fb",
      "a\ud800b",
    ]) {
      expect(isValidBranchName(bad), JSON.stringify(bad)).toBe(false);
    }
    for (const good of ["main", "loop/12-fix-it", "release/v1.2", "feature/ünï", "a-b_c.d"]) {
      expect(isValidBranchName(good), good).toBe(true);
      expect(gitAcceptsBranch(good), good).toBe(true);
    }
  });

  it("never accepts a name git refuses", () => {
    const refChars = fc.constantFrom(
      ..."ab/.-_@{}~^:?*[\\ \n\u007f".split(""),
      "..",
      ".lock",
      "é",
      "🚀",
    );
    fc.assert(
      fc.property(
        fc.array(refChars, { minLength: 1, maxLength: 12 }).map((parts) => parts.join("")),
        (name) => {
          if (isValidBranchName(name))
            expect(gitAcceptsBranch(name), JSON.stringify(name)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
