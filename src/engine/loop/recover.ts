/**
 * Boot recovery (ENGINE.md step 2, ARCHITECTURE.md "Processes"): a crashed engine loses
 * nothing. We hold the writer lock, so every lease and every attempt the log shows as
 * running belongs to a dead engine: stop its worker if it survived, compensate the
 * attempt, return the queue item, close ticks left open, and reap orphan worktrees.
 * Every event here has a deterministic key, so recovering twice records nothing twice.
 */
import { existsSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { describeError } from "../../shared/errors.js";
import { taskEventKey, taskId, tickEventKey } from "../../store/contract/ids.js";
import type { Queue } from "../../store/queue/queue.js";
import { reapOrphanWorktrees } from "../git/worktree.js";
import type { EngineContext } from "./context.js";

export async function recoverAtBoot(ctx: EngineContext, queueAsIfLater: Queue): Promise<void> {
  queueAsIfLater.reclaimExpired();
  compensateRunningAttempts(ctx);
  closeOpenTicks(ctx);
  await reapOrphans(ctx);
}

function compensateRunningAttempts(ctx: EngineContext): void {
  for (const worker of [...ctx.state().workers.values()]) {
    const logDir = attemptLogDir(ctx, worker.issue, worker.attempt);
    const stopped = stopOrphanWorker(logDir, ctx);
    ctx.emitter.emit(
      "task.compensated",
      {
        issue: worker.issue,
        attempt: worker.attempt,
        action: "lease_reclaimed",
        detail: `the engine stopped while this attempt ran (phase ${worker.phase})${stopped ? `; ${stopped}` : ""}`,
      },
      {
        key: taskEventKey("task.compensated", worker.issue, worker.attempt),
        taskId: taskId(worker.issue),
      },
    );
  }
}

export function attemptLogDir(ctx: EngineContext, issue: number, attempt: number): string {
  return join(ctx.paths.logsDir, taskId(issue).replace(":", "-"), `a${attempt}`);
}

/**
 * A worker leads its own process group, so it can outlive a SIGKILLed engine. Its pid is
 * recorded at spawn; we signal the group only when that pid still runs in the attempt's
 * worktree (so a recycled pid is never hit).
 */
function stopOrphanWorker(logDir: string, ctx: EngineContext): string | undefined {
  for (const sub of ["worker", "critic", "critic-retry"]) {
    const pidFile = join(logDir, sub, "worker.pid");
    if (!existsSync(pidFile)) continue;
    const pid = Number(readFileSync(pidFile, "utf8").trim());
    if (!Number.isInteger(pid) || pid <= 1 || !runsUnder(pid, ctx.config.paths.worktree_root))
      continue;
    try {
      process.kill(-pid, "SIGKILL");
      return `stopped its orphaned worker (pid ${pid})`;
    } catch (err) {
      ctx.report(`forge-loop: could not stop orphaned worker ${pid}: ${describeError(err)}`);
    }
  }
  return undefined;
}

function runsUnder(pid: number, root: string): boolean {
  try {
    return readlinkSync(`/proc/${pid}/cwd`).startsWith(root);
  } catch {
    return false;
  }
}

function closeOpenTicks(ctx: EngineContext): void {
  for (const tick of [...ctx.state().ticks.values()]) {
    if (tick.completedAt !== undefined) continue;
    ctx.emitter.emit(
      "tick.completed",
      {
        tick: tick.tick,
        duration_ms: 0,
        outcomes: [],
        ...(tick.run ? { run: tick.run } : {}),
      },
      { key: tickEventKey("tick.completed", tick.tick), sagaId: `tick:${tick.tick}` },
    );
  }
}

async function reapOrphans(ctx: EngineContext): Promise<void> {
  try {
    const outcomes = await reapOrphanWorktrees(ctx.repoDir, ctx.config.paths.worktree_root, []);
    for (const outcome of outcomes) {
      if (outcome.action !== "removed" || outcome.issue === undefined) continue;
      const attempt = ctx.state().tasks.get(String(outcome.issue))?.attempt ?? 0;
      ctx.emitter.emit(
        "worktree.reaped",
        { issue: outcome.issue, path: outcome.path, reason: "orphaned by an engine that stopped" },
        {
          key: taskEventKey("worktree.reaped", outcome.issue, attempt, "orphan"),
          taskId: taskId(outcome.issue),
        },
      );
    }
  } catch (err) {
    ctx.report(`forge-loop: reaping orphan worktrees failed: ${describeError(err)}`);
  }
}
