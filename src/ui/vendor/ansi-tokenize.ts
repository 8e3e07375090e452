/**
 * `@alcalzone/ansi-tokenize` as Ink's frame output uses it, allocating far less: the build
 * bundles this module in place of the package for Ink (scripts/finish-build.mjs). Both
 * functions return exactly what the package's return (test/ui/vendor/ansi-tokenize.test.ts
 * compares them on arbitrary input); everything else is the package's own.
 *
 * Ink redraws the whole screen at each render, one styled cell at a time. For every cell,
 * the package's `styledCharsToString` diffed the cell's styles against the previous cell's
 * with three new Sets and half a dozen arrays, although neighbouring cells nearly always
 * share their styles; and `styledCharsFromTokens` gave every character its own copy of the
 * style list. At 120×40 that was half of the ~10 MB a frame allocated, and the garbage
 * collections it caused were much of a replay step's time.
 */
import {
  type AnsiCode,
  ansiCodesToString,
  diffAnsiCodes,
  reduceAnsiCodesIncremental,
  type StyledChar,
  type Token,
} from "@alcalzone/ansi-tokenize";

export * from "@alcalzone/ansi-tokenize";

/**
 * The package's, except that characters between two escape codes share one style list
 * instead of each getting a copy: nothing changes a style list once made (a new code makes
 * a new list), so only the number of copies differs.
 */
export function styledCharsFromTokens(tokens: Token[]): StyledChar[] {
  let codes: AnsiCode[] = [];
  const chars: StyledChar[] = [];
  for (const token of tokens) {
    if (token.type === "ansi") codes = reduceAnsiCodesIncremental(codes, [token]);
    else chars.push({ ...token, styles: codes });
  }
  return chars;
}

/**
 * The package's, except that the diff between two cells with the same styles is skipped:
 * it is empty (every code of one is in the other), so it adds nothing to the text.
 */
export function styledCharsToString(chars: StyledChar[]): string {
  let text = "";
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i] as StyledChar;
    if (i === 0) {
      text += ansiCodesToString(char.styles);
    } else {
      const before = (chars[i - 1] as StyledChar).styles;
      if (!sameStyles(before, char.styles)) {
        text += ansiCodesToString(diffAnsiCodes(before, char.styles));
      }
    }
    text += char.value;
    if (i === chars.length - 1) text += ansiCodesToString(diffAnsiCodes(char.styles, []));
  }
  return text;
}

function sameStyles(a: readonly AnsiCode[], b: readonly AnsiCode[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as AnsiCode;
    const y = b[i] as AnsiCode;
    if (x.code !== y.code || x.endCode !== y.endCode) return false;
  }
  return true;
}
