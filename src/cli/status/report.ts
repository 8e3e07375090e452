/**
 * What `forge-loop status` says, built from the store alone: is an engine alive, what
 * state the loop is in, how busy it is, and how each task stands.
 */

import { formatAge, isHolderAlive, type WriterLock } from "../../store/log/writer-lock.js";
import type { LoopState, TaskRow } from "../../store/projections/types.js";
import type { QueueDepth } from "../../store/queue/queue.js";

export interface StatusReport {
  engine: { alive: boolean; pid?: number; host?: string; lastSeen?: string; lastSeenAgo?: string };
  loop: {
    status: string;
    repo?: string;
    tick?: number;
    slotsUsed: number;
    parallel?: number;
    haltReason?: string;
  };
  queue?: QueueDepth;
  lastEvent?: { seq: number; at?: string; ago?: string };
  tasks: {
    issue: number;
    title?: string;
    status: string;
    attempt: number;
    pr?: number;
    lastReason?: string;
    lastError?: string;
    retryAt?: string;
  }[];
  lastFailure?: { issue: number; attempt: number; reason?: string; error?: string; at?: string };
}

export function buildStatus(
  state: LoopState,
  lock: WriterLock | undefined,
  queue: QueueDepth | undefined,
  now: number,
  host: string,
): StatusReport {
  const loop = state.loop.get("loop");
  const alive = lock !== undefined && isHolderAlive(lock, now, host);
  const seen = lock ? (lock.releasedAt ?? lock.heartbeatAt) : undefined;
  const tasks = [...state.tasks.values()].sort((a, b) => a.issue - b.issue);
  return {
    engine: {
      alive,
      ...(lock ? { pid: lock.pid, host: lock.host } : {}),
      ...(seen ? { lastSeen: seen, lastSeenAgo: formatAge(now - Date.parse(seen)) } : {}),
    },
    loop: {
      status: alive ? (loop?.status ?? "unknown") : "not running",
      ...(loop?.repo ? { repo: loop.repo } : {}),
      ...(loop?.tick !== undefined ? { tick: loop.tick } : {}),
      slotsUsed: state.workers.size,
      ...(loop?.parallel ? { parallel: loop.parallel } : {}),
      ...(loop?.haltReason ? { haltReason: loop.haltReason } : {}),
    },
    ...(queue ? { queue } : {}),
    ...(state.seq > 0
      ? {
          lastEvent: {
            seq: state.seq,
            ...(loop?.lastEventAt
              ? { at: loop.lastEventAt, ago: formatAge(now - Date.parse(loop.lastEventAt)) }
              : {}),
          },
        }
      : {}),
    tasks: tasks.map(taskLine),
    ...lastFailure(tasks),
  };
}

function taskLine(t: TaskRow): StatusReport["tasks"][number] {
  return {
    issue: t.issue,
    ...(t.title ? { title: t.title } : {}),
    status: t.status,
    attempt: t.attempt,
    ...(t.pr ? { pr: t.pr } : {}),
    ...(t.lastReason ? { lastReason: t.lastReason } : {}),
    ...(t.lastError ? { lastError: t.lastError } : {}),
    ...(t.retryAt ? { retryAt: t.retryAt } : {}),
  };
}

function lastFailure(tasks: TaskRow[]): Pick<StatusReport, "lastFailure"> {
  let best: StatusReport["lastFailure"] & { seq: number } = { issue: 0, attempt: 0, seq: -1 };
  for (const t of tasks) {
    for (const a of t.attempts) {
      if (a.outcome === "failed" && (a.endSeq ?? 0) > best.seq) {
        best = {
          issue: t.issue,
          attempt: a.attempt,
          seq: a.endSeq ?? 0,
          ...(a.reason ? { reason: a.reason } : {}),
          ...(a.error ? { error: a.error } : {}),
          ...(a.endedAt ? { at: a.endedAt } : {}),
        };
      }
    }
  }
  if (best.seq < 0) return {};
  const { seq: _seq, ...failure } = best;
  return { lastFailure: failure };
}

const oneLine = (text: string, max: number) => {
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

export function renderStatus(r: StatusReport): string {
  const lines: string[] = [];
  const engine = r.engine.alive
    ? `engine running (pid ${r.engine.pid} on ${r.engine.host}, heartbeat ${r.engine.lastSeenAgo} ago)`
    : `no engine running${r.engine.lastSeenAgo ? ` (last seen ${r.engine.lastSeenAgo} ago${r.engine.pid ? `, pid ${r.engine.pid} on ${r.engine.host}` : ""})` : ""}`;
  lines.push(`${r.loop.repo ?? "forge-loop"}: ${engine}`);
  const slots = r.loop.parallel
    ? `${r.loop.slotsUsed}/${r.loop.parallel}`
    : String(r.loop.slotsUsed);
  lines.push(
    `loop ${r.loop.status}${r.loop.haltReason ? ` (${r.loop.haltReason})` : ""}  tick ${r.loop.tick ?? "-"}  slots ${slots}${r.queue ? `  queue ${r.queue.ready} ready, ${r.queue.delayed} delayed, ${r.queue.inFlight} in flight, ${r.queue.dead} dead` : ""}`,
  );
  if (r.lastEvent)
    lines.push(`last event #${r.lastEvent.seq}${r.lastEvent.ago ? ` ${r.lastEvent.ago} ago` : ""}`);
  if (r.tasks.length > 0) {
    lines.push("");
    for (const t of r.tasks) {
      const detail = [
        t.pr ? `PR #${t.pr}` : "",
        t.lastReason && t.status !== "merged" ? t.lastReason : "",
        t.retryAt && t.status !== "merged" ? `retry ${t.retryAt}` : "",
      ]
        .filter(Boolean)
        .join("  ");
      lines.push(
        `#${String(t.issue).padEnd(5)} ${t.status.padEnd(12)} a${t.attempt}  ${oneLine(t.title ?? "", 50).padEnd(50)}  ${detail}`,
      );
    }
  }
  if (r.lastFailure) {
    lines.push(
      "",
      `last failure: #${r.lastFailure.issue} a${r.lastFailure.attempt} ${r.lastFailure.reason ?? ""}${r.lastFailure.error ? `: ${oneLine(r.lastFailure.error, 200)}` : ""}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
