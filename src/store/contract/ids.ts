/**
 * Identifiers shared by every room: task ids (`issue:<n>`), saga ids (`tick:<n>`) and the
 * deterministic idempotency keys of EVENTS.md (`<kind>:<task_id or tick>:a<attempt>[:<disc>]`).
 * The same step re-run after a crash builds the same key, so the log appends nothing new.
 */

export type TaskId = `issue:${number}`;
export type SagaId = `tick:${number}`;

export function taskId(issue: number): TaskId {
  return `issue:${issue}`;
}

export function sagaId(tick: number): SagaId {
  return `tick:${tick}`;
}

/** `issue:42` → 42; anything else → undefined. */
export function issueOfTaskId(id: string | null | undefined): number | undefined {
  if (!id) return undefined;
  const match = /^issue:(\d+)$/.exec(id);
  return match ? Number(match[1]) : undefined;
}

/** Key of an event about one attempt (or the task as a whole when attempt is omitted). */
export function taskEventKey(
  kind: string,
  issue: number,
  attempt?: number,
  discriminator?: string | number,
): string {
  const base = `${kind}:${taskId(issue)}`;
  const withAttempt = attempt === undefined ? base : `${base}:a${attempt}`;
  return discriminator === undefined ? withAttempt : `${withAttempt}:${discriminator}`;
}

/** Key of an event about one tick, e.g. `tick.started:tick:17`. */
export function tickEventKey(kind: string, tick: number, discriminator?: string | number): string {
  const base = `${kind}:${sagaId(tick)}`;
  return discriminator === undefined ? base : `${base}:${discriminator}`;
}

/** Key of an event identified by its own id, e.g. `control.requested:<request_id>`. */
export function ownEventKey(kind: string, id: string): string {
  return `${kind}:${id}`;
}
