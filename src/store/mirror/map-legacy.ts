/**
 * The legacy mirror's mapping (EVENTS.md "The legacy mirror"): one record of the Python
 * runner's JSONL (`{"ts", "kind", ...}`) becomes the durable events of the table below. A
 * pure step `(state, record) → { state, events }`: the only thing carried from record to
 * record is which runner process (`run`) the ticks belong to, and the last good time.
 *
 * Every event's payload is the record without `ts`/`kind`, plus:
 * - `legacy_kind`; `status` where the mapping implies one (failed, timeout, merged,
 *   compensated); `reason = <legacy kind>` on loop halts; `run` on tick events;
 *   `worker_ref`, the record's worker reference (the first of session_id, worker_id,
 *   worker, thread_id, log_path, worktree, branch), so readers need not know that order.
 *   Where the record already had a different value under one of these names, it is kept
 *   as `legacy_<name>`: nothing in the record is lost.
 * - Events derived from one element of a list carry that element instead of the whole
 *   record: `po_done` gives one `task.planned` per expanded issue (the record, with `issue`
 *   set to that issue); `tick_done` gives, per outcome, the outcome with `tick`.
 *
 * `task_id = issue:<n>` from `issue`, else `number` (numbers or numeric strings, > 0);
 * `saga_id = tick:<n>` from the record's own `tick` (records without one get no saga:
 * guessing from the tick around them would be wrong for work that outlives a tick).
 *
 * Time: `occurred_at` is the record's `ts`, normalised (see legacy-time.ts). A `ts` that
 * is missing or does not parse borrows the last good time before it (so the log stays in
 * time order) and the raw value is kept as `legacy_ts`; so is a `ts` that normalising
 * changed (e.g. microseconds cut).
 *
 * Idempotency key: `mirror:<the record's own normalised ts, or "-">:<sha256 of the record's
 * canonical JSON, ts included, first 128 bits in hex>:<index of the event among the
 * record's events>`. Derived from the record alone: mirroring a file twice appends nothing
 * new, and distinct records never merge, whatever they carry (or lack). Two records
 * identical in every field, `ts` included, are the same record written twice: one set of
 * events. The time prefix is there for speed: keys arrive in nearly ascending order, so
 * the log's unique index grows at its right edge instead of at random pages (about 30%
 * faster appends on a large log); 128 bits keep collisions out of reach.
 *
 * Runs: a `loop_start` record, or a tick lower than the run's highest, starts a new run
 * (the runner's tick counter restarts in every process). Run 0 holds the ticks before the
 * file's first `loop_start` (a file that begins mid-process).
 *
 * Kinds not in the table are not mapped (the caller counts them); no event is invented.
 */
import { hash } from "node:crypto";
import { canonicalCopy, canonicalJson, setField, sortedKeys } from "../contract/canonical-json.js";
import type { AppendInput } from "../contract/envelope.js";
import { sagaId, taskId } from "../contract/ids.js";
import { intField, isRecord, stringField } from "../projections/fields.js";
import { normaliseLegacyTs } from "./legacy-time.js";

export interface MirrorState {
  /** The runner process the next ticks belong to. */
  run: number;
  /** The highest tick seen in this run. */
  lastTick?: number;
  /** The last normalised `ts`, lent to a record whose own `ts` is missing or bad. */
  lastOccurredAt?: string;
}

export const initialMirrorState: MirrorState = { run: 0 };

/** What every mirrored event's idempotency key starts with, and no other writer's does. */
export const MIRROR_KEY_PREFIX = "mirror:";

export interface MirrorStep {
  state: MirrorState;
  events: AppendInput[];
  /**
   * `unmapped`: the kind is not in the mapping table; `too_deep`: nested past
   * MAX_RECORD_DEPTH, more than canonical JSON (recursive) can safely walk. Neither yields
   * events.
   */
  outcome: "mapped" | "unmapped" | "too_deep";
}

