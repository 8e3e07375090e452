import { Text } from "ink";
import { oneLine } from "../format.js";
import type { Line } from "../select/line.js";

/**
 * One screen line of coloured segments, cut (never wrapped) at the box's width. Text is
 * made safe here once more: whatever a payload holds, no escape sequence or newline
 * reaches the terminal.
 */
export function LineText({ line, selected = false }: { line: Line; selected?: boolean }) {
  return (
    <Text wrap="truncate-end" inverse={selected}>
      {line.map((s, i) => (
        <Text
          // Segments have no identity beyond their position in the line.
          // biome-ignore lint/suspicious/noArrayIndexKey: positional by nature
          key={i}
          {...(s.color ? { color: s.color } : {})}
          bold={s.bold ?? false}
          dimColor={s.dim ?? false}
        >
          {oneLine(s.text)}
        </Text>
      ))}
      {line.length === 0 ? " " : ""}
    </Text>
  );
}
