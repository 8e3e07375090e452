import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CodexStreamParser, codexAdapter } from "../../../../src/engine/workers/adapters/codex.js";
import type { WorkerProgress } from "../../../../src/engine/workers/types.js";
import { checkToolBalance } from "../../../support/tool-balance.js";
import { fakeSpec } from "../../../support/workers.js";

const line = (value: unknown) => JSON.stringify(value);
const thread = line({ type: "thread.started", thread_id: "th-1" });
const turnStarted = line({ type: "turn.started" });
const command = (
  phase: "item.started" | "item.completed",
  id: string,
  cmd = "bash -lc 'npm test'",
) =>
  line({
    type: phase,
    item: {
      id,
      type: "command_execution",
      command: cmd,
      aggregated_output: phase === "item.completed" ? "ok\n" : "",
      exit_code: phase === "item.completed" ? 0 : null,
      status: phase === "item.completed" ? "completed" : "in_progress",
    },
  });
const message = (id: string, text: string) =>
  line({ type: "item.completed", item: { id, type: "agent_message", text } });
const turnCompleted = (input = 1000, cached = 900, output = 50) =>
  line({
    type: "turn.completed",
    usage: { input_tokens: input, cached_input_tokens: cached, output_tokens: output },
  });

function feed(lines: string[]): { parser: CodexStreamParser; progress: WorkerProgress[] } {
  const parser = new CodexStreamParser();
  return { parser, progress: lines.flatMap((l) => parser.line(l)) };
}

describe("codex invocation", () => {
  it("builds the documented argv with the brief after --, stdin closed", () => {
    const spec = fakeSpec("codex", {
      command: ["codex"],
      model: "gpt-5-codex",
      args: ["-c", "model_reasoning_effort=high"],
    });
    expect(
      codexAdapter.invocation({ spec, brief: "-rf brief", cwd: "/wt", briefFile: "/l/b" }),
    ).toEqual({
      file: "codex",
      args: [
        "exec",
        "--json",
        "--full-auto",
        "-C",
        "/wt",
        "--model",
        "gpt-5-codex",
        "-c",
        "model_reasoning_effort=high",
        "--",
        "-rf brief",
      ],
    });
  });

  it("pipes a brief too large for one argument to stdin, with - as the prompt", () => {
    const brief = "d".repeat(200 * 1024);
    const invocation = codexAdapter.invocation({
      spec: fakeSpec("codex"),
      brief,
      cwd: "/wt",
      briefFile: "/l/b",
    });
    expect(invocation.args.slice(-2)).toEqual(["--", "-"]);
    expect(invocation.stdin).toBe(brief);
  });
});

