import { Box, Text } from "ink";
import { MIN_COLUMNS, MIN_ROWS, type Size } from "../layout.js";

/** Shown instead of the screen when the pane is under 80×24: centred, nothing else drawn. */
export function TooSmall({ size }: { size: Size }) {
  const message = `pane too small (need ${MIN_COLUMNS}×${MIN_ROWS}, have ${size.columns}×${size.rows})`;
  return (
    <Box
      width={Math.max(1, size.columns)}
      height={Math.max(1, size.rows - 1)}
      alignItems="center"
      justifyContent="center"
    >
      <Text color="yellow" wrap="truncate-end">
        {message}
      </Text>
    </Box>
  );
}
