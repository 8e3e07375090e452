/**
 * One tick (ENGINE.md "One tick", steps 3–5): read the ready issues, plan and select,
 * enqueue, and dispatch claimed items into free slots. The attempts it starts run on;
 * the tick completes (`tick.completed`) when the last of them finishes.
 */

import { describeError } from "../../shared/errors.js";
import { taskEventKey, taskId, tickEventKey } from "../../store/contract/ids.js";
import type { Issue } from "../forge/types.js";
import { runAttempt } from "./attempt.js";
import type { AttemptOutcome, EngineContext } from "./context.js";
import { issueFingerprint, type Skip, selectIssues } from "./select.js";
import { leaseMs } from "./supervise.js";

export interface TickResult {
  tick: number;
  /** False when the tick changed nothing (no plan, skip or dispatch): it left no events. */
  recorded: boolean;
  /** Issues the tick could have worked (selected, whether or not a slot was free). */
  selected: number;
  skipped: Skip[];
  /** One promise per attempt dispatched; the tick completes when all settle. */
  attempts: Promise<AttemptOutcome>[];
}

/** Fingerprints are recomputed only when an issue changed since we last looked. */
export type FingerprintCache = Map<number, { updatedAt: string; fingerprint: string }>;

/**
 * `tick.started` is written just before the tick's first other event, so a tick that
 * changes nothing (every issue cooling down, in flight or done) leaves no trace in the log.
 */
function tickRecorder(ctx: EngineContext, tick: number, issues: readonly Issue[]) {
  let started = false;
  return {
    tick,
    get started() {
      return started;
    },
    begin() {
      if (started) return;
      started = true;
      ctx.emitter.emit(
        "tick.started",
        {
          tick,
          candidates: issues
            .slice(0, 200)
            .map((i) => ({ issue: i.number, title: i.title.slice(0, 200) })),
        },
        { key: tickEventKey("tick.started", tick), sagaId: `tick:${tick}` },
      );
    },
  };
}

type TickRecorder = ReturnType<typeof tickRecorder>;

export async function runTick(
  ctx: EngineContext,
  tick: number,
  cache: FingerprintCache,
): Promise<TickResult> {
  const issues = await ctx.tracker.listOpenWithLabel(ctx.config.labels.ready);
  const recorder = tickRecorder(ctx, tick, issues);
  const fingerprinted = await fingerprintAll(ctx, issues, cache);
  planChanged(ctx, fingerprinted, recorder);
  const { selected, skipped } = selectIssues({
    issues: fingerprinted,
    tasks: ctx.state().tasks,
    inFlight: new Set(ctx.runtime.running.keys()),
    retries: ctx.runtime.retries,
    nowMs: ctx.clock.now(),
    policy: {
      riskLabel: ctx.config.labels.risk,
      priorityPrefix: ctx.config.labels.priority_prefix,
      maxAttempts: ctx.config.scheduling.max_attempts,
    },
  });
  recordSkips(ctx, skipped, recorder);
  for (const candidate of selected) {
    ctx.queue.enqueue({
      dedupeKey: `issue:${candidate.issue.number}`,
      payload: { issue: candidate.issue.number, fingerprint: candidate.fingerprint },
    });
    ctx.runtime.retries.delete(candidate.issue.number);
  }
  const byNumber = new Map(fingerprinted.map((f) => [f.issue.number, f]));
  const attempts = await dispatch(ctx, tick, byNumber, recorder);
  return { tick, recorded: recorder.started, selected: selected.length, skipped, attempts };
}

async function fingerprintAll(
  ctx: EngineContext,
  issues: readonly Issue[],
  cache: FingerprintCache,
): Promise<{ issue: Issue; fingerprint: string }[]> {
  const out: { issue: Issue; fingerprint: string }[] = [];
  for (const issue of issues) {
    const cached = cache.get(issue.number);
    if (cached && cached.updatedAt === issue.updatedAt) {
      out.push({ issue, fingerprint: cached.fingerprint });
      continue;
    }
    const { comments } = await ctx.tracker.getIssue(issue.number);
    const fingerprint = issueFingerprint(issue, comments, ctx.briefs.worker.digest);
    cache.set(issue.number, { updatedAt: issue.updatedAt, fingerprint });
    out.push({ issue, fingerprint });
  }
  return out;
}

