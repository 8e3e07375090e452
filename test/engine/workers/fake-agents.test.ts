import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parseAssistantBlock, parseClaudeLine } from "../../../src/engine/workers/claude-stream.js";
import { parseCodexLine } from "../../../src/engine/workers/codex-stream.js";
import { fakeAgentPath, initRepo, tempDirFactory } from "../../support/workers.js";

/**
 * The fake agents must speak the formats the parsers are written against: every line of
 * every well-behaved built-in scenario is a known, valid line. (The malformed scenario is
 * the exception by design; the parser tests cover it.)
 */
const run = promisify(execFile);
const tempDir = tempDirFactory();
const claudeScenarios = ["success", "success-commit", "api-retry", "verdict", "error-result"];
const codexScenarios = ["success", "success-commit", "verdict", "turn-failed"];

async function output(
  agent: "claude" | "codex",
  scenario: string,
  args: string[],
): Promise<string[]> {
  const cwd = initRepo(tempDir());
  const { stdout } = await run(
    fakeAgentPath(agent),
    agent === "codex" ? ["exec", "--json", "-C", cwd, ...args] : args,
    {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, FAKE_AGENT_SCENARIO: scenario },
      maxBuffer: 10 * 1024 * 1024,
    },
  );
  return stdout.split("\n").filter(Boolean);
}

describe("fake agents", () => {
  it.each(claudeScenarios)("claude prints only valid stream-json lines (%s)", async (scenario) => {
    const lines = await output("claude", scenario, [
      "-p",
      "--output-format",
      "stream-json",
      "--verbose",
      "--",
      "go",
    ]);
    expect(lines.length).toBeGreaterThan(1);
    for (const text of lines) {
      const line = parseClaudeLine(text);
      expect(line, text).toBeDefined();
      if (line?.type === "assistant") {
        for (const block of line.message.content)
          expect(parseAssistantBlock(block), text).toBeDefined();
      }
    }
    expect(JSON.parse(lines.at(-1) as string)).toMatchObject({ type: "result" });
  });

  it.each(codexScenarios)("codex prints only valid exec --json events (%s)", async (scenario) => {
    const lines = await output("codex", scenario, ["--", "go"]);
    expect(lines.length).toBeGreaterThan(1);
    for (const text of lines) expect(parseCodexLine(text), text).toBeDefined();
  });

  it("claude refuses stream-json without --verbose, as the real CLI does", async () => {
    await expect(
      output("claude", "success", ["-p", "--output-format", "stream-json", "--", "go"]),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining("requires --verbose"),
    });
  });
});
