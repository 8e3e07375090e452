import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CommandStreamParser,
  commandAdapter,
} from "../../../../src/engine/workers/adapters/command.js";
import { fakeSpec } from "../../../support/workers.js";

function feed(lines: string[]) {
  const parser = new CommandStreamParser();
  return { parser, progress: lines.flatMap((l) => parser.line(l)) };
}

describe("command invocation", () => {
  it("runs the argv as given, with the brief on stdin and in $FORGE_LOOP_BRIEF_FILE", () => {
    const spec = fakeSpec("command", { command: ["./run-agent.sh", "--fast", "$(not expanded)"] });
    expect(
      commandAdapter.invocation({ spec, brief: "the brief", cwd: "/w", briefFile: "/l/brief.md" }),
    ).toEqual({
      file: "./run-agent.sh",
      args: ["--fast", "$(not expanded)"],
      stdin: "the brief",
      env: { FORGE_LOOP_BRIEF_FILE: "/l/brief.md" },
    });
  });

  it("refuses an empty command with a message saying what to set", () => {
    expect(() =>
      commandAdapter.invocation({
        spec: fakeSpec("command", { command: [] }),
        brief: "",
        cwd: "/",
        briefFile: "/b",
      }),
    ).toThrow(/no command to run/);
  });
});

describe("CommandStreamParser", () => {
  it("reports every non-empty line as progress and reads a last status line as the result", () => {
    const { parser, progress } = feed([
      "building",
      "",
      "testing",
      '{"status": "done", "note": "3 files changed"}',
    ]);
    expect(progress).toEqual([
      { type: "observation", what: "message", summary: "building" },
      { type: "observation", what: "message", summary: "testing" },
    ]);
    expect(parser.summary()).toEqual({
      turns: 0,
      toolUses: 0,
      finalText: "building\ntesting",
      status: "done",
      note: "3 files changed",
    });
  });

  it("treats a status-shaped line that is not last as ordinary output", () => {
    const { parser, progress } = feed(['{"status":"early"}', "more work"]);
    expect(progress.map((p) => p.type === "observation" && p.summary)).toEqual([
      '{"status":"early"}',
      "more work",
    ]);
    expect(parser.summary().status).toBeUndefined();
    expect(parser.summary().finalText).toBe('{"status":"early"}\nmore work');
  });

  it("has no status when the last line is not a status object", () => {
    for (const last of ['{"status": 3}', '{"note":"x"}', "[1]", "{oops"]) {
      expect(feed(["work", last]).parser.summary().status).toBeUndefined();
    }
  });

  it("keeps a bounded tail of the output as final text (a verdict printed last survives)", () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} ${"x".repeat(50)}`);
    const verdict = JSON.stringify({ overall: "approve", findings: [] });
    const { parser } = feed([...lines, verdict]);
    const text = parser.summary().finalText;
    expect(text.length).toBeLessThanOrEqual(64 * 1024);
    expect(text.endsWith(verdict)).toBe(true);
  });

  it("never throws", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string(),
            fc.jsonValue().map((v) => JSON.stringify(v)),
          ),
        ),
        (lines) => {
          feed(lines).parser.summary();
        },
      ),
    );
  });
});
