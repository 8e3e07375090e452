import { Box } from "ink";
import type { ReactNode } from "react";
import { textCells } from "../draw.js";
import { clip, oneLine } from "../format.js";
import { seg } from "../select/line.js";
import { LineText } from "./LineText.js";

export interface PaneProps {
  title: string;
  width: number;
  height: number;
  focused?: boolean;
  children?: ReactNode;
}

/**
 * A bordered box with its title in the top border (`┌ Tasks ────┐`), exactly `width` ×
 * `height`: the content gets `width - 2` × `height - 2` and is clipped to it.
 */
export function Pane({ title, width, height, focused = false, children }: PaneProps) {
  const color = focused ? "cyan" : "gray";
  const name = clip(oneLine(title), Math.max(0, width - 4));
  const rule = "─".repeat(Math.max(0, width - 4 - textCells(name)));
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0}>
      <LineText
        line={[
          seg("┌ ", color),
          seg(name, focused ? "cyan" : "white", { bold: focused }),
          seg(` ${rule}┐`, color),
        ]}
        width={width}
      />
      <Box
        borderStyle="single"
        borderTop={false}
        borderColor={color}
        width={width}
        height={height - 1}
        flexDirection="column"
      >
        {children}
      </Box>
    </Box>
  );
}
