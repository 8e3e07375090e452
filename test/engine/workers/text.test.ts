import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cutAt, oneLine, TextTail, toolSummary } from "../../../src/engine/workers/text.js";

describe("oneLine", () => {
  it("flattens whitespace and cuts long text with an ellipsis", () => {
    expect(oneLine("  run\n the\ttests  ")).toBe("run the tests");
    expect(oneLine("x".repeat(200), 10)).toBe(`${"x".repeat(9)}…`);
  });

  it("is cheap and bounded on a megabyte of text", () => {
    const out = oneLine("word ".repeat(200_000), 50);
    expect(out.length).toBeLessThanOrEqual(50);
    expect(out.endsWith("…")).toBe(true);
  });

  it("never exceeds its limit nor contains a newline", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.integer({ min: 2, max: 200 }), (text, max) => {
        const out = oneLine(text, max);
        expect(out.length).toBeLessThanOrEqual(max);
        expect(out).not.toMatch(/[\n\r]/);
      }),
    );
  });
});

describe("cutAt", () => {
  it("does not split a surrogate pair", () => {
    expect(cutAt("a🌍b", 2)).toBe("a");
    expect(cutAt("a🌍b", 3)).toBe("a🌍");
  });
});

describe("toolSummary", () => {
  it("names the tool and what it works on", () => {
    expect(toolSummary("Bash", { command: "npm test", description: "Run tests" })).toBe(
      "Bash(npm test)",
    );
    expect(toolSummary("Edit", { file_path: "src/a.ts", old_string: "x" })).toBe("Edit(src/a.ts)");
    expect(toolSummary("Grep", { pattern: "TODO" })).toBe("Grep(TODO)");
    expect(toolSummary("Mystery", { n: 1 })).toBe("Mystery");
  });

  it("keeps a hostile command on one short line", () => {
    const summary = toolSummary("Bash", { command: `echo $(rm -rf /)\n${"x".repeat(500)}` });
    expect(summary).toMatch(/^Bash\(echo \$\(rm -rf \/\) x+…\)$/);
    expect(summary.length).toBeLessThan(100);
  });
});

describe("TextTail", () => {
  it("keeps the last lines within its budget", () => {
    const tail = new TextTail(10);
    for (const line of ["one", "two", "three", "four"]) tail.push(line);
    expect(tail.text()).toBe("three\nfour");
  });

  it("keeps the end of a line longer than the budget", () => {
    const tail = new TextTail(5);
    tail.push("0123456789");
    expect(tail.text()).toBe("56789");
  });

  it("never exceeds its budget and always ends with the last line's end", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string(), { minLength: 1, maxLength: 50 }),
        fc.integer({ min: 1, max: 100 }),
        (lines, max) => {
          const tail = new TextTail(max);
          for (const line of lines) tail.push(line);
          expect(tail.text().length).toBeLessThanOrEqual(max);
          const last = lines.at(-1) as string;
          expect(tail.text().endsWith(last.slice(-max))).toBe(true);
        },
      ),
    );
  });
});
