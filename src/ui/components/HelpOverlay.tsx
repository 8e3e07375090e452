import { Box, Text } from "ink";
import { type KeyHelp, keyHelp } from "../state/keymap.js";
import { Pane } from "./Pane.js";

/** Every key of TUI.md: live keys on the left, replay keys on the right (fits 80×24). */
export function HelpOverlay({ width, height }: { width: number; height: number }) {
  const column = Math.floor((width - 2) / 2);
  return (
    <Pane title="Keys (Esc or ? closes)" width={width} height={height} focused>
      <Box flexDirection="row">
        <Column title="live" keys={keyHelp.filter((k) => !k.replay)} width={column} />
        <Column title="in replay (p)" keys={keyHelp.filter((k) => k.replay)} width={column} />
      </Box>
    </Pane>
  );
}

function Column({
  title,
  keys,
  width,
}: {
  title: string;
  keys: readonly KeyHelp[];
  width: number;
}) {
  return (
    <Box flexDirection="column" width={width}>
      <Text color="magenta" bold>
        {` ${title}`}
      </Text>
      {keys.map((k) => (
        <Text key={`${k.keys}:${k.does}`} wrap="truncate-end">
          <Text color="cyan">{` ${k.keys.padEnd(10)} `}</Text>
          {k.does}
        </Text>
      ))}
    </Box>
  );
}
