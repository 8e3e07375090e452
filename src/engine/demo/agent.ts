#!/usr/bin/env node
/**
 * The bundled demo agent: a deterministic stand-in for Claude Code that speaks its
 * stream-json format, so the demo runs the real adapter, watchdog and gates with no
 * network and no API key. Invoked exactly as `claude` would be (`-p … -- <brief>`); it
 * reads the scenario and attempt from the brief and acts on the worktree it runs in.
 */
import { randomUUID } from "node:crypto";
import {
  assistantLine,
  type ClaudeLine,
  initLine,
  resultLine,
  serializeClaudeLine,
  textBlock,
  toolResultLine,
  toolUseBlock,
} from "../workers/claude-stream.js";
import { applyChanges, changesFor, commit } from "./agent-work.js";
import { demoIssues, type ScenarioName, scenarioOf } from "./scenarios.js";

const STEP_MS = Number(process.env.FORGE_LOOP_DEMO_STEP_MS ?? "250");
const sessionId = randomUUID();
const model = "demo-agent";
let turns = 0;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function emit(line: ClaudeLine): Promise<void> {
  process.stdout.write(`${serializeClaudeLine(line)}\n`);
  await sleep(STEP_MS);
}

const ids = () => ({ sessionId, uuid: randomUUID() });

async function say(text: string): Promise<void> {
  turns++;
  await emit(
    assistantLine({ ...ids(), messageId: randomUUID(), model, content: [textBlock(text)] }),
  );
}

async function tool(
  name: string,
  input: Record<string, unknown>,
  act: () => string,
): Promise<void> {
  turns++;
  const toolUseId = `toolu_${randomUUID().slice(0, 8)}`;
  await emit(
    assistantLine({
      ...ids(),
      messageId: randomUUID(),
      model,
      content: [toolUseBlock(toolUseId, name, input)],
    }),
  );
  const output = act();
  await emit(toolResultLine({ ...ids(), toolUseId, content: output }));
}

async function finish(text: string, cost: number): Promise<void> {
  await emit(
    resultLine({
      ...ids(),
      subtype: "success",
      isError: false,
      numTurns: turns,
      result: text,
      totalCostUsd: cost,
      usage: { input_tokens: 1200 * turns, output_tokens: 300 * turns },
      durationMs: turns * STEP_MS,
    }),
  );
}

async function work(brief: string, scenario: ScenarioName, attempt: number): Promise<void> {
  const issue = demoIssues.find((i) => i.scenario === scenario);
  if (!issue) return finish("Nothing to do for this brief.", 0.01);
  await say(`Reading issue: ${issue.title} (attempt ${attempt}).`);
  if (scenario === "stall" && attempt === 1) {
    await say("Thinking about the edge cases…");
    await sleep(24 * 3600 * 1000); // goes silent: the watchdog calls it stalled
  }
  const changes = changesFor(issue.module, scenario, attempt);
  for (const change of changes) {
    await tool("Write", { file_path: change.path }, () => {
      applyChanges(process.cwd(), [change]);
      return `Wrote ${change.path}`;
    });
  }
  if (scenario === "crash" && attempt === 1) {
    process.stderr.write("demo agent: simulated crash (segmentation fault in a tool)\n");
    process.exit(139);
  }
  await tool("Bash", { command: "node --test" }, () => "tests ran");
  await tool("Bash", { command: `git commit -m "${issue.title}"` }, () => {
    commit(process.cwd(), `${issue.title} (#demo, attempt ${attempt})`);
    return "committed";
  });
  await finish(
    `Implemented: ${issue.title}.${brief.includes("What went wrong") ? " Addressed the feedback from the previous attempt." : ""}`,
    0.04 + 0.01 * turns,
  );
}

async function critique(brief: string, scenario: ScenarioName): Promise<void> {
  await say("Reviewing the diff against the issue.");
  const firstRound = brief.includes("# Findings from earlier rounds\n\n(none)");
  const missingTests = scenario === "critic-retry" && firstRound && !brief.includes("+++ b/test/");
  const verdict = missingTests
    ? {
        overall: "request_changes",
        summary: "The function works, but nothing tests it.",
        findings: [
          {
            severity: "sev2",
            category: "tests",
            file: "src/title-case.js",
            line: 1,
            message: "titleCase has no tests: empty input and punctuation are untested.",
            fix: "Add test/title-case.test.js covering empty text and punctuation.",
          },
        ],
      }
    : {
        overall: "approve",
        summary: "Small, tested change that does what the issue asks.",
        findings: [
          {
            severity: "sev3",
            category: "docs",
            message: "Consider a line in the README about the new function.",
          },
        ],
      };
  await finish(`Review done.\n\n${JSON.stringify(verdict)}`, 0.02);
}

/** Like `claude -p`: the prompt after `--`, or on stdin when the adapter sends a large one there. */
async function readBrief(): Promise<string> {
  const dashes = process.argv.indexOf("--");
  if (dashes >= 0 && dashes < process.argv.length - 1)
    return process.argv[process.argv.length - 1] ?? "";
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function main(): Promise<void> {
  const brief = await readBrief();
  const scenario = scenarioOf(brief);
  const attempt = Number(/This is attempt (\d+)/.exec(brief)?.[1] ?? "1");
  await emit(
    initLine({
      ...ids(),
      cwd: process.cwd(),
      model,
      tools: ["Bash", "Write", "Read"],
      permissionMode: "acceptEdits",
    }),
  );
  if (!scenario) return finish("This brief is not one of the demo's scenarios; nothing to do.", 0);
  if (brief.includes("You are the critic")) return critique(brief, scenario);
  return work(brief, scenario, attempt);
}

await main();
