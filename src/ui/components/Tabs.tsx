import { Box } from "ink";
import { type Line, seg } from "../select/line.js";
import { type ViewId, views } from "../state/views.js";
import { LineText } from "./LineText.js";

export interface TabsProps {
  current: ViewId;
  counts: Partial<Record<ViewId, number>>;
  filter: string;
  width: number;
}

/** ` 1 Tasks 12  2 Workers 2  …` with the current view highlighted and its filter shown. */
export function Tabs({ current, counts, filter, width }: TabsProps) {
  const line: Line = [
    ...views.flatMap((v) => {
      const on = v.id === current;
      const count = counts[v.id] === undefined ? "" : ` ${counts[v.id]}`;
      return [
        seg(" "),
        seg(` ${v.digit} ${v.title}${count} `, on ? "cyan" : "white", { inverse: on, bold: on }),
      ];
    }),
    seg(filter ? `   filter: ${filter}` : "", "yellow"),
  ];
  return (
    <Box width={width} height={1}>
      <LineText line={line} width={width} />
    </Box>
  );
}
