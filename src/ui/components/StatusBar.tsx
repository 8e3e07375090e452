import { Box, Text } from "ink";
import type { LoopState } from "../../store/projections/types.js";
import type { EngineLiveness } from "../data/source.js";
import { shortTime } from "../format.js";
import { controlSegs, counterSegs, type DisplayMode, engineSegs } from "../select/status-bar.js";
import { LineText } from "./LineText.js";

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
  const marker = mode === "frozen" ? " FROZEN " : mode === "replay" ? " REPLAY " : "";
  return (
    <Box width={width} height={1}>
      <Box flexGrow={1} flexShrink={1}>
        <LineText
          line={[
            width >= ROOM_FOR_NAME ? { text: " forge-loop ", bold: true } : { text: "" },
            { text: ` ${label}  `, color: "cyan" },
            ...engineSegs(engine, state, nowMs, mode),
            { text: "  " },
            ...counterSegs(state),
          ]}
        />
      </Box>
      <Box flexShrink={0}>
        {mode === "live" ? <LineText line={controlSegs(state, nowMs)} /> : null}
        {marker ? (
          <Text inverse color={mode === "replay" ? "magenta" : "yellow"}>
            {marker}
          </Text>
        ) : null}
        <Text color="gray">{` ${shortTime(nowMs)} `}</Text>
      </Box>
    </Box>
  );
}
