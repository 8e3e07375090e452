import { Transform } from "ink";
import { createContext, memo, useContext } from "react";
import { drawLine } from "../draw.js";
import type { Line } from "../select/line.js";

/** Whether the terminal shows colours (`runTui` provides it from the stream it draws on). */
export const ColorsContext = createContext(false);

/**
 * Colours when the output is a terminal that shows them (Node's answer, which respects
 * NO_COLOR, FORCE_COLOR and TERM); never for a stream that is not a terminal.
 */
export function hasColors(stream: NodeJS.WriteStream): boolean {
  return typeof stream.hasColors === "function" && stream.hasColors();
}

export interface LineTextProps {
  line: Line;
  /** Cells the line may take; it is cut (with an ellipsis) to fit. */
  width: number;
  selected?: boolean;
}

/**
 * One screen line of coloured segments, cut (never wrapped) to `width`. It is drawn here
 * (`draw.ts`) and handed to Ink's <Transform> over a blank of the same width: Ink lays out
 * and measures only the blank, and writes the drawn line in its place. Ink 6 keeps every
 * text it ever measured or cut, unbounded (vadimdemedes/ink#986): with the real text, a
 * live tail would grow the process by every line it ever showed; blanks are a few dozen
 * strings. It also spares Ink one element, and its styling and measuring, per segment.
 */
export const LineText = memo(function LineText({ line, width, selected = false }: LineTextProps) {
  const colors = useContext(ColorsContext);
  const drawn = drawLine(line, width, { selected, colors });
  // A line takes one row even when empty (a blank line in the detail is a spacer).
  const blank = " ".repeat(Math.max(1, drawn.cells));
  return <Transform transform={(_, index) => (index === 0 ? drawn.text : "")}>{blank}</Transform>;
});
