/** Rows of the event feed: `14:02:09 task.heartbeat #42 a2 turns 31 tool Bash(npm test)`. */
import type { FeedLine } from "../data/feed.js";
import { clockTime } from "../format.js";
import { type Color, type Line, seg } from "./line.js";
import { lazyRows, type Rows } from "./rows.js";

export function kindColor(kind: string): Color {
  if (/failed|blocked|halted|stopped|error|fail/.test(kind)) return "red";
  if (/merged|completed|approved/.test(kind)) return "green";
  if (kind.startsWith("control.")) return "magenta";
  if (kind.startsWith("tick.") || kind.startsWith("loop.")) return "blue";
  if (kind.startsWith("critique.") || kind.startsWith("critic")) return "yellow";
  return "cyan";
}

export function feedLineCells(line: FeedLine): Line {
  const who = [
    line.issue !== undefined ? `#${line.issue}` : "",
    line.attempt !== undefined ? `a${line.attempt}` : "",
  ]
    .filter(Boolean)
    .join(" ");
  return [
    seg(`${clockTime(line.at)} `, "gray"),
    seg(`${line.kind} `, kindColor(line.kind)),
    seg(who ? `${who} ` : ""),
    seg(line.summary, undefined, { dim: line.seq === undefined }),
  ];
}

/** The feed newest first; a row's key is its line's id. */
export function feedRows(feed: readonly FeedLine[]): Rows {
  return lazyRows(
    [...feed].reverse(),
    (line) => String(line.id),
    (line) => ({
      ...(line.issue !== undefined ? { issue: line.issue } : {}),
      line: feedLineCells(line),
    }),
  );
}
