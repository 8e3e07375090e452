import { Box } from "ink";
import { inner } from "../layout.js";
import type { Line } from "../select/line.js";
import { LineText } from "./LineText.js";
import { Pane } from "./Pane.js";

export interface DetailPaneProps {
  title: string;
  lines: readonly Line[];
  /** First line shown (detail mode scrolls). */
  scroll: number;
  width: number;
  height: number;
  focused: boolean;
}

/** The selection's detail; only the lines that fit are built. */
export function DetailPane({ title, lines, scroll, width, height, focused }: DetailPaneProps) {
  const room = inner(height);
  const start = Math.max(0, Math.min(scroll, lines.length - room));
  const more = lines.length - start - room;
  const shown = lines.slice(start, start + room - (more > 0 ? 1 : 0));
  return (
    <Pane title={title || "Detail"} width={width} height={height} focused={focused}>
      <Box flexDirection="column">
        {shown.map((line, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: detail lines are positional
          <LineText key={start + i} line={line} width={width - 2} />
        ))}
        {more > 0 ? (
          <LineText
            line={[
              {
                text: `… ${more + 1} more lines (${focused ? "j/k scroll" : "Enter expands"})`,
                color: "gray",
              },
            ]}
            width={width - 2}
          />
        ) : null}
      </Box>
    </Pane>
  );
}
