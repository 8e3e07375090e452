import { Box, Text } from "ink";
import { type ViewId, views } from "../state/views.js";

export interface TabsProps {
  current: ViewId;
  counts: Partial<Record<ViewId, number>>;
  filter: string;
  width: number;
}

/** ` 1 Tasks 12  2 Workers 2  …` with the current view highlighted and its filter shown. */
export function Tabs({ current, counts, filter, width }: TabsProps) {
  return (
    <Box width={width} height={1}>
      <Text wrap="truncate-end">
        {views.map((v) => (
          <Text key={v.id}>
            {" "}
            <Text
              inverse={v.id === current}
              bold={v.id === current}
              color={v.id === current ? "cyan" : "white"}
            >
              {` ${v.digit} ${v.title}${counts[v.id] === undefined ? "" : ` ${counts[v.id]}`} `}
            </Text>
          </Text>
        ))}
        {filter ? <Text color="yellow">{`   filter: ${filter}`}</Text> : null}
      </Text>
    </Box>
  );
}
