import type { StreamParser, StreamSummary, WorkerAdapter } from "../adapter.js";
import { briefFitsArgument, commandParts } from "../adapter.js";
import {
  type AssistantLine,
  type ClaudeUsage,
  parseAssistantBlock,
  parseClaudeLine,
  type ResultLine,
  toolResultIds,
} from "../claude-stream.js";
import { oneLine, toolSummary } from "../text.js";
import type { WorkerProgress } from "../types.js";

/** Used when the configuration names none. */
const defaultPermissionMode = "acceptEdits";
const defaultMaxTurns = 200;

/**
 * `claude -p --output-format stream-json --verbose --permission-mode <mode>
 * --max-turns <n> [--model <m>] [...args] -- <brief>`, stdin closed. The brief comes
 * after `--` so a brief that starts with a dash is read as the prompt, never as an
 * option; a brief too large for an argument is piped to stdin, where `claude -p` reads it.
 */
export const claudeCodeAdapter: WorkerAdapter = {
  invocation({ spec, brief }) {
    const { file, prefix } = commandParts(spec, "claude");
    const asArgument = briefFitsArgument(brief);
    return {
      file,
      args: [
        ...prefix,
        "-p",
        "--output-format",
        "stream-json",
        "--verbose",
        "--permission-mode",
        spec.permissionMode ?? defaultPermissionMode,
        "--max-turns",
        String(spec.maxTurns ?? defaultMaxTurns),
        ...(spec.model ? ["--model", spec.model] : []),
        ...spec.args,
        ...(asArgument ? ["--", brief] : []),
      ],
      ...(asArgument ? {} : { stdin: brief }),
    };
  },
  createParser: () => new ClaudeStreamParser(),
};

export class ClaudeStreamParser implements StreamParser {
  private sessionId: string | undefined;
  private turns = 0;
  private toolUses = 0;
  private lastMessageId: string | undefined;
  private lastText: string | undefined;
  private readonly inFlight = new Set<string>();
  private result: ResultLine | undefined;

  line(text: string): WorkerProgress[] {
    const line = parseClaudeLine(text);
    if (!line) return [];
    switch (line.type) {
      case "system":
        if (line.subtype === "init") {
          this.sessionId = line.session_id;
          return [{ type: "session", sessionId: line.session_id }];
        }
        return [retryWait(line)];
      case "assistant":
        return this.assistant(line);
      case "user":
        return toolResultIds(line).flatMap((id) => this.finish(id));
      case "result":
        this.result = line;
        this.sessionId ??= line.session_id;
        return [...this.finishAll(), usageProgress(line)];
    }
  }

  summary(): StreamSummary {
    const result = this.result;
    return {
      sessionId: this.sessionId,
      turns: result?.num_turns ?? this.turns,
      toolUses: this.toolUses,
      costUsd: result?.total_cost_usd,
      tokens: totalTokens(result?.usage),
      finalText: result?.result ?? this.lastText ?? "",
      failure: failureOf(result),
    };
  }

  private assistant(line: AssistantLine): WorkerProgress[] {
    const progress: WorkerProgress[] = [];
    // A subagent's messages (parent_tool_use_id set) belong to the Task call in flight.
    const topLevel = !line.parent_tool_use_id;
    const messageId = line.message.id;
    if (topLevel && (messageId === undefined || messageId !== this.lastMessageId)) {
      this.lastMessageId = messageId;
      this.turns += 1;
      // The model speaks again only once every tool result is in: whatever is still
      // "in flight" finished (its result line may have been too large to read).
      progress.push(...this.finishAll(), { type: "turn" });
    }
    for (const raw of line.message.content) {
      const block = parseAssistantBlock(raw);
      if (block?.type === "text") {
        if (topLevel) this.lastText = block.text;
        if (block.text.trim() !== "") {
          progress.push({ type: "observation", what: "message", summary: oneLine(block.text) });
        }
      } else if (block?.type === "tool_use" && !this.inFlight.has(block.id)) {
        this.toolUses += 1;
        this.inFlight.add(block.id);
        progress.push(
          { type: "tool_started", id: block.id, name: block.name },
          {
            type: "observation",
            what: block.name === "TodoWrite" ? "todo" : "tool",
            summary:
              block.name === "TodoWrite"
                ? todoSummary(block.input)
                : toolSummary(block.name, block.input),
          },
        );
      }
    }
    return progress;
  }

  private finish(id: string): WorkerProgress[] {
    return this.inFlight.delete(id) ? [{ type: "tool_finished", id }] : [];
  }

  private finishAll(): WorkerProgress[] {
    const done = [...this.inFlight].map((id): WorkerProgress => ({ type: "tool_finished", id }));
    this.inFlight.clear();
    return done;
  }
}

function retryWait(line: {
  attempt?: number;
  max_retries?: number;
  retry_delay_ms?: number;
  error_status?: number | null;
  error?: string;
}): WorkerProgress {
  const waitMs = line.retry_delay_ms ?? 0;
  const attempt = line.attempt === undefined ? "" : ` ${line.attempt}/${line.max_retries ?? "?"}`;
  const cause = [line.error, line.error_status == null ? undefined : `HTTP ${line.error_status}`]
    .filter(Boolean)
    .join(", ");
  return {
    type: "observation",
    what: "retry_wait",
    summary: oneLine(
      `API retry${attempt} in ${(waitMs / 1000).toFixed(1)}s${cause ? ` (${cause})` : ""}`,
    ),
    waitMs,
  };
}

function usageProgress(line: ResultLine): WorkerProgress {
  return { type: "usage", tokens: totalTokens(line.usage), costUsd: line.total_cost_usd };
}

/** Every token the run consumed: fresh input, cache writes and reads, and output. */
function totalTokens(usage: ClaudeUsage | undefined): number | undefined {
  if (!usage) return undefined;
  const parts = [
    usage.input_tokens,
    usage.cache_creation_input_tokens,
    usage.cache_read_input_tokens,
    usage.output_tokens,
  ];
  if (parts.every((part) => part === undefined)) return undefined;
  return parts.reduce<number>((sum, part) => sum + (part ?? 0), 0);
}

function failureOf(result: ResultLine | undefined): string | undefined {
  if (!result) return "claude ended without a result line";
  if (result.subtype === "success" && result.is_error !== true) return undefined;
  const detail = result.result ? `: ${oneLine(result.result, 200)}` : "";
  return `claude reported ${result.subtype}${result.is_error ? " (is_error)" : ""}${detail}`;
}

/** `2/5 done, next: Write the tests` from a TodoWrite call. */
function todoSummary(input: Record<string, unknown>): string {
  const todos = Array.isArray(input.todos) ? input.todos : [];
  const items = todos.filter(
    (t): t is { content?: unknown; status?: unknown } => typeof t === "object" && t !== null,
  );
  const done = items.filter((t) => t.status === "completed").length;
  const next =
    items.find((t) => t.status === "in_progress") ?? items.find((t) => t.status === "pending");
  const label = typeof next?.content === "string" ? `, next: ${next.content}` : "";
  return oneLine(`${done}/${items.length} done${label}`);
}
