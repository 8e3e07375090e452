/**
 * A screen row as data: coloured segments. Views build rows from the loop state; the list
 * component draws only the ones that fit, and the filter matches their plain text.
 */
import { oneLine } from "../format.js";

export type Color = "green" | "red" | "yellow" | "cyan" | "blue" | "magenta" | "gray" | "white";

export interface Seg {
  text: string;
  color?: Color;
  bold?: boolean;
  dim?: boolean;
  inverse?: boolean;
}

export type Line = readonly Seg[];

export interface Row {
  /** Stable identity of the row (a task's issue, a verdict's issue:attempt, …). */
  key: string;
  line: Line;
  /** The issue the row is about: retry, kill and attempt jumps act on it. */
  issue?: number;
}

/** A segment whose text is made safe for one terminal line. */
export function seg(
  text: string,
  color?: Color,
  style?: { bold?: boolean; dim?: boolean; inverse?: boolean },
): Seg {
  return { text: oneLine(text), ...(color ? { color } : {}), ...style };
}

export function plain(line: Line): string {
  return line.map((s) => s.text).join("");
}

/** A line of one plain segment. */
export function textLine(text: string, color?: Color): Line {
  return [seg(text, color)];
}
