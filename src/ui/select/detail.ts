/**
 * The detail pane's lines for whatever is selected: a task's timeline grouped by attempt
 * (dispatch → checks → critic → PR → merge, coloured by outcome), critic findings, the
 * worker's last transcript lines, the error and its stderr tail; or a verdict, a PR, a
 * tick, an event. Long text is wrapped to the pane's width here so nothing is cut.
 */
import type {
  AttemptRow,
  LoopState,
  PrRow,
  TaskRow,
  TickRow,
  VerdictRow,
  WorkerRow,
} from "../../store/projections/types.js";
import type { FeedLine } from "../data/feed.js";
import { clockTime, dateTime, duration, money, oneLine, shortTime } from "../format.js";
import { type Color, type Line, type Seg, seg, textLine } from "./line.js";
import { attemptLook, classColor, outcomeClass, taskLook, verdictColor } from "./status.js";
import { tickDurationMs } from "./ticks.js";
import { heartbeatAgeMs, isStale } from "./workers.js";

/** Lines of stderr and check output shown per attempt: enough to see the failure. */
const TAIL_LINES = 6;

export interface DetailContext {
  state: LoopState;
  width: number;
  nowMs: number;
  /** Last lines of the selected attempt's worker transcript, already summarised. */
  transcript: readonly string[];
}

export function taskDetail(task: TaskRow | undefined, ctx: DetailContext): Line[] {
  if (!task) return [textLine("no task selected", "gray")];
  const look = taskLook(task.status);
  const last = task.attempts[task.attempts.length - 1];
  // The task's cost counts finished attempts; a running one has spent its own so far.
  const spent = task.costUsd + (last?.outcome === "running" ? (last.costUsd ?? 0) : 0);
  const lines: Line[] = [
    [
      seg(`${look.icon} ${task.status}`, look.color, { bold: true }),
      seg(task.attempt > 0 ? `  attempt ${task.attempt}` : "  not dispatched yet"),
      seg(`  ${money(spent)}`),
      seg(task.priority ? `  ${task.priority}` : "", "gray"),
    ],
  ];
  if (task.labels.length > 0) lines.push(textLine(`labels ${task.labels.join(" ")}`, "gray"));
  if (task.pr !== undefined) lines.push(textLine(`PR #${task.pr} ${task.prUrl ?? ""}`, "blue"));
  if (task.retryAt) lines.push(textLine(`retry after ${dateTime(task.retryAt)}`, "yellow"));
  if (task.skipReason) lines.push(textLine(`skipped: ${task.skipReason}`, "gray"));
  for (const attempt of task.attempts) lines.push(...attemptLines(attempt, ctx));
  if (ctx.transcript.length > 0) {
    lines.push(textLine(`worker a${task.attempt}, last lines:`, "gray"));
    for (const text of ctx.transcript) lines.push(...wrap(text, ctx.width, "  ", "white"));
  }
  return lines;
}

function attemptLines(attempt: AttemptRow, ctx: DetailContext): Line[] {
  const look = attemptLook(attempt.outcome);
  const ended = attempt.endedAt ? ` → ${shortTime(attempt.endedAt)}` : "";
  const lines: Line[] = [
    [
      seg(`a${attempt.attempt} `, look.color, { bold: true }),
      seg(`${look.icon} ${attempt.outcome}`, look.color),
      seg(attempt.reason ? ` ${attempt.reason}` : "", "red"),
      seg(`  ${shortTime(attempt.dispatchedAt)}${ended}`, "gray"),
      seg(attempt.durationMs !== undefined ? ` ${duration(attempt.durationMs)}` : "", "gray"),
      seg(`  ${attempt.adapter ?? ""}${attempt.model ? `/${attempt.model}` : ""}`, "gray"),
      seg(attempt.costUsd !== undefined ? `  ${money(attempt.costUsd)}` : ""),
    ],
    [seg("  "), ...pipeline(attempt)],
  ];
  if (attempt.outcome === "running" && attempt.lastTool) {
    lines.push(textLine(`  tool ${attempt.lastTool}  turns ${attempt.turns ?? 0}`, "cyan"));
  }
  for (const result of attempt.checks?.results ?? []) {
    if (result.exitCode === 0) continue;
    lines.push(textLine(`  ✖ ${result.command} (exit ${result.exitCode ?? "killed"})`, "red"));
    for (const text of lastLines(result.outputTail)) lines.push(...wrap(text, ctx.width, "    "));
  }
  if (attempt.verdict) lines.push(...verdictLines(attempt.verdict, ctx.width, "  "));
  if (attempt.error) lines.push(...wrap(`error: ${attempt.error}`, ctx.width, "  ", "red"));
  if (attempt.stderrTail) {
    lines.push(textLine("  stderr:", "gray"));
    for (const text of lastLines(attempt.stderrTail)) lines.push(...wrap(text, ctx.width, "    "));
  }
  return lines;
}

