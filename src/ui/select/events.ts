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

/**
 * The feed newest first: the selection stays on the newest line as lines arrive. A row's
 * key is its line's index in `feed`, which is how the detail finds the line again.
 */
export function feedRows(feed: readonly FeedLine[]): Rows {
  const newestFirst = feed.map((_, i) => feed.length - 1 - i);
  return lazyRows(newestFirst, (index) => {
    const line = feed[index] as FeedLine;
    return {
      key: String(index),
      ...(line.issue !== undefined ? { issue: line.issue } : {}),
      line: feedLineCells(line),
    };
  });
}
