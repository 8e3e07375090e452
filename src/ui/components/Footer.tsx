import { Box, Text } from "ink";
import { oneLine } from "../format.js";
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
      {footerContent(ui)}
    </Box>
  );
}

function footerContent(ui: UiState) {
  if (ui.mode === "confirm" && ui.confirm) {
    return (
      <Text color="yellow" bold wrap="truncate-end">
        {` ${capitalised(describeIntent(ui.confirm))}?  y confirm   n / Esc cancel`}
      </Text>
    );
  }
  if (ui.mode === "filter") {
    return (
      <LineText
        line={[
          { text: " / ", color: "yellow", bold: true },
          { text: ui.filters[ui.view] },
          { text: "▏", color: "yellow" },
          { text: "   Enter keep  Esc clear  ↑/↓ move", color: "gray" },
        ]}
      />
    );
  }
  if (ui.notice) {
    return (
      <Text color={noticeColor[ui.notice.level]} wrap="truncate-end">
        {` ${oneLine(ui.notice.text)}`}
      </Text>
    );
  }
  if (ui.mode === "help") return <Text color="gray"> Esc / ? close help</Text>;
  if (ui.mode === "detail") {
    return (
      <Text color="gray" wrap="truncate-end">
        {" "}
        j/k scroll g/G top/bottom Esc back r retry x kill
      </Text>
    );
  }
  return (
    <Text color="gray" wrap="truncate-end">
      {hints}
    </Text>
  );
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
