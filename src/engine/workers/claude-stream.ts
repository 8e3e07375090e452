import { z } from "zod";
import { parseJsonObject } from "./json-line.js";

/**
 * Claude Code's `--output-format stream-json --verbose` lines: the schemas the parser
 * reads them with, and builders that write them (the bundled demo agent and the tests
 * speak the format through these, so writer and reader cannot drift apart).
 *
 * Schemas are lenient: unknown fields are kept, and a malformed optional field (a
 * negative cost, a string where a count belongs) is dropped rather than failing the line.
 */

const count = z.number().nonnegative().optional().catch(undefined);
const text = z.string().optional().catch(undefined);

const claudeUsageSchema = z.looseObject({
  input_tokens: count,
  output_tokens: count,
  cache_creation_input_tokens: count,
  cache_read_input_tokens: count,
});

const systemInitSchema = z.looseObject({
  type: z.literal("system"),
  subtype: z.literal("init"),
  session_id: z.string(),
  cwd: text,
  model: text,
  tools: z.array(z.string()).optional().catch(undefined),
  permissionMode: text,
  uuid: text,
});

const apiRetrySchema = z.looseObject({
  type: z.literal("system"),
  subtype: z.literal("api_retry"),
  attempt: count,
  max_retries: count,
  retry_delay_ms: count,
  error_status: z.number().nullable().optional().catch(undefined),
  error: text,
  session_id: text,
  uuid: text,
});

const textBlockSchema = z.looseObject({ type: z.literal("text"), text: z.string() });

const toolUseBlockSchema = z.looseObject({
  type: z.literal("tool_use"),
  id: z.string(),
  name: z.string(),
  input: z.record(z.string(), z.unknown()).catch({}),
});

const toolResultBlockSchema = z.looseObject({
  type: z.literal("tool_result"),
  tool_use_id: z.string(),
  content: z.unknown().optional(),
  is_error: z.boolean().optional().catch(undefined),
});

const assistantSchema = z.looseObject({
  type: z.literal("assistant"),
  message: z.looseObject({
    id: text,
    type: text,
    role: text,
    model: text,
    // Blocks are read one by one, so one odd block does not hide the others.
    content: z.array(z.unknown()),
    usage: claudeUsageSchema.optional().catch(undefined),
  }),
  parent_tool_use_id: z.string().nullable().optional().catch(undefined),
  session_id: text,
  uuid: text,
});

const userSchema = z.looseObject({
  type: z.literal("user"),
  message: z.looseObject({
    role: text,
    content: z.union([z.string(), z.array(z.unknown())]),
  }),
  parent_tool_use_id: z.string().nullable().optional().catch(undefined),
  session_id: text,
  uuid: text,
});

const resultSchema = z.looseObject({
  type: z.literal("result"),
  subtype: z.string(),
  is_error: z.boolean().optional().catch(undefined),
  num_turns: count,
  result: text,
  session_id: text,
  total_cost_usd: count,
  usage: claudeUsageSchema.optional().catch(undefined),
  duration_ms: count,
  duration_api_ms: count,
  uuid: text,
});

export type SystemInitLine = z.infer<typeof systemInitSchema>;
export type ApiRetryLine = z.infer<typeof apiRetrySchema>;
export type AssistantLine = z.infer<typeof assistantSchema>;
export type UserLine = z.infer<typeof userSchema>;
export type ResultLine = z.infer<typeof resultSchema>;
export type ClaudeLine = SystemInitLine | ApiRetryLine | AssistantLine | UserLine | ResultLine;
export type ClaudeUsage = z.infer<typeof claudeUsageSchema>;
export type TextBlock = z.infer<typeof textBlockSchema>;
export type ToolUseBlock = z.infer<typeof toolUseBlockSchema>;

/** The known line a text is, or undefined (not JSON, an unknown type, a malformed line). */
export function parseClaudeLine(line: string): ClaudeLine | undefined {
  const value = parseJsonObject(line);
  const schema = value && schemaFor(value);
  const parsed = schema?.safeParse(value);
  return parsed?.success ? parsed.data : undefined;
}

function schemaFor(value: Record<string, unknown>) {
  switch (value.type) {
    case "system":
      if (value.subtype === "init") return systemInitSchema;
      return value.subtype === "api_retry" ? apiRetrySchema : undefined;
    case "assistant":
      return assistantSchema;
    case "user":
      return userSchema;
    case "result":
      return resultSchema;
    default:
      return undefined;
  }
}

