import { z } from "zod";
import { parseJsonObject } from "./json-line.js";

/**
 * `codex exec --json` lines (the thread events of codex-rs/exec): schemas the parser
 * reads them with. Lenient like the Claude schemas: unknown fields are kept, malformed
 * optional fields are dropped, unknown event and item types are ignored.
 */

const count = z.number().nonnegative().optional().catch(undefined);
const text = z.string().optional().catch(undefined);

const codexUsageSchema = z.looseObject({
  input_tokens: count,
  cached_input_tokens: count,
  output_tokens: count,
});

const errorSchema = z.looseObject({ message: z.string().catch("unknown error") });

const commandExecutionSchema = z.looseObject({
  id: z.string(),
  type: z.literal("command_execution"),
  command: z.string().catch(""),
  aggregated_output: text,
  exit_code: z.number().nullable().optional().catch(undefined),
  status: text,
});

const fileChangeSchema = z.looseObject({
  id: z.string(),
  type: z.literal("file_change"),
  changes: z.array(z.looseObject({ path: z.string(), kind: text })).catch([]),
  status: text,
});

const mcpToolCallSchema = z.looseObject({
  id: z.string(),
  type: z.literal("mcp_tool_call"),
  server: z.string().catch("mcp"),
  tool: z.string().catch("tool"),
  status: text,
});

const webSearchSchema = z.looseObject({
  id: z.string(),
  type: z.literal("web_search"),
  query: z.string().catch(""),
});

const agentMessageSchema = z.looseObject({
  id: z.string(),
  type: z.literal("agent_message"),
  text: z.string(),
});

const reasoningSchema = z.looseObject({
  id: z.string(),
  type: z.literal("reasoning"),
  text: z.string().catch(""),
});

const todoListSchema = z.looseObject({
  id: z.string(),
  type: z.literal("todo_list"),
  items: z
    .array(z.looseObject({ text: z.string().catch(""), completed: z.boolean().catch(false) }))
    .catch([]),
});

const errorItemSchema = z.looseObject({
  id: z.string(),
  type: z.literal("error"),
  message: z.string().catch("unknown error"),
});

const codexItemSchema = z.discriminatedUnion("type", [
  commandExecutionSchema,
  fileChangeSchema,
  mcpToolCallSchema,
  webSearchSchema,
  agentMessageSchema,
  reasoningSchema,
  todoListSchema,
  errorItemSchema,
]);

const codexEventSchema = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("thread.started"), thread_id: z.string() }),
  z.looseObject({ type: z.literal("turn.started") }),
  z.looseObject({
    type: z.literal("turn.completed"),
    usage: codexUsageSchema.optional().catch(undefined),
  }),
  z.looseObject({
    type: z.literal("turn.failed"),
    error: errorSchema.catch({ message: "turn failed" }),
  }),
  z.looseObject({ type: z.literal("item.started"), item: codexItemSchema }),
  z.looseObject({ type: z.literal("item.updated"), item: codexItemSchema }),
  z.looseObject({ type: z.literal("item.completed"), item: codexItemSchema }),
  z.looseObject({ type: z.literal("error"), message: z.string().catch("unknown error") }),
]);

export type CodexEvent = z.infer<typeof codexEventSchema>;
export type CodexItem = z.infer<typeof codexItemSchema>;
export type CodexUsage = z.infer<typeof codexUsageSchema>;

/** The known event a line is, or undefined (not JSON, unknown type or item, malformed). */
export function parseCodexLine(line: string): CodexEvent | undefined {
  const value = parseJsonObject(line);
  if (!value) return undefined;
  const parsed = codexEventSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