/**
 * Real records nest a few levels. The JSONL reader already refuses deeper lines; this
 * keeps the mapping itself from throwing on whatever object it is handed.
 */
export const MAX_RECORD_DEPTH = 256;

type Payload = Record<string, unknown>;

/** What a rule sees of one record. */
interface Source {
  kind: string;
  /**
   * The record, every object in it with its keys in sorted order: payloads are built from
   * its parts in that order, so the log stores them without sorting them again.
   */
  record: Payload;
  /** The record without `ts` and `kind` (and with `legacy_ts` when needed). */
  body: Payload;
  issue?: number;
  run: number;
}

/** An event before its envelope: the issue overrides the record's (list elements). */
interface Draft {
  kind: string;
  payload: Payload;
  issue?: number;
}

type Rule = (src: Source) => Draft[];

const HALTS = ["loop_drift_halt", "deploy_drift_halt", "max_ticks_reached", "loop_stop"];
const CRITIC_VERDICTS = [
  "critic_verdict_merged",
  "critic_verdict_blocked",
  "critic_verdict_revising",
  "critic_verdict_unknown",
];
const WORKER_REF_FIELDS = [
  "session_id",
  "worker_id",
  "worker",
  "thread_id",
  "log_path",
  "worktree",
  "branch",
];

/** worker_done / tick_done outcome statuses and the terminal kind each implies. */
const TERMINAL_BY_STATUS: ReadonlyMap<string, string> = new Map([
  ["merged", "task.completed"],
  ["open", "task.completed"],
  ["failed", "task.failed"],
  ["no_pr", "task.failed"],
  ["timeout", "task.failed"],
  ["stale", "task.failed"],
  ["compensated", "task.compensated"],
]);

const one =
  (kind: string, implied: Payload = {}): Rule =>
  (src) => [{ kind, payload: payloadOf(src, implied) }];

const rules: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  ["loop_start", () => []],
  ["tick_start", (src) => [{ kind: "tick.started", payload: payloadOf(src, { run: src.run }) }]],
  ["tick_done", tickDone],
  ["po_done", poDone],
  ["worker_start", one("task.dispatched")],
  ["worker_started", one("task.dispatched")],
  ["worker_iteration_attempt", one("task.dispatched")],
  ["worker_session_transition", sessionTransition],
  ["worker_done", workerDone],
  ["worker_failed", one("task.failed", { status: "failed" })],
  ["stage_timeout", stage("timeout")],
  ["stage_error", stage("failed")],
  ["critic_done", critique],
  ...CRITIC_VERDICTS.map((kind): [string, Rule] => [kind, critique]),
  ["merge_refused_issue_closed", one("merge.blocked")],
  ["post_critic_automerge_failed", one("merge.blocked")],
  ["post_critic_automerge_enabled", one("pr.merged", { status: "merged" })],
  ["worker_work_rescued", one("task.compensated", { status: "compensated" })],
  ["worktree_reaped", one("worktree.reaped")],
  ...HALTS.map((kind): [string, Rule] => [kind, one("loop.halted", { reason: kind })]),
]);

/** Every legacy kind the table maps (`watchdog_*` stands for any kind with that prefix). */
export const LEGACY_KINDS: readonly string[] = [
  ...rules.keys(),
  "watchdog_worker_stuck",
  "watchdog_worker_killed",
];

const heartbeat = one("task.heartbeat");

function ruleFor(kind: string): Rule | undefined {
  if (kind.startsWith("watchdog_")) return heartbeat;
  return rules.get(kind);
}