type Stage = "dispatched" | "checks" | "critic" | "pr" | "merge";
const stageOrder: readonly Stage[] = ["dispatched", "checks", "critic", "pr", "merge"];
const reasonStage: Record<string, Stage> = {
  checks_failed: "checks",
  critic_blocked: "critic",
  merge_blocked: "merge",
};

/** `dispatch ✔ → checks ✖ (npm test) → critic → PR → merge`, each coloured by outcome. */
export function pipeline(attempt: AttemptRow): Seg[] {
  const reached = stageOrder.indexOf(attempt.phase);
  const failedAt =
    attempt.outcome === "failed" || attempt.outcome === "compensated"
      ? (reasonStage[attempt.reason ?? ""] ?? attempt.phase)
      : undefined;
  const segs: Seg[] = [];
  stageOrder.forEach((stage, index) => {
    if (index > 0) segs.push(seg(" → ", "gray"));
    segs.push(stageSeg(attempt, stage, index, reached, failedAt));
  });
  return segs;
}

function stageSeg(
  attempt: AttemptRow,
  stage: Stage,
  index: number,
  reached: number,
  failedAt: Stage | undefined,
): Seg {
  const label = stageLabel(attempt, stage);
  if (stage === failedAt) return seg(`${label} ✖`, "red", { bold: true });
  if (index > reached) return seg(label, "gray");
  if (index === reached && attempt.outcome === "running") return seg(`${label}…`, "cyan");
  if (index === reached && attempt.outcome !== "completed" && stage !== "dispatched") {
    return seg(label, "yellow");
  }
  return seg(`${label} ✔`, "green");
}

function stageLabel(attempt: AttemptRow, stage: Stage): string {
  switch (stage) {
    case "dispatched":
      return "dispatch";
    case "checks": {
      const failing = attempt.checks?.results.filter((r) => r.exitCode !== 0) ?? [];
      return failing.length > 0 ? `checks (${failing.map((r) => r.command).join(", ")})` : "checks";
    }
    case "critic":
      return attempt.verdict ? `critic ${attempt.verdict.overall}` : "critic";
    case "pr":
      return attempt.pr !== undefined ? `PR #${attempt.pr}` : "PR";
    case "merge":
      return "merge";
  }
}

export function verdictLines(verdict: VerdictRow, width: number, indent = ""): Line[] {
  const counts = verdict.sevCounts;
  const lines: Line[] = [
    [
      seg(`${indent}critic a${verdict.attempt}: `),
      seg(verdict.overall, verdictColor(verdict.overall, verdict.blocking), { bold: true }),
      seg(verdict.blocking ? " (blocks)" : "", "red"),
      seg(`  sev1 ${counts.sev1} sev2 ${counts.sev2} sev3 ${counts.sev3}`, "gray"),
    ],
  ];
  if (verdict.summary) lines.push(...wrap(verdict.summary, width, `${indent}  `, "white"));
  for (const finding of verdict.findings) {
    const where = finding.file ? ` ${finding.file}${finding.line ? `:${finding.line}` : ""}` : "";
    const color: Color =
      finding.severity === "sev1" ? "red" : finding.severity === "sev2" ? "yellow" : "gray";
    lines.push(
      ...wrap(
        `[${finding.severity}/${finding.category}]${where} ${finding.message}`,
        width,
        `${indent}  `,
        color,
      ),
    );
    if (finding.fix) lines.push(...wrap(`fix: ${finding.fix}`, width, `${indent}    `, "gray"));
  }
  return lines;
}

/** The Critic view's detail: the verdict with every finding, then its task's timeline. */
export function verdictDetail(verdict: VerdictRow | undefined, ctx: DetailContext): Line[] {
  if (!verdict) return [textLine("no verdict selected", "gray")];
  const head: Line[] = [
    textLine(
      `${dateTime(verdict.at)}  ${duration(verdict.durationMs)}` +
        (verdict.parseRetries ? `  ${verdict.parseRetries} parse retries` : "") +
        (verdict.pr !== undefined ? `  PR #${verdict.pr}` : ""),
      "gray",
    ),
    ...verdictLines(verdict, ctx.width),
  ];
  if (verdict.findings.length === 0) head.push(textLine("  no findings", "gray"));
  return head;
}

