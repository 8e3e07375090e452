/**
 * Runs one worker (the agent or the critic) for an attempt: progress goes to the operator
 * stream as `worker.observation`, the durable log gets a coalesced `task.heartbeat` at
 * most every `heartbeat_interval_s`, and each heartbeat extends the queue lease.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { taskEventKey, taskId } from "../../store/contract/ids.js";
import type { WorkerProgress, WorkerResult, WorkerSpec } from "../workers/types.js";
import type { AttemptScope } from "./attempt.js";
import type { EngineContext } from "./context.js";
import type { RunningAttempt } from "./runtime.js";

interface Counters {
  turns: number;
  toolUses: number;
  lastTool?: string;
  lastOutputAt: number;
  observations: number;
}

export async function superviseWorker(
  scope: AttemptScope,
  spec: WorkerSpec,
  brief: string,
  cwd: string,
  logDir: string,
): Promise<WorkerResult> {
  const { ctx, running } = scope;
  const counters: Counters = {
    turns: 0,
    toolUses: 0,
    lastOutputAt: ctx.clock.now(),
    observations: 0,
  };
  const handle = ctx.startWorker({
    spec,
    brief,
    cwd,
    logDir,
    onProgress: (progress) => onProgress(ctx, running, counters, progress),
  });
  running.worker = handle;
  if (handle.pid !== undefined) writeFileSync(join(logDir, "worker.pid"), `${handle.pid}\n`);
  if (running.stopRequested) void handle.kill(running.stopRequested);
  const intervalMs = ctx.config.heartbeat_interval_s * 1000;
  const timer = setInterval(() => {
    running.heartbeats++;
    heartbeat(ctx, running, counters, running.heartbeats);
  }, intervalMs);
  try {
    const result = await handle.done;
    scope.costUsd += result.costUsd ?? 0;
    counters.turns = Math.max(counters.turns, result.turns);
    counters.toolUses = Math.max(counters.toolUses, result.toolUses);
    // A closing heartbeat carries the run's final counts and the attempt's cost so far.
    running.heartbeats++;
    heartbeat(ctx, running, counters, running.heartbeats, scope.costUsd);
    return result;
  } finally {
    clearInterval(timer);
    running.worker = undefined;
  }
}

function onProgress(
  ctx: EngineContext,
  running: RunningAttempt,
  counters: Counters,
  progress: WorkerProgress,
): void {
  counters.lastOutputAt = ctx.clock.now();
  if (progress.type === "turn") counters.turns++;
  if (progress.type === "tool_started") {
    counters.toolUses++;
    counters.lastTool = progress.name;
  }
  if (progress.type !== "observation") return;
  if (progress.what === "tool") counters.lastTool = progress.summary;
  const payload = {
    issue: running.issue,
    attempt: running.attempt,
    what: progress.what,
    summary: progress.summary.slice(0, 500),
  };
  counters.observations++;
  if (ctx.config.durable_observations) {
    ctx.emitter.emit("worker.observation", payload, {
      key: taskEventKey(
        "worker.observation",
        running.issue,
        running.attempt,
        `o${counters.observations}:${counters.lastOutputAt}`,
      ),
      taskId: taskId(running.issue),
    });
  } else {
    ctx.emitter.observe("worker.observation", { task_id: taskId(running.issue), ...payload });
  }
}

function heartbeat(
  ctx: EngineContext,
  running: RunningAttempt,
  counters: Counters,
  beat: number,
  costUsd?: number,
): void {
  const { issue, attempt, claim } = running;
  try {
    ctx.queue.heartbeat(claim.id, claim.token, leaseMs(ctx));
    ctx.emitter.emit(
      "task.heartbeat",
      {
        issue,
        attempt,
        turns: counters.turns,
        tool_uses: counters.toolUses,
        ...(counters.lastTool ? { last_tool: counters.lastTool.slice(0, 200) } : {}),
        idle_ms: Math.max(0, ctx.clock.now() - counters.lastOutputAt),
        ...(costUsd ? { cost_usd: costUsd } : {}),
      },
      { key: taskEventKey("task.heartbeat", issue, attempt, `n${beat}`), taskId: taskId(issue) },
    );
  } catch (err) {
    ctx.report(`forge-loop: heartbeat for #${issue} a${attempt} failed: ${(err as Error).message}`);
  }
}

/** A lease outlives a few missed heartbeats, and is reclaimed soon after a crash. */
export function leaseMs(ctx: EngineContext): number {
  return Math.max(60_000, ctx.config.heartbeat_interval_s * 4 * 1000);
}
