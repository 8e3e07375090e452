import { Box } from "ink";
import type { LoopState } from "../../store/projections/types.js";
import { count, dateTime } from "../format.js";
import type { ReplayState } from "../state/ui-state.js";
import { LineText } from "./LineText.js";

export interface ScrubberProps {
  replay: ReplayState;
  head: number;
  /** The state at `replay.seq`: its last event gives the time and tick shown. */
  state: LoopState;
  width: number;
}

/** ` REPLAY ◀ seq 48,211 / 98,765 ▶  2026-11-20 13:48:02  tick 17   ×4 ▷   [ ] tick  { } attempt  Esc live` */
export function Scrubber({ replay, head, state, width }: ScrubberProps) {
  const loop = state.loop.get("loop");
  return (
    <Box width={width} height={1}>
      <LineText
        line={[
          { text: " REPLAY ", color: "magenta", bold: true },
          { text: "◀ ", color: "gray" },
          { text: `seq ${count(replay.seq)} / ${count(head)}`, bold: true },
          { text: " ▶  ", color: "gray" },
          { text: `${dateTime(loop?.lastEventAt)}  ` },
          { text: `tick ${loop?.tick ?? "-"}   `, color: "blue" },
          { text: `×${replay.speed} ${replay.playing ? "▶" : "▷"}   `, color: "yellow" },
          { text: "[ ] tick  { } attempt  Space play  +/- speed  Esc live", color: "gray" },
        ]}
        width={width}
      />
    </Box>
  );
}
