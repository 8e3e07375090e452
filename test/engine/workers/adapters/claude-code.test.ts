import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ClaudeStreamParser,
  claudeCodeAdapter,
} from "../../../../src/engine/workers/adapters/claude-code.js";
import {
  apiRetryLine,
  assistantLine,
  initLine,
  resultLine,
  serializeClaudeLine,
  textBlock,
  toolResultLine,
  toolUseBlock,
} from "../../../../src/engine/workers/claude-stream.js";
import type { WorkerProgress } from "../../../../src/engine/workers/types.js";
import { checkToolBalance } from "../../../support/tool-balance.js";
import { fakeSpec } from "../../../support/workers.js";

const ids = { sessionId: "sess-1", uuid: "u" };
const model = "claude-sonnet-4-5";

const say = (messageId: string, text: string) =>
  serializeClaudeLine(assistantLine({ ...ids, messageId, model, content: [textBlock(text)] }));
const use = (messageId: string, id: string, name: string, input: Record<string, unknown>) =>
  serializeClaudeLine(
    assistantLine({ ...ids, messageId, model, content: [toolUseBlock(id, name, input)] }),
  );
const answer = (id: string) =>
  serializeClaudeLine(toolResultLine({ ...ids, toolUseId: id, content: "ok" }));
const finish = (o: Partial<Parameters<typeof resultLine>[0]> = {}) =>
  serializeClaudeLine(
    resultLine({
      ...ids,
      subtype: "success",
      isError: false,
      numTurns: 7,
      result: "All done.",
      totalCostUsd: 0.25,
      usage: {
        input_tokens: 10,
        cache_creation_input_tokens: 20,
        cache_read_input_tokens: 30,
        output_tokens: 40,
      },
      durationMs: 5,
      ...o,
    }),
  );

function feed(lines: string[]): { parser: ClaudeStreamParser; progress: WorkerProgress[] } {
  const parser = new ClaudeStreamParser();
  return { parser, progress: lines.flatMap((line) => parser.line(line)) };
}

describe("claude-code invocation", () => {
  it("builds the documented argv with the brief after --", () => {
    const spec = fakeSpec("claude-code", {
      command: ["claude"],
      model: "opus",
      permissionMode: "bypassPermissions",
      maxTurns: 30,
      args: ["--append-system-prompt", "be brief"],
    });
    const invocation = claudeCodeAdapter.invocation({
      spec,
      brief: "--help me",
      cwd: "/w",
      briefFile: "/l/brief.md",
    });
    expect(invocation).toEqual({
      file: "claude",
      args: [
        "-p",
        "--output-format",
        "stream-json",
        "--verbose",
        "--permission-mode",
        "bypassPermissions",
        "--max-turns",
        "30",
        "--model",
        "opus",
        "--append-system-prompt",
        "be brief",
        "--",
        "--help me",
      ],
    });
  });

  it("pipes a brief too large for one argument to stdin instead", () => {
    const brief = "d".repeat(200 * 1024);
    const invocation = claudeCodeAdapter.invocation({
      spec: fakeSpec("claude-code"),
      brief,
      cwd: "/w",
      briefFile: "/l/b",
    });
    expect(invocation.args).not.toContain(brief);
    expect(invocation.args.at(-1)).toBe("200");
    expect(invocation.stdin).toBe(brief);
  });

  it("keeps arguments that come with the command, and closes stdin", () => {
    const spec = fakeSpec("claude-code", { command: ["npx", "-y", "@anthropic-ai/claude-code"] });
    const invocation = claudeCodeAdapter.invocation({
      spec,
      brief: "b",
      cwd: "/w",
      briefFile: "/l/b",
    });
    expect(invocation.file).toBe("npx");
    expect(invocation.args.slice(0, 3)).toEqual(["-y", "@anthropic-ai/claude-code", "-p"]);
    expect(invocation.stdin).toBeUndefined();
  });
});

