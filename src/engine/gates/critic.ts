/**
 * The critic gate: run the critic worker with the critic brief, read its verdict (one
 * retry when the output does not parse), and apply the blocking rule. Garbage becomes a
 * blocking `error` verdict with the raw output kept in the attempt's log.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Finding, SevCounts } from "../../store/contract/kinds.js";
import type { WorkerResult } from "../workers/types.js";
import { type BlockingPolicy, blockingReason, countSeverities, extractVerdict } from "./verdict.js";

export interface CriticOutcome {
  overall: "approve" | "request_changes" | "block" | "error";
  blocking: boolean;
  reason?: string;
  summary: string;
  findings: Finding[];
  sevCounts: SevCounts;
  parseRetries: number;
  durationMs: number;
  costUsd?: number;
}

/** Runs a critic worker once with the given brief in the given log directory. */
export type RunCritic = (brief: string, logDir: string) => Promise<WorkerResult>;

const RETRY_NOTE = (problem: string) =>
  `\n\n# Your previous answer could not be read\n\n${problem}. Answer again: end with exactly one JSON object of the verdict form above, and nothing after it.`;

export async function runCriticGate(
  run: RunCritic,
  brief: string,
  logDir: string,
  changedLines: number,
  policy: BlockingPolicy,
): Promise<CriticOutcome> {
  const started = Date.now();
  let cost = 0;
  let lastProblem = "";
  const raw: string[] = [];
  for (let round = 0; round <= 1; round++) {
    const dir = join(logDir, round === 0 ? "critic" : "critic-retry");
    mkdirSync(dir, { recursive: true });
    const result = await run(round === 0 ? brief : brief + RETRY_NOTE(lastProblem), dir);
    cost += result.costUsd ?? 0;
    raw.push(result.finalText);
    if (result.outcome !== "completed") {
      lastProblem = `the critic run ended with ${result.outcome}${result.error ? `: ${result.error}` : ""}`;
      if (result.outcome === "killed") break;
      continue;
    }
    const parsed = extractVerdict(result.finalText);
    if ("verdict" in parsed) {
      const { verdict } = parsed;
      const reason = blockingReason(verdict, changedLines, policy);
      return {
        overall: verdict.overall,
        blocking: reason !== undefined,
        ...(reason ? { reason } : {}),
        summary: verdict.summary,
        findings: verdict.findings,
        sevCounts: countSeverities(verdict.findings),
        parseRetries: round,
        durationMs: Date.now() - started,
        ...(cost > 0 ? { costUsd: cost } : {}),
      };
    }
    lastProblem = parsed.error;
  }
  const rawPath = join(logDir, "critic-raw-output.txt");
  writeFileSync(rawPath, raw.join("\n\n----- retry -----\n\n"));
  return {
    overall: "error",
    blocking: true,
    reason: `critic output unreadable: ${lastProblem} (raw output kept in ${rawPath})`,
    summary: `The critic's output could not be read as a verdict: ${lastProblem}.`,
    findings: [],
    sevCounts: { sev1: 0, sev2: 0, sev3: 0 },
    parseRetries: 1,
    durationMs: Date.now() - started,
    ...(cost > 0 ? { costUsd: cost } : {}),
  };
}

/** Findings as one review: a body plus inline comments where file and line are given. */
export function reviewFromFindings(outcome: CriticOutcome): {
  body: string;
  comments: { path: string; line: number; body: string }[];
} {
  const header = `**forge-loop critic: ${outcome.overall}**${outcome.blocking ? " (blocking)" : ""}\n\n${outcome.summary}`;
  const general = outcome.findings.filter((f) => !(f.file && f.line));
  const lines = general.map(
    (f) =>
      `- **${f.severity}/${f.category}**${f.file ? ` \`${f.file}\`` : ""}: ${f.message}${f.fix ? `\n  Fix: ${f.fix}` : ""}`,
  );
  return {
    body: lines.length > 0 ? `${header}\n\n${lines.join("\n")}` : header,
    comments: outcome.findings
      .filter((f): f is Finding & { file: string; line: number } => Boolean(f.file && f.line))
      .map((f) => ({
        path: f.file,
        line: f.line,
        body: `**${f.severity}/${f.category}**: ${f.message}${f.fix ? `\n\nFix: ${f.fix}` : ""}`,
      })),
  };
}