/** `task.planned` once per issue version: a new issue, or one whose fingerprint changed. */
function planChanged(
  ctx: EngineContext,
  issues: readonly { issue: Issue; fingerprint: string }[],
  recorder: TickRecorder,
): void {
  const tick = recorder.tick;
  for (const { issue, fingerprint } of issues) {
    if (ctx.state().tasks.get(String(issue.number))?.fingerprint === fingerprint) continue;
    recorder.begin();
    const priority = issue.labels
      .find((l) => l.startsWith(ctx.config.labels.priority_prefix))
      ?.slice(ctx.config.labels.priority_prefix.length);
    ctx.emitter.emit(
      "task.planned",
      {
        issue: issue.number,
        title: issue.title.slice(0, 300),
        labels: issue.labels.slice(0, 50),
        fingerprint,
        ...(priority ? { priority } : {}),
      },
      {
        key: taskEventKey("task.planned", issue.number, undefined, fingerprint),
        taskId: taskId(issue.number),
        sagaId: `tick:${tick}`,
      },
    );
  }
}

/** One `task.skipped` per issue, attempt and reason: a skip that lasts is not re-recorded each tick. */
function recordSkips(ctx: EngineContext, skipped: readonly Skip[], recorder: TickRecorder): void {
  const tick = recorder.tick;
  for (const skip of skipped) {
    const task = ctx.state().tasks.get(String(skip.issue));
    if (task?.skipReason === skip.reason) continue;
    const attempt = task?.attempt ?? 0;
    recorder.begin();
    ctx.emitter.emit(
      "task.skipped",
      { issue: skip.issue, reason: skip.reason, ...(skip.until ? { until: skip.until } : {}) },
      {
        key: taskEventKey(
          "task.skipped",
          skip.issue,
          attempt,
          `${skip.reason}${skip.until ? `:${skip.until}` : ""}`,
        ),
        taskId: taskId(skip.issue),
        sagaId: `tick:${tick}`,
      },
    );
  }
}

async function dispatch(
  ctx: EngineContext,
  tick: number,
  known: Map<number, { issue: Issue; fingerprint: string }>,
  recorder: TickRecorder,
): Promise<Promise<AttemptOutcome>[]> {
  const started: Promise<AttemptOutcome>[] = [];
  while (ctx.runtime.freeSlots(ctx.config.scheduling.parallel) > 0) {
    const claim = ctx.queue.claim(leaseMs(ctx));
    if (!claim) break;
    const issueNumber = Number(claim.payload.issue);
    const entry = known.get(issueNumber) ?? (await freshEntry(ctx, issueNumber));
    if (!entry || ctx.runtime.running.has(issueNumber)) {
      ctx.queue.ack(claim.id, claim.token);
      continue;
    }
    recorder.begin();
    const attempt = (ctx.state().tasks.get(String(issueNumber))?.attempt ?? 0) + 1;
    let resolveDone!: () => void;
    const running = {
      issue: issueNumber,
      attempt,
      tick,
      claim,
      heartbeats: 0,
      done: new Promise<void>((r) => {
        resolveDone = r;
      }),
    };
    ctx.runtime.running.set(issueNumber, running);
    started.push(
      startSoon(() => runAttempt(ctx, running, entry.issue, entry.fingerprint)).finally(() => {
        ctx.runtime.running.delete(issueNumber);
        resolveDone();
        // Woken on the next turn: the tick's completion and the drift guard (promise
        // callbacks on this attempt) must run before the loop can fill the freed slot.
        setImmediate(() => ctx.runtime.wake());
      }),
    );
  }
  return started;
}

/**
 * Starts an attempt on the next turn of the event loop: its first step spawns git, and a
 * spawn blocks the process while it forks, so the tick finishes dispatching first.
 */
async function startSoon<T>(work: () => Promise<T>): Promise<T> {
  await new Promise((resolve) => setImmediate(resolve));
  return work();
}

/** A queued item from an earlier tick: work it only if the issue is still open and ready. */
async function freshEntry(
  ctx: EngineContext,
  issue: number,
): Promise<{ issue: Issue; fingerprint: string } | undefined> {
  try {
    const { issue: data, comments } = await ctx.tracker.getIssue(issue);
    if (data.state !== "open" || !data.labels.includes(ctx.config.labels.ready)) return undefined;
    return { issue: data, fingerprint: issueFingerprint(data, comments, ctx.briefs.worker.digest) };
  } catch (err) {
    ctx.report(`forge-loop: could not read issue #${issue}: ${describeError(err)}`);
    return undefined;
  }
}
