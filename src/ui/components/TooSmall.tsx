import { Box } from "ink";
import { MIN_COLUMNS, MIN_ROWS, type Size } from "../layout.js";
import { seg } from "../select/line.js";
import { LineText } from "./LineText.js";

/** Shown instead of the screen when the pane is under 80×24: centred, nothing else drawn. */
export function TooSmall({ size }: { size: Size }) {
  const message = `pane too small (need ${MIN_COLUMNS}×${MIN_ROWS}, have ${size.columns}×${size.rows})`;
  const width = Math.max(1, size.columns);
  return (
    <Box
      width={width}
      height={Math.max(1, size.rows - 1)}
      alignItems="center"
      justifyContent="center"
    >
      <LineText line={[seg(message, "yellow")]} width={width} />
    </Box>
  );
}
