/**
 * Our `@alcalzone/ansi-tokenize` for Ink's frame output must return exactly what the
 * package returns: any styled text, cut into cells and laid side by side with blank cells as
 * Ink lays out a screen row.
 */
import * as original from "@alcalzone/ansi-tokenize";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  styledCharsFromTokens,
  styledCharsToString,
} from "../../../src/ui/vendor/ansi-tokenize.js";

const ESC = "\u001b";

/** SGR codes as the UI, chalk and Ink write them: single, compound, 256-colour, true colour. */
const sgr = fc
  .constantFrom(
    "0",
    "1",
    "2",
    "7",
    "22",
    "27",
    "31",
    "32",
    "36",
    "39",
    "90",
    "1;31",
    "7;1;36",
    "2;90",
    "38;5;208",
    "48;2;10;20;30",
    "49",
  )
  .map((code) => `${ESC}[${code}m`);

const text = fc
  .array(fc.constantFrom("a", "Z", " ", "#", "│", "─", "┌", "▶", "·", "…", "✔", "日", "😀", "é"), {
    maxLength: 12,
  })
  .map((chars) => chars.join(""));

const line = fc.array(fc.oneof(sgr, text), { maxLength: 12 }).map((parts) => parts.join(""));

const blank: original.StyledChar = { type: "char", value: " ", fullWidth: false, styles: [] };

/** A screen row: pieces of styled lines with blank cells between and around them. */
const row = fc.array(fc.tuple(fc.nat(3), line), { maxLength: 5 });

function cells(pieces: [number, string][], fromTokens: typeof styledCharsFromTokens) {
  return pieces.flatMap(([blanks, text]) => [
    ...Array.from({ length: blanks }, () => ({ ...blank, styles: [] })),
    ...fromTokens(original.tokenize(text)),
  ]);
}

describe("ansi-tokenize for Ink's frame output", () => {
  it("styles characters as the package does", () => {
    fc.assert(
      fc.property(line, (text) => {
        const tokens = original.tokenize(text);
        expect(styledCharsFromTokens(tokens)).toEqual(original.styledCharsFromTokens(tokens));
      }),
      { numRuns: 500 },
    );
  });

  it("turns a row of styled cells into the same text as the package", () => {
    fc.assert(
      fc.property(row, (pieces) => {
        const ours = cells(pieces, styledCharsFromTokens);
        const theirs = cells(pieces, original.styledCharsFromTokens);
        expect(styledCharsToString(ours)).toBe(original.styledCharsToString(theirs));
        expect(styledCharsToString(theirs)).toBe(original.styledCharsToString(theirs));
      }),
      { numRuns: 500 },
    );
  });
});
