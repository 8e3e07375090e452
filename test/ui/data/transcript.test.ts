import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import {
  readTranscriptTail,
  summarizeTranscriptLine,
  transcriptPath,
} from "../../../src/ui/data/transcript.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempFile(content: string | Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), "forge-transcript-"));
  dirs.push(dir);
  const path = join(dir, "transcript.jsonl");
  writeFileSync(path, content);
  return path;
}

describe("transcript lines", () => {
  it("live where the engine writes them", () => {
    expect(transcriptPath("/s/logs", 42, 2)).toBe("/s/logs/issue-42/a2/transcript.jsonl");
  });

  it("summarise Claude Code stream-json, Codex JSON and plain output", () => {
    const tool = {
      type: "assistant",
      message: { content: [{ type: "tool_use", name: "Edit", input: { file_path: "src/a.ts" } }] },
    };
    expect(summarizeTranscriptLine(JSON.stringify(tool))).toBe("tool Edit(src/a.ts)");
    expect(
      summarizeTranscriptLine(
        JSON.stringify({ type: "result", subtype: "success", num_turns: 12, total_cost_usd: 0.5 }),
      ),
    ).toBe("result success  turns 12  $0.50");
    expect(summarizeTranscriptLine(JSON.stringify({ type: "user", message: {} }))).toBeUndefined();
    expect(
      summarizeTranscriptLine(
        JSON.stringify({
          type: "item.completed",
          item: { type: "command_execution", command: "npm test" },
        }),
      ),
    ).toBe("command_execution npm test");
    expect(summarizeTranscriptLine("plain \u001b[31mred\u001b[0m output")).toBe(
      "plain [31mred[0m output",
    );
    expect(summarizeTranscriptLine("   ")).toBeUndefined();
    expect(summarizeTranscriptLine("x".repeat(1000))?.length).toBe(300);
  });

  it("never throw and never give a line break, whatever the line", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (line) => {
          const out = summarizeTranscriptLine(line);
          if (out !== undefined) expect(out).not.toMatch(/[\n\r]/);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("reads only the end of a large file and the last lines of it", async () => {
    const lines = Array.from({ length: 50_000 }, (_, i) => `line ${i}`);
    const path = tempFile(`${lines.join("\n")}\n`);
    expect(await readTranscriptTail(path, 3)).toEqual(["line 49997", "line 49998", "line 49999"]);
  });

  it("a missing file is no lines; invalid UTF-8 and a torn last line do no harm", async () => {
    expect(await readTranscriptTail("/nonexistent/transcript.jsonl", 5)).toEqual([]);
    const path = tempFile(
      Buffer.concat([
        Buffer.from("ok line\n"),
        Buffer.from([0xff, 0xfe, 0x0a]),
        Buffer.from('{"type":"assis'),
      ]),
    );
    const tail = await readTranscriptTail(path, 5);
    expect(tail[0]).toBe("ok line");
    expect(tail).toHaveLength(3);
  });
});
