import { Box } from "ink";
import { type Line, seg } from "../select/line.js";
import { describeIntent } from "../state/keymap.js";
import type { UiState } from "../state/ui-state.js";
import { LineText } from "./LineText.js";

const hints =
  " ? help  H halt  X halt now  R resume  r retry  x kill  / filter  Z freeze  p replay  q quit";

const noticeColor = { info: "cyan", warn: "yellow", error: "red" } as const;

/** The last line: what the keys do now, or the question, prompt or notice of the moment. */
export function Footer({ ui, width }: { ui: UiState; width: number }) {
  return (
    <Box width={width} height={1}>
      <LineText line={footerLine(ui)} width={width} />
    </Box>
  );
}

function footerLine(ui: UiState): Line {
  if (ui.mode === "confirm" && ui.confirm) {
    return [
      seg(` ${capitalised(describeIntent(ui.confirm))}?  y confirm   n / Esc cancel`, "yellow", {
        bold: true,
      }),
    ];
  }
  if (ui.mode === "filter") {
    return [
      seg(" / ", "yellow", { bold: true }),
      seg(ui.filters[ui.view]),
      seg("▏", "yellow"),
      seg("   Enter keep  Esc clear  ↑/↓ move", "gray"),
    ];
  }
  if (ui.notice) return [seg(` ${ui.notice.text}`, noticeColor[ui.notice.level])];
  if (ui.mode === "help") return [seg(" Esc / ? close help", "gray")];
  if (ui.mode === "detail") {
    return [seg(" j/k scroll g/G top/bottom Esc back r retry x kill", "gray")];
  }
  return [seg(hints, "gray")];
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