/** An assistant content block as one of the kinds we read, or undefined. */
export function parseAssistantBlock(block: unknown): TextBlock | ToolUseBlock | undefined {
  const asText = textBlockSchema.safeParse(block);
  if (asText.success) return asText.data;
  const asTool = toolUseBlockSchema.safeParse(block);
  return asTool.success ? asTool.data : undefined;
}

/** The ids of the tool calls a user line answers. */
export function toolResultIds(line: UserLine): string[] {
  if (typeof line.message.content === "string") return [];
  const ids: string[] = [];
  for (const block of line.message.content) {
    const parsed = toolResultBlockSchema.safeParse(block);
    if (parsed.success) ids.push(parsed.data.tool_use_id);
  }
  return ids;
}

// ---- Builders: complete lines as Claude Code writes them --------------------------------

export interface LineIds {
  sessionId: string;
  uuid: string;
}

export function initLine(
  o: LineIds & { cwd: string; model: string; tools: string[]; permissionMode: string },
): SystemInitLine {
  return {
    type: "system",
    subtype: "init",
    cwd: o.cwd,
    session_id: o.sessionId,
    tools: o.tools,
    mcp_servers: [],
    model: o.model,
    permissionMode: o.permissionMode,
    slash_commands: [],
    apiKeySource: "none",
    output_style: "default",
    uuid: o.uuid,
  };
}

export function textBlock(value: string): TextBlock {
  return { type: "text", text: value };
}

export function toolUseBlock(
  id: string,
  name: string,
  input: Record<string, unknown>,
): ToolUseBlock {
  return { type: "tool_use", id, name, input };
}

export function assistantLine(
  o: LineIds & {
    messageId: string;
    model: string;
    content: Array<TextBlock | ToolUseBlock>;
    usage?: ClaudeUsage;
    parentToolUseId?: string | null;
  },
): AssistantLine {
  return {
    type: "assistant",
    message: {
      id: o.messageId,
      type: "message",
      role: "assistant",
      model: o.model,
      content: o.content,
      stop_reason: null,
      stop_sequence: null,
      usage: o.usage ?? { input_tokens: 0, output_tokens: 0 },
    },
    parent_tool_use_id: o.parentToolUseId ?? null,
    session_id: o.sessionId,
    uuid: o.uuid,
  };
}

export function toolResultLine(
  o: LineIds & { toolUseId: string; content: string; isError?: boolean },
): UserLine {
  return {
    type: "user",
    message: {
      role: "user",
      content: [
        {
          tool_use_id: o.toolUseId,
          type: "tool_result",
          content: o.content,
          is_error: o.isError ?? false,
        },
      ],
    },
    parent_tool_use_id: null,
    session_id: o.sessionId,
    uuid: o.uuid,
  };
}

export function apiRetryLine(
  o: LineIds & {
    attempt: number;
    maxRetries: number;
    retryDelayMs: number;
    errorStatus: number | null;
    error: string;
  },
): ApiRetryLine {
  return {
    type: "system",
    subtype: "api_retry",
    attempt: o.attempt,
    max_retries: o.maxRetries,
    retry_delay_ms: o.retryDelayMs,
    error_status: o.errorStatus,
    error: o.error,
    session_id: o.sessionId,
    uuid: o.uuid,
  };
}

export function resultLine(
  o: LineIds & {
    subtype: "success" | "error_max_turns" | "error_during_execution" | (string & {});
    isError: boolean;
    numTurns: number;
    result?: string;
    totalCostUsd: number;
    usage: ClaudeUsage;
    durationMs: number;
    durationApiMs?: number;
  },
): ResultLine {
  return {
    type: "result",
    subtype: o.subtype,
    is_error: o.isError,
    duration_ms: o.durationMs,
    duration_api_ms: o.durationApiMs ?? o.durationMs,
    num_turns: o.numTurns,
    ...(o.result === undefined ? {} : { result: o.result }),
    session_id: o.sessionId,
    total_cost_usd: o.totalCostUsd,
    usage: o.usage,
    permission_denials: [],
    uuid: o.uuid,
  };
}

/** One line of the stream (the caller adds the newline). */
export function serializeClaudeLine(line: ClaudeLine): string {
  return JSON.stringify(line);
}
