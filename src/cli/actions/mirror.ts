/**
 * What `forge-loop mirror` does (see `commands/mirror.ts`): translates the runner's JSONL
 * into the log under the writer lock, once or following the file.
 */
import { statSync } from "node:fs";
import { hostname } from "node:os";
import type Database from "better-sqlite3";
import { UserError } from "../../shared/errors.js";
import { envSecrets } from "../../shared/redact.js";
import { openEventLog } from "../../store/log/sqlite-event-log.js";
import {
  acquireWriterLock,
  heartbeatWriterLock,
  type LockHolder,
  releaseWriterLock,
} from "../../store/log/writer-lock.js";
import { followFile, type MirrorSummary, mirrorThenFold } from "../../store/mirror/mirror.js";
import { DEFAULT_STATE_DIR, statePaths } from "../../store/paths.js";
import { openStore, type Store } from "../../store/store.js";
import type { MirrorOptions } from "../commands/mirror.js";

const LOCK_HEARTBEAT_MS = 5000;

export async function runMirror(file: string, options: MirrorOptions): Promise<void> {
  checkSource(file, options.follow === true);
  const dbPath = options.db ?? statePaths(options.dir ?? DEFAULT_STATE_DIR).eventsDb;
  const secrets = envSecrets();
  // Following folds each batch as it lands, for readers watching; a one-shot import goes
  // in through the log alone and is folded once at the end, several times faster.
  const summary = options.follow
    ? await withWriter(openStore(dbPath, { mode: "writer" }), (store, me) =>
        follow(store, me, file),
      )
    : await withWriter(openEventLog(dbPath, { mode: "writer" }), (log) =>
        mirrorThenFold(log, file, { secrets }),
      );
  process.stdout.write(formatSummary(file, dbPath, summary));
}

function checkSource(file: string, follow: boolean): void {
  const stat = statSync(file, { throwIfNoEntry: false });
  if (stat?.isFile()) return;
  if (!stat && follow) {
    process.stderr.write(`forge-loop mirror: ${file} does not exist yet; waiting for it\n`);
    return;
  }
  throw new UserError(
    stat ? `${file} is not a file` : `no such file: ${file}`,
    "Pass the Python runner's events file, e.g. docs/ops/loop-runner-events.jsonl.",
  );
}

/** Runs `work` on `opened` (the store, or the log alone) under the writer lock, then closes it. */
async function withWriter<W extends { db: Database.Database; close(): void }, T>(
  opened: W,
  work: (writer: W, me: () => LockHolder) => Promise<T>,
): Promise<T> {
  const me = (): LockHolder => ({ pid: process.pid, host: hostname(), now: Date.now() });
  try {
    acquireWriterLock(opened.db, me());
    try {
      return await work(opened, me);
    } finally {
      releaseWriterLock(opened.db, me());
    }
  } finally {
    opened.close();
  }
}

/** Follows until SIGINT/SIGTERM; then flushes and returns the summary (exit 0). */
async function follow(store: Store, me: () => LockHolder, file: string): Promise<MirrorSummary> {
  const controller = new AbortController();
  let lostLock = false;
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const heartbeat = setInterval(() => {
    if (heartbeatWriterLock(store.db, me())) return;
    lostLock = true;
    controller.abort();
  }, LOCK_HEARTBEAT_MS);
  process.stderr.write(`forge-loop mirror: following ${file} (Ctrl-C to stop)\n`);
  let appended = 0;
  try {
    const summary = await followFile(store.log, file, {
      signal: controller.signal,
      secrets: envSecrets(),
      onProgress: (s) => {
        if (s.eventsAppended === appended) return;
        process.stderr.write(
          `  +${s.eventsAppended - appended} events (${s.eventsAppended} in all)\n`,
        );
        appended = s.eventsAppended;
      },
    });
    if (lostLock) {
      throw new UserError(
        "another forge-loop process took over the state directory's writer lock; mirroring stopped",
        "Run the mirror against a state directory of its own (--dir), or stop the other process.",
      );
    }
    return summary;
  } finally {
    clearInterval(heartbeat);
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}

export function formatSummary(file: string, dbPath: string, s: MirrorSummary): string {
  const n = (value: number) => value.toLocaleString("en-US");
  const unmapped = [...s.unmapped]
    .sort((a, b) => b[1] - a[1])
    .map(([kind, count]) => `${printable(kind)} ×${n(count)}`);
  const lines = [
    `mirrored ${file} into ${dbPath}`,
    `  lines read          ${n(s.lines)}`,
    `  events appended     ${n(s.eventsAppended)}`,
    `  duplicates skipped  ${n(s.duplicatesSkipped)}`,
    `  unmapped kinds      ${unmapped.length === 0 ? "none" : unmapped.join(", ")}`,
  ];
  if (s.tooDeep > 0) lines.push(`  too deeply nested   ${n(s.tooDeep)} records skipped`);
  lines.push(`  malformed lines     ${s.malformedCount === 0 ? "none" : n(s.malformedCount)}`);
  for (const m of s.malformed) lines.push(`    line ${m.line}: ${m.reason}: ${m.excerpt}`);
  if (s.malformedCount > s.malformed.length) {
    lines.push(`    … and ${n(s.malformedCount - s.malformed.length)} more`);
  }
  return `${lines.join("\n")}\n`;
}

/** A kind from the file, safe to print: control characters escaped, length bounded. */
function printable(kind: string): string {
  const short = kind.length > 60 ? `${kind.slice(0, 59)}…` : kind;
  return JSON.stringify(short).slice(1, -1);
}
