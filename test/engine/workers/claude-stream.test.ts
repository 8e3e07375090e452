import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  apiRetryLine,
  assistantLine,
  initLine,
  parseClaudeLine,
  resultLine,
  serializeClaudeLine,
  textBlock,
  toolResultLine,
  toolUseBlock,
} from "../../../src/engine/workers/claude-stream.js";

const ids = { sessionId: "5f1c1b1e-0000-4000-8000-000000000001", uuid: "u-1" };

describe("claude stream-json lines", () => {
  const lines = [
    initLine({
      ...ids,
      cwd: "/w",
      model: "claude-sonnet-4-5",
      tools: ["Bash"],
      permissionMode: "acceptEdits",
    }),
    assistantLine({
      ...ids,
      messageId: "msg_1",
      model: "claude-sonnet-4-5",
      content: [textBlock("hi"), toolUseBlock("toolu_1", "Bash", { command: "ls" })],
    }),
    toolResultLine({ ...ids, toolUseId: "toolu_1", content: "a\nb" }),
    apiRetryLine({
      ...ids,
      attempt: 1,
      maxRetries: 10,
      retryDelayMs: 600,
      errorStatus: 529,
      error: "overloaded",
    }),
    resultLine({
      ...ids,
      subtype: "success",
      isError: false,
      numTurns: 2,
      result: "done",
      totalCostUsd: 0.01,
      usage: { input_tokens: 1, output_tokens: 2 },
      durationMs: 10,
    }),
  ];

  it("reads back every line its builders write", () => {
    for (const line of lines) {
      expect(parseClaudeLine(serializeClaudeLine(line))).toEqual(line);
    }
  });

  it("writes each line as a single line of JSON", () => {
    const line = assistantLine({
      ...ids,
      messageId: "m",
      model: "x",
      content: [textBlock("multi\nline\u2028text")],
    });
    expect(serializeClaudeLine(line)).not.toMatch(/\n/);
  });

  it("ignores other system lines, unknown types and non-objects", () => {
    for (const text of [
      '{"type":"system","subtype":"compact_boundary"}',
      '{"type":"stream_event","event":{}}',
      "[]",
      "42",
      '"result"',
      "",
      "{",
    ]) {
      expect(parseClaudeLine(text)).toBeUndefined();
    }
  });

  it("drops a malformed optional field instead of the line", () => {
    const parsed = parseClaudeLine(
      '{"type":"result","subtype":"success","is_error":false,"total_cost_usd":-3,"num_turns":"many","usage":{"input_tokens":"x","output_tokens":5}}',
    );
    expect(parsed).toMatchObject({
      type: "result",
      subtype: "success",
      total_cost_usd: undefined,
      num_turns: undefined,
    });
    expect(parsed?.type === "result" && parsed.usage).toMatchObject({
      input_tokens: undefined,
      output_tokens: 5,
    });
  });

  it("never throws, whatever the text", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "binary" }),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (text) => {
          parseClaudeLine(text);
        },
      ),
    );
  });

  it("never throws on known line types with arbitrary fields", () => {
    const known = fc.record({
      type: fc.constantFrom("system", "assistant", "user", "result"),
      subtype: fc.oneof(fc.constantFrom("init", "api_retry", "success"), fc.jsonValue()),
      message: fc.oneof(
        fc.jsonValue(),
        fc.record({ id: fc.jsonValue(), content: fc.array(fc.jsonValue()) }),
      ),
      session_id: fc.jsonValue(),
      usage: fc.jsonValue(),
    });
    fc.assert(fc.property(known, (value) => void parseClaudeLine(JSON.stringify(value))));
  });
});
