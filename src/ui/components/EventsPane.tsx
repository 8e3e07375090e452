import { Box } from "ink";
import type { FeedLine } from "../data/feed.js";
import { inner } from "../layout.js";
import { feedLineCells } from "../select/events.js";
import { LineText } from "./LineText.js";
import { Pane } from "./Pane.js";

/** The newest feed lines that fit, oldest at the top, newest at the bottom. */
export function EventsPane({
  feed,
  width,
  height,
  malformed,
}: {
  feed: readonly FeedLine[];
  width: number;
  height: number;
  /** Stream lines that could not be read: counted and said, never fatal. */
  malformed: number;
}) {
  const shown = feed.slice(Math.max(0, feed.length - inner(height)));
  return (
    <Pane title={`Events${skipped(malformed)}`} width={width} height={height}>
      <Box flexDirection="column">
        {shown.map((line, i) => (
          // Stream-only lines have no identity of their own: rows are positional.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above
          <LineText key={i} line={feedLineCells(line)} width={width - 2} />
        ))}
      </Box>
    </Pane>
  );
}

export function skipped(malformed: number): string {
  if (malformed === 0) return "";
  return ` (${malformed} unreadable stream line${malformed === 1 ? "" : "s"} skipped)`;
}
