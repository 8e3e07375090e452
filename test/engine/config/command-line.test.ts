import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { splitCommandLine } from "../../../src/engine/config/command-line.js";

describe("splitCommandLine", () => {
  it("splits on whitespace, with quotes and backslashes grouping words", () => {
    expect(splitCommandLine("npm test")).toEqual({ ok: true, argv: ["npm", "test"] });
    expect(splitCommandLine("  npm   run\tlint  ")).toEqual({
      ok: true,
      argv: ["npm", "run", "lint"],
    });
    expect(splitCommandLine(`node -e "console.log('hi there')"`)).toEqual({
      ok: true,
      argv: ["node", "-e", "console.log('hi there')"],
    });
    expect(splitCommandLine(`echo 'a "b" c' "d \\"e\\"" f\\ g ''`)).toEqual({
      ok: true,
      argv: ["echo", 'a "b" c', 'd "e"', "f g", ""],
    });
    expect(splitCommandLine(`grep "a|b" '$HOME' "x && y"`)).toEqual({
      ok: true,
      argv: ["grep", "a|b", "$HOME", "x && y"],
    });
  });

  it("refuses shell syntax it will not interpret, and broken quoting", () => {
    for (const line of [
      "a && b",
      "a | b",
      "a; b",
      "a > out",
      "a < in",
      "$(x)",
      "`x`",
      "echo $HOME",
      "(a)",
      "a &",
    ]) {
      const result = splitCommandLine(line);
      expect(result.ok, line).toBe(false);
      expect(!result.ok && result.error, line).toMatch(/shell character/);
    }
    expect(splitCommandLine("echo 'open")).toEqual({ ok: false, error: "has an unclosed ' quote" });
    expect(splitCommandLine('echo "open')).toEqual({ ok: false, error: 'has an unclosed " quote' });
    expect(splitCommandLine("echo \\")).toEqual({ ok: false, error: "ends with a lone backslash" });
    expect(splitCommandLine("   ")).toEqual({ ok: false, error: "is empty" });
  });

  it("round-trips any argv written with single quotes", () => {
    const arg = fc.string({ unit: "binary", maxLength: 20 }).filter((s) => !s.includes("'"));
    fc.assert(
      fc.property(fc.array(arg, { minLength: 1, maxLength: 6 }), (argv) => {
        const line = argv.map((a) => `'${a}'`).join(" ");
        expect(splitCommandLine(line)).toEqual({ ok: true, argv });
      }),
    );
  });

  it("never throws", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 100 }), (line) => {
        const result = splitCommandLine(line);
        if (result.ok) expect(result.argv.length).toBeGreaterThan(0);
      }),
    );
  });
});
