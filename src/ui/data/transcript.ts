/**
 * The last lines of a worker's transcript (`logs/issue-<n>/a<attempt>/transcript.jsonl`, the
 * worker's stdout as it came), each summarised to one readable line: Claude Code's and
 * Codex's JSON events become "tool Bash(npm test)" or the message text; plain output is
 * shown as it is. Only the end of the file is read, however large it has grown.
 */
import { open } from "node:fs/promises";
import { join } from "node:path";
import { taskId } from "../../store/contract/ids.js";
import { isRecord, stringField } from "../../store/projections/fields.js";
import { oneLine } from "../format.js";

/** Bytes read from the end: plenty for a few lines, bounded for a 64 MB transcript. */
const TAIL_BYTES = 64 * 1024;
const MAX_LINE_CHARS = 300;

export function transcriptPath(logsDir: string, issue: number, attempt: number): string {
  return join(logsDir, taskId(issue).replace(":", "-"), `a${attempt}`, "transcript.jsonl");
}

/** The last `count` displayable lines; [] when there is no transcript (yet). */
export async function readTranscriptTail(path: string, count: number): Promise<string[]> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "r");
  } catch {
    return [];
  }
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - TAIL_BYTES);
    const buffer = Buffer.alloc(size - start);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
    const lines = buffer.subarray(0, bytesRead).toString("utf8").split("\n");
    // A read starting mid-file starts mid-line: that first piece is not a line.
    if (start > 0) lines.shift();
    const shown: string[] = [];
    for (let i = lines.length - 1; i >= 0 && shown.length < count; i--) {
      const summary = summarizeTranscriptLine(lines[i] ?? "");
      if (summary) shown.unshift(summary);
    }
    return shown;
  } finally {
    await handle.close();
  }
}

/** One transcript line as the operator wants to see it; undefined for noise. */
export function summarizeTranscriptLine(raw: string): string | undefined {
  const text = raw.trim();
  if (text === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return clipLine(text);
  }
  if (!isRecord(value)) return clipLine(text);
  const summary = summarizeEvent(value);
  return summary === undefined ? undefined : clipLine(summary);
}

function summarizeEvent(e: Record<string, unknown>): string | undefined {
  const type = stringField(e, "type") ?? "";
  switch (type) {
    case "assistant":
      return contentSummary(e.message);
    case "user":
      return undefined; // Tool results: the call before says what ran.
    case "result":
      return [
        `result ${stringField(e, "subtype") ?? ""}`,
        typeof e.num_turns === "number" ? `turns ${e.num_turns}` : "",
        typeof e.total_cost_usd === "number" ? `$${e.total_cost_usd.toFixed(2)}` : "",
      ]
        .filter(Boolean)
        .join("  ");
    case "system":
      return `system ${stringField(e, "subtype") ?? ""}`.trim();
    case "forge-loop.truncated_line":
      return `[over-long line, ${String(e.bytes)} bytes] ${stringField(e, "head") ?? ""}`;
    case "forge-loop.log_limit":
      return `[transcript limit reached: ${String(e.dropped_lines)} lines dropped]`;
    default:
      return codexSummary(type, e) ?? `${type || "json"} ${JSON.stringify(e)}`;
  }
}

/** Claude Code `assistant` messages: text and tool calls. */
function contentSummary(message: unknown): string | undefined {
  if (!isRecord(message) || !Array.isArray(message.content)) return undefined;
  const parts = message.content.filter(isRecord).map((part) => {
    if (part.type === "text") return stringField(part, "text") ?? "";
    if (part.type === "tool_use")
      return `tool ${stringField(part, "name") ?? "?"}${toolInput(part.input)}`;
    if (part.type === "thinking") return "";
    return "";
  });
  const joined = parts.filter(Boolean).join("  ");
  return joined === "" ? undefined : joined;
}

function toolInput(input: unknown): string {
  if (!isRecord(input)) return "";
  const main = stringField(input, "command", "file_path", "path", "pattern", "url", "description");
  return main ? `(${main})` : "";
}

/** Codex `exec --json` events. */
function codexSummary(type: string, e: Record<string, unknown>): string | undefined {
  if (!type.startsWith("item.") && !type.startsWith("turn.") && !type.startsWith("thread.")) {
    return type === "error" ? `error ${stringField(e, "message") ?? ""}` : undefined;
  }
  const item = isRecord(e.item) ? e.item : undefined;
  if (!item) return type;
  const itemType = stringField(item, "type") ?? "item";
  const detail =
    stringField(item, "command", "text", "message") ??
    (Array.isArray(item.changes) ? `${item.changes.length} file changes` : "");
  return `${itemType} ${detail}`.trim();
}

function clipLine(text: string): string {
  const line = oneLine(text);
  return line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS - 1)}…` : line;
}
