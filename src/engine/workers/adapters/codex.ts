import type { StreamParser, StreamSummary, WorkerAdapter } from "../adapter.js";
import { briefFitsArgument, commandParts } from "../adapter.js";
import { type CodexItem, type CodexUsage, parseCodexLine } from "../codex-stream.js";
import { oneLine } from "../text.js";
import type { WorkerProgress } from "../types.js";

/**
 * `codex exec --json --full-auto -C <worktree> [--model <m>] [...args] -- <brief>`, stdin
 * closed. As for Claude, `--` keeps a brief starting with a dash from being an option; a
 * brief too large for an argument is piped to stdin, which codex reads for the prompt `-`.
 */
export const codexAdapter: WorkerAdapter = {
  invocation({ spec, brief, cwd }) {
    const { file, prefix } = commandParts(spec, "codex");
    const asArgument = briefFitsArgument(brief);
    return {
      file,
      args: [
        ...prefix,
        "exec",
        "--json",
        "--full-auto",
        "-C",
        cwd,
        ...(spec.model ? ["--model", spec.model] : []),
        ...spec.args,
        "--",
        asArgument ? brief : "-",
      ],
      ...(asArgument ? {} : { stdin: brief }),
    };
  },
  createParser: () => new CodexStreamParser(),
};

type ToolItem = Extract<
  CodexItem,
  { type: "command_execution" | "file_change" | "mcp_tool_call" | "web_search" }
>;

export class CodexStreamParser implements StreamParser {
  private sessionId: string | undefined;
  private turns = 0;
  private completedTurns = 0;
  private toolUses = 0;
  private tokens: number | undefined;
  private lastMessage: string | undefined;
  private failure: string | undefined;
  private readonly inFlight = new Set<string>();

  line(text: string): WorkerProgress[] {
    const event = parseCodexLine(text);
    if (!event) return [];
    switch (event.type) {
      case "thread.started":
        this.sessionId = event.thread_id;
        return [{ type: "session", sessionId: event.thread_id }];
      case "turn.started":
        this.turns += 1;
        return [{ type: "turn" }];
      case "turn.completed":
        // A turn that completes after an `error` event recovered from it (a reconnect).
        this.failure = undefined;
        this.completedTurns += 1;
        this.tokens = addUsage(this.tokens, event.usage);
        return [
          ...this.finishAll(),
          ...(this.tokens === undefined ? [] : [{ type: "usage" as const, tokens: this.tokens }]),
        ];
      case "turn.failed":
        this.failure = `codex turn failed: ${oneLine(event.error.message, 200)}`;
        return [...this.finishAll(), errorObservation(event.error.message)];
      case "error":
        this.failure = `codex error: ${oneLine(event.message, 200)}`;
        return [errorObservation(event.message)];
      case "item.started":
        return isTool(event.item) ? this.startTool(event.item) : this.describe(event.item);
      case "item.updated":
        return event.item.type === "todo_list" ? this.describe(event.item) : [];
      case "item.completed":
        return isTool(event.item) ? this.completeTool(event.item) : this.completeItem(event.item);
    }
  }

  summary(): StreamSummary {
    return {
      sessionId: this.sessionId,
      turns: this.turns,
      toolUses: this.toolUses,
      // Codex reports tokens but no price: cost stays unknown rather than estimated.
      tokens: this.tokens,
      finalText: this.lastMessage ?? "",
      failure:
        this.failure ??
        (this.completedTurns === 0 ? "codex ended without completing a turn" : undefined),
    };
  }

  private startTool(item: ToolItem): WorkerProgress[] {
    if (this.inFlight.has(item.id)) return [];
    this.toolUses += 1;
    this.inFlight.add(item.id);
    const { name, summary } = describeTool(item);
    return [
      { type: "tool_started", id: item.id, name },
      { type: "observation", what: "tool", summary },
    ];
  }

  /** Some tools (file changes) arrive only as completed: they start and finish at once. */
  private completeTool(item: ToolItem): WorkerProgress[] {
    const started = this.inFlight.has(item.id) ? [] : this.startTool(item);
    this.inFlight.delete(item.id);
    return [...started, { type: "tool_finished", id: item.id }];
  }

  private completeItem(item: Exclude<CodexItem, ToolItem>): WorkerProgress[] {
    if (item.type === "agent_message") this.lastMessage = item.text;
    return this.describe(item);
  }

  private describe(item: CodexItem): WorkerProgress[] {
    switch (item.type) {
      case "agent_message":
        return item.text.trim() === ""
          ? []
          : [{ type: "observation", what: "message", summary: oneLine(item.text) }];
      case "todo_list": {
        const done = item.items.filter((i) => i.completed).length;
        const next = item.items.find((i) => !i.completed);
        const label = next ? `, next: ${next.text}` : "";
        return [
          {
            type: "observation",
            what: "todo",
            summary: oneLine(`${done}/${item.items.length} done${label}`),
          },
        ];
      }
      case "error":
        return [errorObservation(item.message)];
      default:
        return [];
    }
  }

  private finishAll(): WorkerProgress[] {
    const done = [...this.inFlight].map((id): WorkerProgress => ({ type: "tool_finished", id }));
    this.inFlight.clear();
    return done;
  }
}

function isTool(item: CodexItem): item is ToolItem {
  return (
    item.type === "command_execution" ||
    item.type === "file_change" ||
    item.type === "mcp_tool_call" ||
    item.type === "web_search"
  );
}

function describeTool(item: ToolItem): { name: string; summary: string } {
  switch (item.type) {
    case "command_execution":
      return { name: "Shell", summary: `Shell(${oneLine(unwrapShell(item.command), 80)})` };
    case "file_change": {
      const [first, ...rest] = item.changes;
      const more = rest.length > 0 ? `, +${rest.length} more` : "";
      return { name: "Edit", summary: `Edit(${oneLine(first?.path ?? "?", 80)}${more})` };
    }
    case "mcp_tool_call": {
      const name = `${item.server}.${item.tool}`;
      return { name, summary: oneLine(name, 80) };
    }
    case "web_search":
      return { name: "WebSearch", summary: `WebSearch(${oneLine(item.query, 80)})` };
  }
}

/** `bash -lc 'npm test'` → `npm test`: the wrapper says nothing about what runs. */
function unwrapShell(command: string): string {
  const match = /^(?:\/\S*\/)?(?:ba|z)?sh -lc (['"])([\s\S]*)\1$/.exec(command.trim());
  return match?.[2] ?? command;
}

function addUsage(total: number | undefined, usage: CodexUsage | undefined): number | undefined {
  if (!usage || (usage.input_tokens === undefined && usage.output_tokens === undefined))
    return total;
  // cached_input_tokens is the cached part of input_tokens, not an addition to it.
  return (total ?? 0) + (usage.input_tokens ?? 0) + (usage.output_tokens ?? 0);
}

function errorObservation(message: string): WorkerProgress {
  return { type: "observation", what: "error", summary: oneLine(message) };
}
