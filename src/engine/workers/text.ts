/**
 * Small text helpers for what workers say: observations are one glanceable line, tails
 * keep the end of long output without keeping all of it.
 */

/** `text` on one line, at most `max` characters (an ellipsis marks a cut). */
export function oneLine(text: string, max = 120): string {
  // Flatten only a bounded prefix: a megabyte of text must not cost a megabyte of work.
  const flat = text
    .slice(0, max * 4)
    .replace(/\s+/g, " ")
    .trim();
  if (flat.length <= max && text.length <= max * 4) return flat;
  return `${cutAt(flat, max - 1)}…`;
}

/** The first `length` UTF-16 units of `text`, never splitting a surrogate pair. */
export function cutAt(text: string, length: number): string {
  if (text.length <= length) return text;
  const code = text.charCodeAt(length - 1);
  const splitsPair = code >= 0xd800 && code <= 0xdbff;
  return text.slice(0, splitsPair ? length - 1 : length);
}

/** Input fields that best say what a tool call does, in order of preference. */
const telling = [
  "command",
  "file_path",
  "path",
  "pattern",
  "url",
  "query",
  "description",
  "prompt",
];

/** `Bash(npm test)`, `Edit(src/a.ts)`: a tool call as one short line. */
export function toolSummary(name: string, input: Record<string, unknown>): string {
  const key = telling.find((k) => typeof input[k] === "string" && input[k] !== "");
  const arg = key === undefined ? undefined : (input[key] as string);
  return arg === undefined ? oneLine(name, 80) : `${oneLine(name, 40)}(${oneLine(arg, 80)})`;
}

/** The last lines of a stream, at most `maxChars` in all. */
export class TextTail {
  private lines: string[] = [];
  private size = 0;

  constructor(private readonly maxChars: number) {}

  push(line: string): void {
    const kept = line.length > this.maxChars ? line.slice(line.length - this.maxChars) : line;
    this.lines.push(kept);
    this.size += kept.length + 1;
    while (this.size > this.maxChars + 1 && this.lines.length > 1) {
      this.size -= (this.lines.shift() as string).length + 1;
    }
  }

  text(): string {
    return this.lines.join("\n");
  }
}