export function prDetail(pr: PrRow | undefined, ctx: DetailContext): Line[] {
  if (!pr) return [textLine("no pull request selected", "gray")];
  const lines: Line[] = [
    [seg(`PR #${pr.pr} `, "blue", { bold: true }), seg(`${pr.state}${pr.draft ? " (draft)" : ""}`)],
  ];
  if (pr.url) lines.push(textLine(pr.url, "gray"));
  if (pr.branch) lines.push(textLine(`${pr.branch} → ${pr.base ?? "?"}`, "gray"));
  lines.push(textLine(`checks: ${pr.checksState ?? "none reported"}`, checksColor(pr.checksState)));
  for (const check of pr.checks) {
    lines.push(textLine(`  ${check.name}: ${check.state}`, classColor[outcomeClass(check.state)]));
  }
  if (pr.mergedSha) {
    lines.push(textLine(`merged ${pr.mergedSha.slice(0, 12)} (${pr.mergeMethod ?? "?"})`, "green"));
  }
  if (pr.blockedReason) lines.push(...wrap(`blocked: ${pr.blockedReason}`, ctx.width, "", "red"));
  lines.push(textLine(""), ...taskDetail(ctx.state.tasks.get(String(pr.issue)), ctx));
  return lines;
}

function checksColor(state: PrRow["checksState"]): Color {
  return state === "passing" ? "green" : state === "failing" ? "red" : "yellow";
}

export function tickDetail(tick: TickRow | undefined, ctx: DetailContext): Line[] {
  if (!tick) return [textLine("no tick selected", "gray")];
  const ms = tickDurationMs(tick, ctx.nowMs);
  const lines: Line[] = [
    [
      seg(`tick ${tick.tick}`, "blue", { bold: true }),
      seg(tick.run > 0 ? `  run ${tick.run}` : "", "gray"),
    ],
    textLine(`started ${dateTime(tick.startedAt)}`),
    textLine(
      tick.completedAt
        ? `completed ${dateTime(tick.completedAt)} after ${duration(ms)}`
        : `running for ${duration(ms)}`,
    ),
    textLine(`${tick.candidates} candidates, ${tick.outcomes.length} outcomes`, "gray"),
  ];
  for (const outcome of tick.outcomes) {
    const title = ctx.state.tasks.get(String(outcome.issue))?.title;
    lines.push([
      seg(`  #${outcome.issue} `),
      seg(outcome.status, classColor[outcomeClass(outcome.status)]),
      seg(title ? `  ${title}` : "", undefined, { dim: true }),
    ]);
  }
  return lines;
}

export function workerDetail(worker: WorkerRow | undefined, ctx: DetailContext): Line[] {
  if (!worker) return [textLine("no worker running", "gray")];
  const stale = isStale(worker, ctx.nowMs);
  const lines: Line[] = [
    [
      seg(`#${worker.issue} a${worker.attempt} `, "cyan", { bold: true }),
      seg(`${worker.adapter ?? "?"}${worker.model ? `/${worker.model}` : ""}  ${worker.phase}`),
    ],
    [
      seg(`heartbeat ${duration(heartbeatAgeMs(worker, ctx.nowMs))} ago`, stale ? "red" : "green"),
      seg(stale ? "  STALE" : "", "red", { bold: true }),
      seg(`  idle ${duration(worker.idleMs)}`, "gray"),
    ],
    textLine(
      `started ${clockTime(worker.startedAt)}  turns ${worker.turns}  tools ${worker.toolUses}` +
        `  ${money(worker.costUsd)}${worker.tokens !== undefined ? `  ${worker.tokens} tokens` : ""}`,
    ),
  ];
  if (worker.lastTool) lines.push(textLine(`last tool ${worker.lastTool}`, "cyan"));
  lines.push(textLine(""), ...taskDetail(ctx.state.tasks.get(String(worker.issue)), ctx));
  return lines;
}

export function eventDetail(line: FeedLine | undefined, width: number): Line[] {
  if (!line) return [textLine("no event selected", "gray")];
  const lines: Line[] = [
    [
      seg(line.kind, undefined, { bold: true }),
      seg(line.seq !== undefined ? `  seq ${line.seq}` : "  (stream only)", "gray"),
    ],
    textLine(dateTime(line.at), "gray"),
  ];
  const json = JSON.stringify(line.payload, null, 2) ?? "{}";
  for (const text of json.split("\n")) lines.push(...wrap(text, width, ""));
  return lines;
}

function lastLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "")
    .slice(-TAIL_LINES);
}

/** Text wrapped to `width` columns, each continuation indented like the first line. */
export function wrap(text: string, width: number, indent: string, color?: Color): Line[] {
  const room = Math.max(10, width - indent.length);
  const chars = [...oneLine(text)];
  const lines: Line[] = [];
  for (let start = 0; start < chars.length || lines.length === 0; start += room) {
    lines.push([seg(indent + chars.slice(start, start + room).join(""), color)]);
    if (lines.length >= 40) break;
  }
  return lines;
}
