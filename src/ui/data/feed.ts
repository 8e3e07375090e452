/**
 * The event feed: durable events and JSONL records (ours, or the Python runner's legacy
 * lines) as one kind of line, each with a one-line summary of what happened. Payloads are
 * read leniently: any shape gives a line, never an error.
 */
import type { StoredEvent } from "../../store/contract/envelope.js";
import { issueOfTaskId } from "../../store/contract/ids.js";
import {
  arrayField,
  attemptOf,
  booleanField,
  durationMsOf,
  intField,
  isRecord,
  numberField,
  prOf,
  recordField,
  stringField,
} from "../../store/projections/fields.js";
import { duration, money, oneLine } from "../format.js";

export interface FeedLine {
  /** Unique in this process, increasing: a line's identity in lists (ring buffers shift). */
  id: number;
  /** Sequence of the durable event; absent for stream-only records (worker observations). */
  seq?: number;
  at: string;
  kind: string;
  issue?: number;
  attempt?: number;
  summary: string;
  /** The record as written, for the detail pane. */
  payload: Record<string, unknown>;
}

let lastId = 0;

export function feedLineOfEvent(event: StoredEvent): FeedLine {
  const issue = intField(event.payload, "issue", "number") ?? issueOfTaskId(event.taskId);
  return withIds(
    {
      id: ++lastId,
      seq: event.sequence,
      at: event.occurredAt,
      kind: event.kind,
      summary: event.payloadError
        ? `unreadable payload: ${event.payloadError}`
        : summarize(event.kind, event.payload),
      payload: event.payload,
    },
    issue,
    attemptOf(event.payload),
  );
}

/** A JSONL record `{ts, kind, seq?, ...payload}`; `undefined` when it is not an object. */
export function feedLineOfRecord(record: unknown): FeedLine | undefined {
  if (!isRecord(record)) return undefined;
  const { ts, kind, seq, ...payload } = record;
  const kindText = typeof kind === "string" && kind !== "" ? kind : "(no kind)";
  return withIds(
    {
      id: ++lastId,
      ...(typeof seq === "number" && Number.isSafeInteger(seq) ? { seq } : {}),
      at: typeof ts === "string" ? ts : "",
      kind: kindText,
      summary: summarize(kindText, payload),
      payload,
    },
    intField(payload, "issue", "number"),
    attemptOf(payload),
  );
}

function withIds(line: FeedLine, issue?: number, attempt?: number): FeedLine {
  if (issue !== undefined && issue > 0) line.issue = issue;
  if (attempt !== undefined) line.attempt = attempt;
  return line;
}

type Payload = Record<string, unknown>;

/** One line about the event, by kind; unknown kinds list their simple fields. */
export function summarize(kind: string, p: Payload): string {
  return oneLine(summaryByKind(kind, p) ?? fields(p)).slice(0, 500);
}