export function mapLegacyRecord(state: MirrorState, record: Payload): MirrorStep {
  if (nestedDeeperThan(record, MAX_RECORD_DEPTH)) return { state, events: [], outcome: "too_deep" };
  const kind = typeof record.kind === "string" ? record.kind : undefined;
  const tick = intField(record, "tick");
  const normalised = normaliseLegacyTs(record.ts);
  // Every record moves the state, mapped or not: any of them may show a new run.
  const next = nextState(state, kind, tick, normalised);
  const rule = kind === undefined ? undefined : ruleFor(kind);
  if (kind === undefined || rule === undefined)
    return { state: next, events: [], outcome: "unmapped" };

  const sorted = canonicalCopy(record) as Payload;
  const rest = withoutTsAndKind(sorted);
  const ts = sorted.ts;
  const body = ts === undefined || ts === normalised ? rest : withImplied(rest, { legacy_ts: ts });
  const src: Source = { kind, record: sorted, body, run: next.run };
  const issue = issueIn(record.issue) ?? issueIn(record.number);
  if (issue !== undefined) src.issue = issue;

  const occurredAt = next.lastOccurredAt;
  // JSON.stringify of the sorted copy is the record's canonical JSON.
  const keyPrefix = `${MIRROR_KEY_PREFIX}${normalised ?? "-"}:${hash("sha256", JSON.stringify(sorted)).slice(0, 32)}`;
  const events = rule(src).map((draft, index): AppendInput => {
    const event: AppendInput = {
      kind: draft.kind,
      payload: draft.payload,
      idempotencyKey: `${keyPrefix}:${index}`,
      taskId: taskOf(draft.issue ?? src.issue),
      sagaId: tick === undefined ? null : sagaId(tick),
    };
    if (occurredAt !== undefined) event.occurredAt = occurredAt;
    return event;
  });
  return { state: next, events, outcome: "mapped" };
}

function nextState(
  state: MirrorState,
  kind: string | undefined,
  tick: number | undefined,
  occurredAt: string | undefined,
): MirrorState {
  let { run, lastTick } = state;
  if (kind === "loop_start") {
    run += 1;
    lastTick = undefined;
  } else if (tick !== undefined) {
    if (lastTick !== undefined && tick < lastTick) run += 1;
    lastTick = tick;
  }
  return { run, lastTick, lastOccurredAt: occurredAt ?? state.lastOccurredAt };
}

function tickDone(src: Source): Draft[] {
  const drafts: Draft[] = [{ kind: "tick.completed", payload: payloadOf(src, { run: src.run }) }];
  const outcomes = Array.isArray(src.record.outcomes) ? src.record.outcomes : [];
  for (const outcome of outcomes) {
    if (!isRecord(outcome)) continue;
    const issue = issueIn(outcome.issue) ?? issueIn(outcome.number);
    const payload = withImplied(outcome, {
      legacy_kind: src.kind,
      tick: src.record.tick,
      worker_ref: workerRef(outcome),
    });
    const at = (kind: string): Draft =>
      issue === undefined ? { kind, payload } : { kind, payload, issue };
    const status = lower(stringField(outcome, "status"));
    const terminal = status === undefined ? undefined : TERMINAL_BY_STATUS.get(status);
    if (hasPrUrl(outcome)) drafts.push(at("pr.opened"));
    if (terminal) drafts.push(at(terminal));
    if (status === "merged") drafts.push(at("pr.merged"));
  }
  return drafts;
}

function poDone(src: Source): Draft[] {
  const expanded = Array.isArray(src.record.expanded) ? src.record.expanded : [];
  return expanded.flatMap((value): Draft[] => {
    const issue = issueIn(value);
    if (issue === undefined) return [];
    return [{ kind: "task.planned", payload: payloadOf(src, { issue }), issue }];
  });
}

/** By the new state (upper or lower case): awaiting_critic, abandoned, merged, else a dispatch. */
function sessionTransition(src: Source): Draft[] {
  switch (lower(stringField(src.record, "new_state"))) {
    case "awaiting_critic":
      return one("pr.opened")(src);
    case "abandoned":
      return one("task.failed", { status: "failed" })(src);
    case "merged": {
      const payload = payloadOf(src, { status: "merged" });
      return [
        { kind: "task.completed", payload },
        { kind: "pr.merged", payload },
      ];
    }
    default:
      return one("task.dispatched")(src);
  }
}

