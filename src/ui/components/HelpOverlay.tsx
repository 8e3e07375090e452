import { Box } from "ink";
import { seg } from "../select/line.js";
import { type KeyHelp, keyHelp } from "../state/keymap.js";
import { LineText } from "./LineText.js";
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
      <LineText line={[seg(` ${title}`, "magenta", { bold: true })]} width={width} />
      {keys.map((k) => (
        <LineText
          key={`${k.keys}:${k.does}`}
          line={[seg(` ${k.keys.padEnd(10)} `, "cyan"), seg(k.does)]}
          width={width}
        />
      ))}
    </Box>
  );
}
