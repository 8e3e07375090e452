/**
 * A line of coloured segments as the terminal gets it: styled with SGR codes, cut to a
 * width with an ellipsis (as Ink's `truncate-end`), and how many cells it takes. The
 * components hand this to Ink ready-made (see `LineText`), so Ink neither styles, measures
 * nor cuts our text.
 */
import { oneLine } from "./format.js";
import type { Color, Line, Seg } from "./select/line.js";

export interface DrawOptions {
  /** The whole line in inverse video (the selected row). */
  selected?: boolean;
  /** Whether the terminal shows colours; without, the text is plain. */
  colors: boolean;
}

export interface DrawnLine {
  /** The line with its SGR codes. */
  text: string;
  /** Terminal cells it takes, at most the width asked for. */
  cells: number;
}

const colorCodes: Record<Color, number> = {
  red: 31,
  green: 32,
  yellow: 33,
  blue: 34,
  magenta: 35,
  cyan: 36,
  white: 37,
  gray: 90,
};
const BOLD = 1;
const DIM = 2;
const INVERSE = 7;
const RESET = "\u001b[0m";
const ELLIPSIS = "…";

export function drawLine(line: Line, width: number, options: DrawOptions): DrawnLine {
  const room = Math.max(0, width);
  if (room === 0) return { text: "", cells: 0 };
  // Made safe here once more: whatever a payload holds, no escape sequence or newline
  // reaches the terminal.
  const texts = line.map((seg) => oneLine(seg.text));
  const widths = texts.map(textCells);
  const total = widths.reduce((a, b) => a + b, 0);
  // A line too long keeps what fits before the ellipsis.
  const limit = total > room ? room - 1 : room;
  let text = "";
  let cells = 0;
  for (let i = 0; i < line.length; i++) {
    let part = texts[i] ?? "";
    if (part === "") continue;
    const cut = cells + (widths[i] ?? 0) > limit;
    if (cut) {
      const kept = keepCells(part, limit - cells);
      part = kept.text + ELLIPSIS;
      cells += kept.cells + 1;
    } else {
      cells += widths[i] ?? 0;
    }
    text += styled(part, line[i] as Seg, options);
    if (cut) break;
  }
  return { text, cells };
}

function styled(text: string, seg: Seg, options: DrawOptions): string {
  if (!options.colors) return text;
  const codes: number[] = [];
  if (options.selected || seg.inverse) codes.push(INVERSE);
  if (seg.bold) codes.push(BOLD);
  if (seg.dim) codes.push(DIM);
  if (seg.color) codes.push(colorCodes[seg.color]);
  return codes.length > 0 ? `\u001b[${codes.join(";")}m${text}${RESET}` : text;
}

/** Cells `text` takes. */
export function textCells(text: string): number {
  let cells = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.codePointAt(i) ?? 0;
    if (code > 0xffff) i++;
    cells += cellWidth(code);
  }
  return cells;
}

/** The longest start of `text` that takes at most `room` cells. */
function keepCells(text: string, room: number): { text: string; cells: number } {
  let cells = 0;
  let i = 0;
  while (i < text.length) {
    const code = text.codePointAt(i) ?? 0;
    const w = cellWidth(code);
    if (cells + w > room) break;
    cells += w;
    i += code > 0xffff ? 2 : 1;
  }
  return { text: text.slice(0, i), cells };
}

/**
 * Cells a code point takes: 2 for East Asian wide and full-width characters and emoji, else
 * 1. Ink places text one grapheme at a time, at least one cell each, two for the wide ones;
 * counting every code point, and every doubtful one as wide (all of the supplementary
 * planes, where the wide scripts and most emoji are), never takes fewer cells than Ink
 * will, so a cut line never spills over a border.
 */
export function cellWidth(codePoint: number): 1 | 2 {
  if (codePoint < 0x1100) return 1;
  if (codePoint > 0xffff) return 2;
  let low = 0;
  let high = wideRanges.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const [first, last] = wideRanges[mid] as readonly [number, number];
    if (codePoint < first) high = mid - 1;
    else if (codePoint > last) low = mid + 1;
    else return 2;
  }
  return 1;
}

/**
 * The wide and full-width ranges of the Basic Multilingual Plane (East Asian Width W and
 * F, and what string-width, Ink's measure, counts as wide), sorted.
 */
const wideRanges: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f],
  [0x231a, 0x231b],
  [0x2329, 0x232a],
  [0x23e9, 0x23ec],
  [0x23f0, 0x23f0],
  [0x23f3, 0x23f3],
  [0x25fd, 0x25fe],
  [0x2614, 0x2615],
  [0x2630, 0x2637],
  [0x2648, 0x2653],
  [0x267f, 0x267f],
  [0x268a, 0x268f],
  [0x2693, 0x2693],
  [0x26a1, 0x26a1],
  [0x26aa, 0x26ab],
  [0x26bd, 0x26be],
  [0x26c4, 0x26c5],
  [0x26ce, 0x26ce],
  [0x26d4, 0x26d4],
  [0x26ea, 0x26ea],
  [0x26f2, 0x26f3],
  [0x26f5, 0x26f5],
  [0x26fa, 0x26fa],
  [0x26fd, 0x26fd],
  [0x2705, 0x2705],
  [0x270a, 0x270b],
  [0x2728, 0x2728],
  [0x274c, 0x274c],
  [0x274e, 0x274e],
  [0x2753, 0x2755],
  [0x2757, 0x2757],
  [0x2795, 0x2797],
  [0x27b0, 0x27b0],
  [0x27bf, 0x27bf],
  [0x2b1b, 0x2b1c],
  [0x2b50, 0x2b50],
  [0x2b55, 0x2b55],
  [0x2e80, 0x303e],
  [0x3041, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
];