/** pr.opened when it has a PR URL, then by status; an unknown status is an observation. */
function workerDone(src: Source): Draft[] {
  const payload = payloadOf(src);
  const status = lower(stringField(src.record, "status"));
  const terminal = status === undefined ? undefined : TERMINAL_BY_STATUS.get(status);
  const drafts: Draft[] = [];
  if (hasPrUrl(src.record)) drafts.push({ kind: "pr.opened", payload });
  drafts.push({ kind: terminal ?? "worker.observation", payload });
  return drafts;
}

/** The worker stage failing is the attempt failing; other stages are observations. */
function stage(status: "timeout" | "failed"): Rule {
  return (src) =>
    lower(stringField(src.record, "stage")) === "worker"
      ? one("task.failed", { status })(src)
      : one("worker.observation")(src);
}

function critique(src: Source): Draft[] {
  const payload = payloadOf(src);
  const verdict = lower(stringField(src.record, "verdict"));
  const blocked =
    src.kind === "critic_verdict_blocked" || verdict === "blocked" || verdict === "block";
  const drafts: Draft[] = [{ kind: "critique.issued", payload }];
  if (blocked) drafts.push({ kind: "merge.blocked", payload });
  return drafts;
}

function payloadOf(src: Source, implied: Payload = {}): Payload {
  return withImplied(src.body, {
    legacy_kind: src.kind,
    worker_ref: workerRef(src.record),
    ...implied,
  });
}

/**
 * `base` with `implied` fields set (undefined ones skipped), keys in sorted order. A
 * different value the base had under an implied name is kept as `legacy_<name>`.
 */
function withImplied(base: Payload, implied: Payload): Payload {
  const fields: Payload = { ...base };
  for (const name in implied) {
    const value = implied[name];
    if (value === undefined) continue;
    if (Object.hasOwn(base, name) && !sameJson(base[name], value)) {
      fields[`legacy_${name}`] = base[name];
    }
    fields[name] = value;
  }
  const out: Payload = {};
  for (const key of sortedKeys(fields)) setField(out, key, fields[key]);
  return out;
}

/** The record's fields but `ts` and `kind`, in the order they come. */
function withoutTsAndKind(record: Payload): Payload {
  const out: Payload = {};
  for (const key of Object.keys(record)) {
    if (key !== "ts" && key !== "kind") setField(out, key, record[key]);
  }
  return out;
}

function sameJson(a: unknown, b: unknown): boolean {
  return a === b || canonicalJson(a) === canonicalJson(b);
}

function workerRef(record: Payload): string | undefined {
  for (const name of WORKER_REF_FIELDS) {
    const value = record[name];
    if (value !== undefined && value !== null) {
      return typeof value === "string" ? value : canonicalJson(value);
    }
  }
  return undefined;
}

function hasPrUrl(record: Payload): boolean {
  return stringField(record, "pr_url", "pr") !== undefined || (intField(record, "pr") ?? 0) > 0;
}

/** An issue number: a positive integer, or a string of one (`"427"`, `"#427"`). */
function issueIn(value: unknown): number | undefined {
  const n = intField({ value }, "value");
  return n !== undefined && n > 0 ? n : undefined;
}

function taskOf(issue: number | undefined): string | null {
  return issue === undefined ? null : taskId(issue);
}

/** Recursion stops at `limit`, so it is bounded however deep the value goes. */
function nestedDeeperThan(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== "object") return false;
  if (limit === 0) return true;
  // Plain loops: this runs on every record, and closures per array add up.
  if (Array.isArray(value)) {
    for (const item of value) if (nestedDeeperThan(item, limit - 1)) return true;
    return false;
  }
  for (const key in value) {
    if (nestedDeeperThan((value as Payload)[key], limit - 1)) return true;
  }
  return false;
}

function lower(text: string | undefined): string | undefined {
  return text?.toLowerCase();
}
