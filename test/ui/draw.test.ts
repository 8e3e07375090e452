import fc from "fast-check";
import stringWidth from "string-width";
import { describe, expect, it } from "vitest";
import { cellWidth, drawLine, textCells } from "../../src/ui/draw.js";
import { seg } from "../../src/ui/select/line.js";

const plain = { colors: false };

describe("drawLine", () => {
  it("keeps a line that fits as it is, and says how many cells it takes", () => {
    expect(drawLine([seg("#42 "), seg("▶ running", "cyan")], 20, plain)).toEqual({
      text: "#42 ▶ running",
      cells: 13,
    });
  });

  it("cuts a line too long with an ellipsis in the last cell, as Ink's truncate-end", () => {
    expect(drawLine([seg("abc"), seg("defgh")], 6, plain)).toEqual({ text: "abcde…", cells: 6 });
    expect(drawLine([seg("abcdef"), seg("")], 6, plain)).toEqual({ text: "abcdef", cells: 6 });
    expect(drawLine([seg("abcdef"), seg("g")], 6, plain)).toEqual({ text: "abcde…", cells: 6 });
    expect(drawLine([seg("abc")], 0, plain)).toEqual({ text: "", cells: 0 });
  });

  it("counts wide characters as two cells and never cuts one in half", () => {
    expect(drawLine([seg("日本語テキスト")], 7, plain)).toEqual({ text: "日本語…", cells: 7 });
    expect(drawLine([seg("ok ✅ done")], 20, plain).cells).toBe(10);
  });

  it("styles segments with SGR codes only for a colour terminal", () => {
    const line = [seg("a", "green", { bold: true }), seg("b"), seg("c", "gray", { dim: true })];
    expect(drawLine(line, 10, { colors: true }).text).toBe(
      "\u001b[1;32ma\u001b[0mb\u001b[2;90mc\u001b[0m",
    );
    expect(drawLine(line, 10, { colors: true, selected: true }).text).toBe(
      "\u001b[7;1;32ma\u001b[0m\u001b[7mb\u001b[0m\u001b[7;2;90mc\u001b[0m",
    );
    expect(drawLine(line, 10, plain).text).toBe("abc");
  });

  it("lets no escape sequence or newline through, whatever the segment holds", () => {
    const drawn = drawLine([{ text: "red \u001b[31mX\u001b[0m\nnext\u009b2J" }], 80, plain);
    expect(drawn.text).toBe("red [31mX[0m next2J");
  });

  it("never takes fewer cells than Ink gives the text, nor more than the width", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 40 }), fc.nat(60), (text, width) => {
        const drawn = drawLine([seg(text)], width, plain);
        expect(drawn.cells).toBeLessThanOrEqual(width);
        expect(drawn.cells).toBeGreaterThanOrEqual(inkCells(drawn.text));
      }),
    );
  });
});

describe("cellWidth", () => {
  it("counts every character of the Basic Multilingual Plane as wide that Ink does", () => {
    for (let code = 0; code <= 0xffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      if (stringWidth(String.fromCodePoint(code)) === 2) expect(cellWidth(code)).toBe(2);
    }
  });

  it("is 1 for the symbols the screen uses and 2 for wide characters and emoji", () => {
    for (const ch of "─│┌┐└┘▶◀▷✔✖‖…→↷↺·×█░●○◆◇▏") expect(cellWidth(ch.codePointAt(0) ?? 0)).toBe(1);
    for (const ch of "日本한글Ａ✅❌⭐🚀") expect(cellWidth(ch.codePointAt(0) ?? 0)).toBe(2);
    expect(textCells("a日🚀")).toBe(5);
  });
});

/** Cells Ink's output grid gives `text`: each grapheme at least one, wide ones two (Ink measures
 * with string-width, its own dependency). */
function inkCells(text: string): number {
  const graphemes = new Intl.Segmenter().segment(text);
  return [...graphemes].reduce((sum, { segment }) => sum + Math.max(1, stringWidth(segment)), 0);
}