describe("CodexStreamParser", () => {
  it("reads the thread id, turns, tools, messages and usage of a run", () => {
    const { parser, progress } = feed([
      thread,
      turnStarted,
      line({
        type: "item.completed",
        item: { id: "item_0", type: "reasoning", text: "**Planning**" },
      }),
      command("item.started", "item_1"),
      command("item.completed", "item_1"),
      line({
        type: "item.completed",
        item: {
          id: "item_2",
          type: "file_change",
          changes: [
            { path: "src/a.ts", kind: "update" },
            { path: "b", kind: "add" },
          ],
          status: "completed",
        },
      }),
      message("item_3", "First."),
      message("item_4", "Done: tests pass."),
      turnCompleted(),
    ]);
    expect(progress).toEqual([
      { type: "session", sessionId: "th-1" },
      { type: "turn" },
      { type: "tool_started", id: "item_1", name: "Shell" },
      { type: "observation", what: "tool", summary: "Shell(npm test)" },
      { type: "tool_finished", id: "item_1" },
      { type: "tool_started", id: "item_2", name: "Edit" },
      { type: "observation", what: "tool", summary: "Edit(src/a.ts, +1 more)" },
      { type: "tool_finished", id: "item_2" },
      { type: "observation", what: "message", summary: "First." },
      { type: "observation", what: "message", summary: "Done: tests pass." },
      { type: "usage", tokens: 1050 },
    ]);
    expect(parser.summary()).toEqual({
      sessionId: "th-1",
      turns: 1,
      toolUses: 2,
      tokens: 1050,
      finalText: "Done: tests pass.",
      failure: undefined,
    });
  });

  it("reports no cost: codex does not say what a run cost", () => {
    const { parser, progress } = feed([thread, turnStarted, turnCompleted()]);
    expect(parser.summary().costUsd).toBeUndefined();
    expect(progress.find((p) => p.type === "usage")).toEqual({ type: "usage", tokens: 1050 });
  });

  it("keeps a command in flight between item.started and item.completed", () => {
    const { progress } = feed([
      command("item.started", "item_1"),
      line({
        type: "item.updated",
        item: { id: "item_1", type: "command_execution", command: "x", status: "in_progress" },
      }),
    ]);
    expect(progress.filter((p) => p.type === "tool_finished")).toEqual([]);
    expect(progress.filter((p) => p.type === "tool_started")).toHaveLength(1);
  });

  it("reports the todo list as it changes", () => {
    const todo = (phase: string, done: boolean[]) =>
      line({
        type: phase,
        item: {
          id: "item_0",
          type: "todo_list",
          items: done.map((completed, i) => ({ text: `step ${i + 1}`, completed })),
        },
      });
    const { progress } = feed([
      todo("item.started", [false, false]),
      todo("item.updated", [true, false]),
    ]);
    expect(progress).toEqual([
      { type: "observation", what: "todo", summary: "0/2 done, next: step 1" },
      { type: "observation", what: "todo", summary: "1/2 done, next: step 2" },
    ]);
  });

  it("fails on turn.failed, and on an error not followed by a completed turn", () => {
    const failed = feed([
      thread,
      turnStarted,
      line({ type: "turn.failed", error: { message: "quota exceeded" } }),
    ]);
    expect(failed.progress).toContainEqual({
      type: "observation",
      what: "error",
      summary: "quota exceeded",
    });
    expect(failed.parser.summary().failure).toBe("codex turn failed: quota exceeded");

    const errored = feed([thread, turnStarted, line({ type: "error", message: "stream error" })]);
    expect(errored.parser.summary().failure).toBe("codex error: stream error");

    const recovered = feed([
      thread,
      turnStarted,
      line({ type: "error", message: "Reconnecting... 1/5" }),
      turnCompleted(),
    ]);
    expect(recovered.parser.summary().failure).toBeUndefined();
  });

  it("fails when the stream ends without a completed turn", () => {
    expect(feed([thread, turnStarted]).parser.summary().failure).toBe(
      "codex ended without completing a turn",
    );
  });

  it("sums usage over turns (cached input is part of input, not added)", () => {
    const { parser } = feed([
      turnStarted,
      turnCompleted(100, 90, 10),
      turnStarted,
      turnCompleted(200, 0, 20),
    ]);
    expect(parser.summary()).toMatchObject({ turns: 2, tokens: 330 });
  });

  it("ignores malformed and unknown lines", () => {
    const { parser, progress } = feed([
      "garbage",
      '{"type":"item.started","item":{"type":"command_execution"}}',
      '{"type":"item.completed","item":{"id":"x","type":"hologram"}}',
      '{"type":"thread.started","thread_id":5}',
      '{"type":"turn.completed","usage":"lots"}',
    ]);
    expect(progress).toEqual([]);
    expect(parser.summary().tokens).toBeUndefined();
  });

  it("never throws and keeps tool starts and finishes balanced, whatever the stream", () => {
    const ids = fc.constantFrom("item_1", "item_2");
    const anyLine = fc.oneof(
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc
        .tuple(fc.constantFrom("item.started" as const, "item.completed" as const), ids)
        .map(([p, id]) => command(p, id)),
      fc.constant(turnCompleted()),
      fc.constant(line({ type: "turn.failed", error: { message: "x" } })),
      fc
        .record({
          type: fc.constantFrom("item.started", "item.updated", "item.completed"),
          item: fc.record({
            id: fc.jsonValue(),
            type: fc.constantFrom(
              "command_execution",
              "file_change",
              "todo_list",
              "agent_message",
              "mcp_tool_call",
              "web_search",
              "error",
            ),
            text: fc.jsonValue(),
            items: fc.jsonValue(),
            changes: fc.jsonValue(),
          }),
        })
        .map((v) => JSON.stringify(v)),
    );
    fc.assert(
      fc.property(fc.array(anyLine, { maxLength: 40 }), (lines) => {
        const { parser, progress } = feed(lines);
        checkToolBalance(progress);
        expect(parser.summary().costUsd).toBeUndefined();
      }),
    );
  });
});