describe("ClaudeStreamParser", () => {
  it("reads the session id from system/init", () => {
    const init = initLine({ ...ids, cwd: "/w", model, tools: [], permissionMode: "acceptEdits" });
    const { parser, progress } = feed([serializeClaudeLine(init)]);
    expect(progress).toEqual([{ type: "session", sessionId: "sess-1" }]);
    expect(parser.summary().sessionId).toBe("sess-1");
  });

  it("turns tool calls into observations with a short summary, and text into messages", () => {
    const { progress } = feed([
      say("m1", "Let me look.\nThen fix it."),
      use("m2", "t1", "Bash", { command: "npm test", description: "Run the tests" }),
    ]);
    expect(progress).toEqual([
      { type: "turn" },
      { type: "observation", what: "message", summary: "Let me look. Then fix it." },
      { type: "turn" },
      { type: "tool_started", id: "t1", name: "Bash" },
      { type: "observation", what: "tool", summary: "Bash(npm test)" },
    ]);
  });

  it("reports a TodoWrite call as a todo observation", () => {
    const { progress } = feed([
      use("m1", "t1", "TodoWrite", {
        todos: [
          { content: "Read the code", status: "completed" },
          { content: "Fix the bug", status: "in_progress" },
          { content: "Test", status: "pending" },
        ],
      }),
    ]);
    expect(progress).toContainEqual({
      type: "observation",
      what: "todo",
      summary: "1/3 done, next: Fix the bug",
    });
  });

  it("counts one turn per message, however many lines the message spans", () => {
    const { parser, progress } = feed([
      say("m1", "a"),
      use("m1", "t1", "Read", { file_path: "x" }),
      say("m2", "b"),
    ]);
    expect(progress.filter((p) => p.type === "turn")).toHaveLength(2);
    expect(parser.summary().turns).toBe(2);
  });

  it("keeps a tool in flight until its tool_result arrives", () => {
    const { progress } = feed([
      use("m1", "t1", "Bash", { command: "sleep 600" }),
      answer("t1"),
      answer("t1"),
    ]);
    expect(progress.filter((p) => p.type === "tool_finished")).toEqual([
      { type: "tool_finished", id: "t1" },
    ]);
  });

  it("ends tools still in flight when the model speaks again (their results were unreadable)", () => {
    const { progress } = feed([use("m1", "t1", "Read", { file_path: "big" }), say("m2", "next")]);
    expect(progress).toContainEqual({ type: "tool_finished", id: "t1" });
  });

  it("does not end the Task call in flight on its subagent's messages", () => {
    const sub = serializeClaudeLine(
      assistantLine({
        ...ids,
        messageId: "sub1",
        model,
        content: [textBlock("working")],
        parentToolUseId: "task1",
      }),
    );
    const { parser, progress } = feed([
      use("m1", "task1", "Task", { description: "explore" }),
      sub,
    ]);
    expect(progress.filter((p) => p.type === "tool_finished")).toEqual([]);
    expect(parser.summary().turns).toBe(1);
  });

  it("announces an API retry wait with its delay", () => {
    const line = apiRetryLine({
      ...ids,
      attempt: 2,
      maxRetries: 10,
      retryDelayMs: 1500,
      errorStatus: 529,
      error: "overloaded",
    });
    const { progress } = feed([serializeClaudeLine(line)]);
    expect(progress).toEqual([
      {
        type: "observation",
        what: "retry_wait",
        summary: "API retry 2/10 in 1.5s (overloaded, HTTP 529)",
        waitMs: 1500,
      },
    ]);
  });

  it("takes cost and tokens only from the result line", () => {
    const costly = serializeClaudeLine(
      assistantLine({
        ...ids,
        messageId: "m1",
        model,
        content: [textBlock("x")],
        usage: { input_tokens: 1_000_000, output_tokens: 1_000_000 },
      }),
    );
    const before = feed([costly]);
    expect(before.progress.some((p) => p.type === "usage")).toBe(false);
    expect(before.parser.summary()).toMatchObject({ costUsd: undefined, tokens: undefined });

    const after = feed([costly, finish()]);
    expect(after.progress.filter((p) => p.type === "usage")).toEqual([
      { type: "usage", tokens: 100, costUsd: 0.25 },
    ]);
    expect(after.parser.summary()).toMatchObject({
      costUsd: 0.25,
      tokens: 100,
      turns: 7,
      finalText: "All done.",
    });
  });

  it("succeeds only on a success result that is not an error", () => {
    expect(feed([finish()]).parser.summary().failure).toBeUndefined();
    expect(feed([say("m1", "hm")]).parser.summary().failure).toBe(
      "claude ended without a result line",
    );
    expect(
      feed([
        finish({ subtype: "error_max_turns", isError: false, result: undefined }),
      ]).parser.summary().failure,
    ).toBe("claude reported error_max_turns");
    expect(
      feed([finish({ isError: true, result: "API Error: 401" })]).parser.summary().failure,
    ).toBe("claude reported success (is_error): API Error: 401");
  });

  it("falls back to the last message as final text when no result came", () => {
    expect(feed([say("m1", "first"), say("m2", "last words")]).parser.summary().finalText).toBe(
      "last words",
    );
  });

  it("ignores malformed and unknown lines", () => {
    const { parser, progress } = feed([
      "not json",
      '{"type":',
      '{"type":"assistant","message":42}',
      '{"type":"assistant","message":{"content":[{"type":"tool_use"},{"type":"text","text":7},{"type":"image"}]}}',
      '{"type":"user","message":{"content":"plain string"}}',
      '{"type":"what_is_this"}',
    ]);
    expect(progress).toEqual([{ type: "turn" }]);
    expect(parser.summary().toolUses).toBe(0);
  });

  it("never throws and keeps tool starts and finishes balanced, whatever the stream", () => {
    const toolIds = fc.constantFrom("t1", "t2", "t3");
    const line = fc.oneof(
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc
        .tuple(fc.constantFrom("m1", "m2", "m3"), toolIds)
        .map(([m, t]) => use(m, t, "Bash", { command: "x" })),
      toolIds.map((t) => answer(t)),
      fc.constantFrom("m1", "m2", "m3").map((m) => say(m, "text")),
      fc.constant(finish()),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 40 }), (lines) => {
        const { parser, progress } = feed(lines);
        checkToolBalance(progress);
        const summary = parser.summary();
        expect(summary.toolUses).toBe(progress.filter((p) => p.type === "tool_started").length);
        if (!lines.some((l) => l.includes('"type":"result"')))
          expect(summary.costUsd).toBeUndefined();
      }),
    );
  });
});
