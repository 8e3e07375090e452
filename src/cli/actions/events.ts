/**
 * What `forge-loop events` does (see `commands/events.ts`): prints the log, and with
 * --follow what is committed after.
 */
import { UserError } from "../../shared/errors.js";
import { redact } from "../../shared/redact.js";
import type { StoredEvent } from "../../store/contract/envelope.js";
import { issueOfTaskId } from "../../store/contract/ids.js";
import { openStore, type Store } from "../../store/store.js";
import { feedLineOfEvent } from "../../ui/data/feed.js";
import { dateTime, oneLine } from "../../ui/format.js";
import type { EventsOptions } from "../commands/events.js";
import { eventsDbPath } from "../store-options.js";

const PAGE = 5000;
const FOLLOW_POLL_MS = 200;

export async function runEvents(options: EventsOptions): Promise<void> {
  const filter = eventFilter(options);
  const since = sequenceOption(options.since, "--since");
  const format = options.json ? jsonLine : humanLine;
  const store = openStore(eventsDbPath(options), { mode: "readonly" });
  exitQuietlyWhenThePipeCloses();
  try {
    const print = (page: readonly StoredEvent[]) => {
      const lines = page.filter(filter).map((event) => `${format(event)}\n`);
      // Redacted per page: one pass over many lines costs far less than one per line.
      if (lines.length > 0) process.stdout.write(redact(lines.join("")));
    };
    const last = printSince(store, since, print);
    if (options.follow) await follow(store, last, print);
  } finally {
    store.close();
  }
}

type PagePrinter = (page: readonly StoredEvent[]) => void;

/** Prints every event after `after`, page by page; returns the last sequence seen. */
function printSince(store: Store, after: number, print: PagePrinter): number {
  let last = after;
  for (;;) {
    const page = store.log.since(last, PAGE);
    print(page);
    last = page.at(-1)?.sequence ?? last;
    if (page.length < PAGE) return last;
  }
}

/** Polls `PRAGMA data_version` (cheap) and prints what was committed, until SIGINT/SIGTERM. */
async function follow(store: Store, from: number, print: PagePrinter): Promise<void> {
  let last = from;
  let version = store.dataVersion();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = store.dataVersion();
      if (now === version) return;
      version = now;
      last = printSince(store, last, print);
    }, FOLLOW_POLL_MS);
    const stop = () => {
      clearInterval(timer);
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

export function eventFilter(options: {
  kind?: string;
  task?: string;
}): (e: StoredEvent) => boolean {
  const kinds = options.kind === undefined ? undefined : kindMatcher(options.kind);
  const issue = options.task === undefined ? undefined : taskIssue(options.task);
  return (event) => {
    if (kinds && !kinds(event.kind)) return false;
    if (issue !== undefined && eventIssue(event) !== issue) return false;
    return true;
  };
}

function kindMatcher(text: string): (kind: string) => boolean {
  const patterns = text
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  if (patterns.length === 0) {
    throw new UserError("--kind is empty", "Pass kinds like `task.failed` or `task.*`.");
  }
  return (kind) =>
    patterns.some((p) => (p.endsWith("*") ? kind.startsWith(p.slice(0, -1)) : kind === p));
}

/** `issue:42`, `#42` or `42` → 42. */
export function taskIssue(text: string): number {
  const match = /^(?:issue:|#)?(\d+)$/.exec(text.trim());
  const issue = match ? Number(match[1]) : Number.NaN;
  if (!Number.isSafeInteger(issue) || issue <= 0) {
    throw new UserError(`"${oneLine(text)}" is not a task`, "Name it as issue:42, #42 or 42.");
  }
  return issue;
}

/** The issue an event is about: its task id, else the payload's issue (legacy records). */
export function eventIssue(event: StoredEvent): number | undefined {
  const fromTask = issueOfTaskId(event.taskId);
  if (fromTask !== undefined) return fromTask;
  const issue = Number(event.payload.issue);
  return Number.isSafeInteger(issue) && issue > 0 ? issue : undefined;
}

export function sequenceOption(text: string, name: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) {
    throw new UserError(
      `${name} ${oneLine(text)} is not a sequence number`,
      `Pass a whole number, e.g. ${name} 1200.`,
    );
  }
  return value;
}

/** `time  seq  kind  task  short payload`, safe for a terminal (no control characters). */
export function humanLine(event: StoredEvent): string {
  const task =
    event.taskId ?? (eventIssue(event) === undefined ? "-" : `issue:${eventIssue(event)}`);
  return [
    dateTime(event.occurredAt),
    String(event.sequence).padStart(7),
    oneLine(event.kind).padEnd(18),
    oneLine(task).padEnd(11),
    feedLineOfEvent(event).summary,
  ].join("  ");
}

/**
 * The envelope and parsed payload as one JSON object. C1 control characters, which
 * JSON.stringify leaves raw and some terminals obey, are escaped (still the same JSON).
 */
export function jsonLine(event: StoredEvent): string {
  const { payloadJson: _text, chainHash: _hash, ...rest } = event;
  return JSON.stringify(rest).replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** `forge-loop events | head` closes stdout early: that is the reader's choice, not an error. */
function exitQuietlyWhenThePipeCloses(): void {
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
    throw err;
  });
}
