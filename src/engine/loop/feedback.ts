/**
 * Retry with feedback: what the next attempt's brief says about the previous one — the
 * failing checks' output, the critic's findings, or the error — read from the task's
 * projection row (the log), so it survives restarts.
 */
import type { AttemptRow, TaskRow } from "../../store/projections/types.js";

const MAX_FEEDBACK_CHARS = 12_000;

export function feedbackFor(task: TaskRow | undefined): string {
  const previous = [...(task?.attempts ?? [])].reverse().find((a) => a.outcome !== "running");
  if (!previous) return "";
  const body = describeAttempt(previous);
  const text = `# What went wrong in attempt ${previous.attempt}\n\n${body}\n\nFix this first; the rest of the earlier work is on this branch already.`;
  return text.length > MAX_FEEDBACK_CHARS
    ? `${text.slice(0, MAX_FEEDBACK_CHARS)}\n…(truncated)`
    : text;
}

function describeAttempt(a: AttemptRow): string {
  const failedChecks = a.checks?.results.filter((r) => r.exitCode !== 0) ?? [];
  if (a.reason === "checks_failed" && failedChecks.length > 0) {
    return failedChecks
      .map(
        (r) =>
          `The check \`${r.command}\` failed (exit ${r.exitCode ?? "none"}). Its output ended with:\n\n\`\`\`\n${r.outputTail}\n\`\`\``,
      )
      .join("\n\n");
  }
  if (a.verdict && a.verdict.findings.length > 0) {
    const lines = a.verdict.findings.map((f) => {
      const where = f.file ? ` (${f.file}${f.line ? `:${f.line}` : ""})` : "";
      return `- [${f.severity}/${f.category}]${where} ${f.message}${f.fix ? ` — fix: ${f.fix}` : ""}`;
    });
    return `The critic answered \`${a.verdict.overall}\`${a.verdict.summary ? `: ${a.verdict.summary}` : ""}\n\n${lines.join("\n")}`;
  }
  const parts = [`The attempt ended with \`${a.reason ?? a.outcome}\`.`];
  if (a.error) parts.push(`Error: ${a.error}`);
  if (a.stderrTail) parts.push(`Its stderr ended with:\n\n\`\`\`\n${a.stderrTail}\n\`\`\``);
  return parts.join("\n\n");
}
