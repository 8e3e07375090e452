import { Box } from "ink";
import { useContext } from "react";
import type { LoopState } from "../../store/projections/types.js";
import type { EngineLiveness } from "../data/source.js";
import { drawLine } from "../draw.js";
import { shortTime } from "../format.js";
import { type Line, seg } from "../select/line.js";
import { controlSegs, counterSegs, type DisplayMode, engineSegs } from "../select/status-bar.js";
import { ColorsContext, LineText } from "./LineText.js";

export interface StatusBarProps {
  label: string;
  engine: EngineLiveness;
  state: LoopState;
  nowMs: number;
  mode: DisplayMode;
  width: number;
}

/** Below this width the product name gives its room to the counters. */
const ROOM_FOR_NAME = 110;

/**
 * ` forge-loop  acme/app  ● running  tick 17  slots 2/3  merged 12  failed 3  $4.31   14:02`.
 * The clock shows minutes: a seconds clock would redraw the whole screen every second
 * while nothing happens (TUI.md: idle means no renders).
 * The right side (pending commands, FROZEN/REPLAY, clock) is never cut; the counters are
 * cut first when the pane is narrow.
 */
export function StatusBar({ label, engine, state, nowMs, mode, width }: StatusBarProps) {
  const colors = useContext(ColorsContext);
  const left: Line = [
    seg(width >= ROOM_FOR_NAME ? " forge-loop " : "", undefined, { bold: true }),
    seg(` ${label}  `, "cyan"),
    ...engineSegs(engine, state, nowMs, mode),
    seg("  "),
    ...counterSegs(state),
  ];
  const right: Line = [
    ...(mode === "live" ? controlSegs(state, nowMs) : []),
    seg(markerText(mode), mode === "replay" ? "magenta" : "yellow", { inverse: true }),
    seg(` ${shortTime(nowMs)} `, "gray"),
  ];
  const rightWidth = drawLine(right, width, { colors }).cells;
  return (
    <Box width={width} height={1}>
      <Box width={width - rightWidth}>
        <LineText line={left} width={width - rightWidth} />
      </Box>
      <LineText line={right} width={rightWidth} />
    </Box>
  );
}

function markerText(mode: DisplayMode): string {
  if (mode === "frozen") return " FROZEN ";
  return mode === "replay" ? " REPLAY " : "";
}
