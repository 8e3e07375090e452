/**
 * Operator commands: the one thing the UI writes. A request is a `control.requested`
 * event; the engine answers it with `control.applied` (ENGINE.md). The request id is
 * random and the idempotency key derives from it, so a retried append of the same request
 * never doubles it, while two requests never merge.
 */
import { randomBytes } from "node:crypto";
import { ownEventKey, taskId } from "../contract/ids.js";
import { type PayloadOf, validatePayload } from "../contract/kinds.js";
import type { EventLog } from "../log/event-log.js";
import type { LoopState, PendingControl } from "../projections/types.js";

export type ControlRequest = Omit<PayloadOf<"control.requested">, "request_id">;

export interface RequestedControl {
  requestId: string;
  sequence: number;
}

/**
 * Appends a `control.requested` event (payload checked against the contract first: a bad
 * request throws `ContractViolation` and writes nothing). Returns the request id to wait
 * for in `control.applied`.
 */
export function requestControl(
  store: { log: Pick<EventLog, "append"> },
  request: ControlRequest,
): RequestedControl {
  const requestId = randomBytes(16).toString("hex");
  const payload = validatePayload("control.requested", { ...request, request_id: requestId });
  const { event } = store.log.append({
    kind: "control.requested",
    payload,
    idempotencyKey: ownEventKey("control.requested", requestId),
    taskId: payload.target === undefined ? null : taskId(payload.target),
  });
  return { requestId, sequence: event.sequence };
}

/** Requests not answered yet, oldest first. */
export function pendingControls(state: LoopState): PendingControl[] {
  const loop = state.loop.get("loop");
  return Object.values(loop?.pendingControls ?? {}).sort((a, b) => a.seq - b.seq);
}
