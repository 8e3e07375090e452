import { describe, expect, it } from "vitest";
import {
  addFinite,
  attemptOf,
  durationMsOf,
  head,
  intField,
  issueOf,
  msBetween,
  numberField,
  prOf,
  stringField,
  tail,
} from "../../../src/store/projections/fields.js";
import { storedEvent } from "../../support/stored-events.js";

describe("issueOf", () => {
  it.each([
    [{ issue: 42 }, null, 42],
    [{ issue: "427" }, null, 427],
    [{ issue: "#12" }, null, 12],
    [{ number: 8 }, null, 8],
    [{ number: "9" }, null, 9],
    [{}, "issue:77", 77],
    [{ issue: "not a number" }, "issue:5", 5],
    [{ issue: 0 }, null, undefined],
    [{ issue: -3 }, null, undefined],
    [{ issue: 1.5 }, null, undefined],
    [{ issue: 1e300 }, null, undefined],
    [{ issue: "99999999999999999999" }, null, undefined],
    [{ issue: null }, "tick:3", undefined],
    [{ issue: { n: 1 } }, "issue:abc", undefined],
  ])("reads %j with task id %s as %s", (payload, taskId, expected) => {
    expect(issueOf(storedEvent("task.planned", payload, { taskId }))).toBe(expected);
  });
});

describe("prOf", () => {
  it.each([
    [{ pr: 12 }, { number: 12 }],
    [{ pr: "12" }, { number: 12 }],
    [
      { pr: "https://github.com/o/r/pull/31" },
      { number: 31, url: "https://github.com/o/r/pull/31" },
    ],
    [
      { pr_url: "https://github.com/o/r/pull/7/files" },
      { number: 7, url: "https://github.com/o/r/pull/7/files" },
    ],
    [
      { pr: 3, url: "https://x/pull/3" },
      { number: 3, url: "https://x/pull/3" },
    ],
    [
      { pr_url: "https://gitlab.example/g/p/-/merge_requests/5" },
      { number: 5, url: "https://gitlab.example/g/p/-/merge_requests/5" },
    ],
    [{ pr_url: "https://example.com/review/abc" }, { url: "https://example.com/review/abc" }],
    [{ pr: "not a url" }, undefined],
    [{ pr: 0 }, undefined],
    [{}, undefined],
  ])("reads %j as %j", (payload, expected) => {
    expect(prOf(payload)).toEqual(expected);
  });
});

describe("scalar fields", () => {
  it("numberField takes the first finite number among the names", () => {
    expect(numberField({ a: "1", b: 2 }, "a", "b")).toBe(2);
    expect(numberField({ a: Number.NaN, b: Number.POSITIVE_INFINITY }, "a", "b")).toBeUndefined();
  });

  it("intField takes non-negative safe integers, as numbers or decimal strings", () => {
    expect(intField({ a: 3 }, "a")).toBe(3);
    expect(intField({ a: " 4 " }, "a")).toBe(4);
    expect(intField({ a: "4x" }, "a")).toBeUndefined();
    expect(intField({ a: true }, "a")).toBeUndefined();
  });

  it("stringField skips empty strings and other types", () => {
    expect(stringField({ a: "", b: 5, c: "x" }, "a", "b", "c")).toBe("x");
    expect(stringField({}, "a")).toBeUndefined();
  });

  it("attemptOf wants a positive attempt number", () => {
    expect(attemptOf({ attempt: 2 })).toBe(2);
    expect(attemptOf({ attempt: 0 })).toBeUndefined();
    expect(attemptOf({})).toBeUndefined();
  });

  it("durationMsOf reads duration_ms or legacy duration_s", () => {
    expect(durationMsOf({ duration_ms: 1500 })).toBe(1500);
    expect(durationMsOf({ duration_s: 26.3 })).toBeCloseTo(26_300);
    expect(durationMsOf({ duration_ms: -1 })).toBeUndefined();
    expect(durationMsOf({ duration_s: 1e308 })).toBeUndefined();
    expect(durationMsOf({})).toBeUndefined();
  });

  it("msBetween needs two parsable times in order", () => {
    expect(msBetween("2026-01-01T00:00:00.000Z", "2026-01-01T00:00:02.500Z")).toBe(2500);
    expect(msBetween("2026-01-01T00:00:02.000Z", "2026-01-01T00:00:00.000Z")).toBeUndefined();
    expect(msBetween("yesterday", "2026-01-01T00:00:00.000Z")).toBeUndefined();
    expect(msBetween(undefined, "2026-01-01T00:00:00.000Z")).toBeUndefined();
  });

  it("addFinite never lets a sum overflow to Infinity", () => {
    expect(addFinite(1, 2)).toBe(3);
    expect(addFinite(1, undefined)).toBe(1);
    expect(addFinite(Number.MAX_VALUE, Number.MAX_VALUE)).toBe(Number.MAX_VALUE);
  });

  it("tail keeps the end and head the start of long text", () => {
    expect(tail("abcdef", 4)).toBe("…def");
    expect(head("abcdef", 4)).toBe("abc…");
    expect(tail("abc", 4)).toBe("abc");
    expect(head(undefined, 4)).toBeUndefined();
  });
});