function summaryByKind(kind: string, p: Payload): string | undefined {
  switch (kind) {
    case "loop.started":
      return words(
        `pid ${intField(p, "pid") ?? "?"}`,
        stringField(p, "host"),
        `parallel ${intField(p, "parallel") ?? "?"}`,
        stringField(p, "tracker"),
        stringField(p, "platform"),
      );
    case "loop.halted":
      return words(
        stringField(p, "mode"),
        stringField(p, "reason"),
        by(p),
        stringField(p, "detail"),
      );
    case "loop.resumed":
      return by(p) ?? "resumed";
    case "loop.stopped":
      return words(stringField(p, "reason"), tickOf(p), stringField(p, "detail"));
    case "tick.started":
      return words(tickOf(p), `${arrayField(p, "candidates").length} candidates`);
    case "tick.completed":
      return words(tickOf(p), duration(durationMsOf(p)), outcomes(p));
    case "task.planned":
      return words(stringField(p, "priority"), quoted(stringField(p, "title")));
    case "task.skipped":
      return words(stringField(p, "reason"), until(p));
    case "task.dispatched":
      return words(
        stringField(p, "adapter"),
        stringField(p, "model"),
        stringField(p, "branch") ?? stringField(p, "new_state"),
      );
    case "task.heartbeat":
      return words(
        intField(p, "turns") === undefined ? undefined : `turns ${intField(p, "turns")}`,
        stringField(p, "last_tool") ? `tool ${stringField(p, "last_tool")}` : undefined,
        numberField(p, "cost_usd") === undefined ? undefined : money(numberField(p, "cost_usd")),
        stringField(p, "legacy_kind"),
      );
    case "worker.observation":
      return words(`${stringField(p, "what") ?? "?"}:`, stringField(p, "summary"));
    case "checks.completed":
      return checks(p);
    case "critique.issued":
      return critique(p);
    case "pr.opened":
      return words(pr(p), booleanField(p, "draft") ? "draft" : undefined, stringField(p, "url"));
    case "pr.checks_changed":
      return words(pr(p), stringField(p, "state"));
    case "pr.merged":
      return words(pr(p), stringField(p, "sha")?.slice(0, 7), stringField(p, "method"));
    case "merge.blocked":
      return words(pr(p), stringField(p, "reason"));
    case "task.completed":
      return words(pr(p), duration(durationMsOf(p)), cost(p));
    case "task.failed":
      return words(
        stringField(p, "reason", "status"),
        stringField(p, "error"),
        until(p, "retry_at"),
      );
    case "task.compensated":
      return words(stringField(p, "action", "status"), stringField(p, "detail"));
    case "worktree.reaped":
      return words(stringField(p, "reason"), stringField(p, "path"));
    case "control.requested":
      return words(
        stringField(p, "command"),
        intField(p, "target") === undefined ? undefined : `#${intField(p, "target")}`,
        stringField(p, "mode"),
        by(p),
      );
    case "control.applied":
      return words(stringField(p, "command"), stringField(p, "result"), stringField(p, "detail"));
    default:
      return undefined;
  }
}

function checks(p: Payload): string {
  const passed = booleanField(p, "passed");
  const failing = arrayField(p, "results")
    .filter((r) => isRecord(r) && r.exit_code !== 0)
    .map((r) => (isRecord(r) ? stringField(r, "command") : undefined))
    .filter((c): c is string => c !== undefined);
  if (passed) return "passed";
  return failing.length > 0 ? `failed (${failing.join(", ")})` : "failed";
}

function critique(p: Payload): string {
  const counts = recordField(p, "sev_counts") ?? {};
  const sevs = (["sev1", "sev2", "sev3"] as const)
    .map((s) => [s, intField(counts, s) ?? 0] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${s}×${n}`);
  const overall = stringField(p, "overall", "verdict");
  const blocking = booleanField(p, "blocking") && overall !== "block";
  return words(overall, blocking ? "(blocks)" : undefined, ...sevs, duration(durationMsOf(p)));
}

function outcomes(p: Payload): string | undefined {
  const list = arrayField(p, "outcomes").filter(isRecord);
  if (list.length === 0) return undefined;
  return list
    .map((o) => `#${intField(o, "issue", "number") ?? "?"} ${stringField(o, "status") ?? "?"}`)
    .join(", ");
}

function tickOf(p: Payload): string | undefined {
  const tick = intField(p, "tick");
  return tick === undefined ? undefined : `tick ${tick}`;
}

function pr(p: Payload): string | undefined {
  const ref = prOf(p);
  return ref?.number !== undefined ? `PR #${ref.number}` : ref?.url;
}

function by(p: Payload): string | undefined {
  const who = stringField(p, "by");
  return who ? `by ${who}` : undefined;
}

function until(p: Payload, name = "until"): string | undefined {
  const at = stringField(p, name);
  return at ? `until ${at}` : undefined;
}

function cost(p: Payload): string | undefined {
  const usd = numberField(p, "cost_usd");
  return usd === undefined ? undefined : money(usd);
}

function quoted(text: string | undefined): string | undefined {
  return text === undefined ? undefined : `"${text}"`;
}

function words(...parts: (string | undefined)[]): string {
  return parts.filter((w): w is string => w !== undefined && w !== "" && w !== "-").join(" ");
}

/** `key=value` for each scalar field, for kinds without a summary of their own. */
function fields(p: Payload): string {
  return Object.entries(p)
    .filter(([, v]) => ["string", "number", "boolean"].includes(typeof v))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(" ");
}
