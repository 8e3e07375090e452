/**
 * The Control phase (ENGINE.md "Halt, resume, retry, kill"): every `control.requested`
 * not yet answered is applied and answered with `control.applied` (or rejected, with the
 * reason). Runs whenever the log changes, not only at tick start, so a command takes
 * effect within the poll interval while the engine runs.
 */
import type { StoredEvent } from "../../store/contract/envelope.js";
import { ownEventKey } from "../../store/contract/ids.js";
import { type PayloadOf, payloadSchemas } from "../../store/contract/kinds.js";
import { pendingControls } from "../../store/control/request.js";
import type { EventLog } from "../../store/log/event-log.js";
import type { EngineContext } from "./context.js";

type Request = PayloadOf<"control.requested">;
type Answer = { result: "applied" | "rejected"; detail: string };

/** Applies every pending request, oldest first. Returns how many were answered. */
export function applyPendingControls(ctx: EngineContext, log: EventLog): number {
  const pending = pendingControls(ctx.state());
  for (const entry of pending) {
    const event = log.since(entry.seq - 1, 1)[0];
    if (event?.kind !== "control.requested") continue;
    const parsed = payloadSchemas["control.requested"].safeParse(event.payload);
    const answer: Answer = parsed.success
      ? applyOne(ctx, parsed.data)
      : {
          result: "rejected",
          detail: `malformed request: ${parsed.error.issues[0]?.message ?? "invalid"}`,
        };
    answerRequest(ctx, event, entry.requestId, entry.command, answer);
  }
  return pending.length;
}

function answerRequest(
  ctx: EngineContext,
  request: StoredEvent,
  requestId: string,
  command: string,
  answer: Answer,
): void {
  const known = (["halt", "resume", "retry", "kill"] as const).find((c) => c === command) ?? "halt";
  ctx.emitter.emit(
    "control.applied",
    { request_id: requestId, command: known, result: answer.result, detail: answer.detail },
    {
      key: ownEventKey("control.applied", requestId),
      causalEventId: request.eventId,
      causalSequence: request.sequence,
    },
  );
}

function applyOne(ctx: EngineContext, request: Request): Answer {
  switch (request.command) {
    case "halt":
      return halt(ctx, request);
    case "resume":
      return resume(ctx, request);
    case "retry":
      return retry(ctx, request);
    case "kill":
      return kill(ctx, request);
  }
}

function isHalted(ctx: EngineContext): boolean {
  return ctx.state().loop.get("loop")?.status === "halted";
}

function halt(ctx: EngineContext, request: Request): Answer {
  const mode = request.mode ?? "drain";
  const wasHalted = isHalted(ctx);
  if (!wasHalted || mode === "now") {
    ctx.emitter.emit(
      "loop.halted",
      {
        reason: request.reason ?? "operator request",
        by: "operator",
        mode,
        ...(request.by ? { detail: `requested by ${request.by}` } : {}),
      },
      { key: ownEventKey("loop.halted", request.request_id) },
    );
  }
  if (mode === "now") {
    for (const running of ctx.runtime.running.values()) {
      running.stopRequested = "halted";
      void running.worker?.kill("halted now");
    }
    ctx.runtime.forgeWaits.interrupt("halt --now");
    return {
      result: "applied",
      detail: `halted now; stopping ${ctx.runtime.running.size} running attempt(s)`,
    };
  }
  const draining = ctx.runtime.running.size;
  return {
    result: "applied",
    detail: wasHalted
      ? "already halted"
      : draining > 0
        ? `halted; ${draining} attempt(s) finish their current phase and stop before merge`
        : "halted",
  };
}

function resume(ctx: EngineContext, request: Request): Answer {
  if (!isHalted(ctx)) return { result: "rejected", detail: "the loop is not halted" };
  ctx.emitter.emit(
    "loop.resumed",
    { by: request.by },
    { key: ownEventKey("loop.resumed", request.request_id) },
  );
  ctx.runtime.wake();
  return { result: "applied", detail: "resumed" };
}

function retry(ctx: EngineContext, request: Request): Answer {
  const issue = request.target;
  if (issue === undefined) return { result: "rejected", detail: "retry needs an issue number" };
  if (ctx.runtime.running.has(issue))
    return { result: "rejected", detail: `#${issue} is running now; kill it first` };
  ctx.queue.cancel(`issue:${issue}`);
  ctx.runtime.retries.set(issue, { force: request.force === true });
  ctx.runtime.wake();
  const when = isHalted(ctx) ? "after resume" : "at the next tick";
  return {
    result: "applied",
    detail: `#${issue} will be retried ${when}${request.force ? " (max_attempts bypassed)" : ""}`,
  };
}

function kill(ctx: EngineContext, request: Request): Answer {
  const issue = request.target;
  if (issue === undefined) return { result: "rejected", detail: "kill needs an issue number" };
  const running = ctx.runtime.running.get(issue);
  if (!running) return { result: "rejected", detail: `no attempt is running for #${issue}` };
  running.stopRequested = "killed";
  void running.worker?.kill("killed by the operator");
  return { result: "applied", detail: `killing #${issue} attempt ${running.attempt}` };
}
