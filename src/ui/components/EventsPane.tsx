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
  title = "Events",
}: {
  feed: readonly FeedLine[];
  width: number;
  height: number;
  title?: string;
}) {
  const shown = feed.slice(Math.max(0, feed.length - inner(height)));
  return (
    <Pane title={title} width={width} height={height}>
      <Box flexDirection="column">
        {shown.map((line, i) => (
          <LineText
            key={`${line.seq ?? "j"}:${line.at}:${feed.length - shown.length + i}`}
            line={feedLineCells(line)}
          />
        ))}
      </Box>
    </Pane>
  );
}
