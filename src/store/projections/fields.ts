/**
 * Lenient, typed reading of event payloads for the reducers. A stored payload may follow
 * our schemas, or be a legacy record from the Python forge-loop or the legacy mirror
 * (EVENTS.md "The legacy mirror"), or be plain garbage: every accessor returns a value of
 * the asked type or `undefined`, and never throws.
 *
 * Numbers are only ever finite: a NaN or Infinity would not survive a snapshot (JSON turns
 * it into null), and snapshot + fold must equal a full fold.
 */
import type { FoldEvent } from "../contract/envelope.js";
import { issueOfTaskId } from "../contract/ids.js";

type Payload = Record<string, unknown>;

/** The first of `names` holding a finite number. */
export function numberField(payload: Payload, ...names: string[]): number | undefined {
  for (const name of names) {
    const value = payload[name];
    if (typeof value === "number" && Number.isFinite(value)) return value;
  }
  return undefined;
}

/**
 * The first of `names` holding a non-negative safe integer, written as a number or as a
 * decimal string (legacy records name issues as `"427"`, `"#427"`).
 */
export function intField(payload: Payload, ...names: string[]): number | undefined {
  for (const name of names) {
    const value = toInt(payload[name]);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** The first of `names` holding a non-empty string. */
export function stringField(payload: Payload, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = payload[name];
    if (typeof value === "string" && value !== "") return value;
  }
  return undefined;
}

export function booleanField(payload: Payload, name: string): boolean | undefined {
  const value = payload[name];
  return typeof value === "boolean" ? value : undefined;
}

/** The array under `name`, or an empty one. */
export function arrayField(payload: Payload, name: string): readonly unknown[] {
  const value = payload[name];
  return Array.isArray(value) ? value : [];
}

export function isRecord(value: unknown): value is Payload {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The object under `name`, or undefined. */
export function recordField(payload: Payload, name: string): Payload | undefined {
  const value = payload[name];
  return isRecord(value) ? value : undefined;
}

function toInt(value: unknown): number | undefined {
  if (typeof value === "number") {
    return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  }
  if (typeof value === "string") {
    const match = /^\s*#?(\d{1,15})\s*$/.exec(value);
    return match ? Number(match[1]) : undefined;
  }
  return undefined;
}

/**
 * The issue an event is about: the payload's `issue` (number or numeric string), else
 * `number` (legacy records), else the envelope's task id `issue:<n>`.
 */
export function issueOf(event: FoldEvent): number | undefined {
  const issue = intField(event.payload, "issue", "number");
  if (issue !== undefined && issue > 0) return issue;
  return issueOfTaskId(event.taskId);
}

/** The attempt number when the payload has one (legacy records never do). */
export function attemptOf(payload: Payload): number | undefined {
  const attempt = intField(payload, "attempt");
  return attempt !== undefined && attempt > 0 ? attempt : undefined;
}

/** A pull request as a payload names it: `pr` (number or URL) or `pr_url`. */
interface PrRef {
  number?: number;
  url?: string;
}

export function prOf(payload: Payload): PrRef | undefined {
  const url = stringField(payload, "url", "pr_url") ?? urlIn(payload.pr);
  const number = intField(payload, "pr") ?? (url === undefined ? undefined : prNumberInUrl(url));
  if (number !== undefined && number > 0) return url === undefined ? { number } : { number, url };
  return url === undefined ? undefined : { url };
}

function urlIn(value: unknown): string | undefined {
  return typeof value === "string" && /^[a-z]+:\/\//i.test(value) ? value : undefined;
}

function prNumberInUrl(url: string): number | undefined {
  const match = /\/(?:pull|pulls|merge_requests)\/(\d{1,15})(?:[/?#]|$)/.exec(url);
  return match ? Number(match[1]) : undefined;
}

/** A duration in milliseconds: `duration_ms`, or legacy `duration_s` × 1000. */
export function durationMsOf(payload: Payload): number | undefined {
  const ms = numberField(payload, "duration_ms");
  if (ms !== undefined) return ms >= 0 ? ms : undefined;
  const seconds = numberField(payload, "duration_s");
  if (seconds === undefined || seconds < 0) return undefined;
  const fromSeconds = seconds * 1000;
  return Number.isFinite(fromSeconds) ? fromSeconds : undefined;
}

/** Milliseconds between two ISO times, when both parse and the second is not earlier. */
export function msBetween(from: string | undefined, to: string): number | undefined {
  if (from === undefined) return undefined;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/** `a + b`, keeping `a` when the sum would stop being finite. */
export function addFinite(a: number, b: number | undefined): number {
  if (b === undefined) return a;
  const sum = a + b;
  return Number.isFinite(sum) ? sum : a;
}

/** Keeps the end of long text (where errors and test failures are): rows stay small. */
export function tail(text: string | undefined, max: number): string | undefined {
  if (text === undefined || text.length <= max) return text;
  return `…${text.slice(text.length - max + 1)}`;
}

/** Keeps the start of long text (titles, messages). */
export function head(text: string | undefined, max: number): string | undefined {
  if (text === undefined || text.length <= max) return text;
  return `${text.slice(0, max - 1)}…`;
}
