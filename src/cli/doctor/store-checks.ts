/**
 * The doctor's checks over the store: chain integrity, projection lag, the writer lock and
 * the queue. Tables other components own are read with plain SQL and skipped when absent,
 * so the same checks run on a Python forge-loop database.
 */

import { statSync } from "node:fs";
import type Database from "better-sqlite3";
import { LAST_CHECKPOINT_KEY, readMeta, tableExists } from "../../store/log/schema.js";
import {
  describeHeartbeat,
  formatAge,
  isHolderAlive,
  readWriterLock,
} from "../../store/log/writer-lock.js";
import {
  PROJECTIONS_VERSION,
  projectionsVersionIsCurrent,
  storedProjectionsVersion,
} from "../../store/projections/tables.js";
import type { DoctorCheck } from "./doctor.js";

export const chainCheck: DoctorCheck = {
  name: "chain",
  run({ log }) {
    const report = log.verifyChain();
    const data = { ...report };
    const broken = report.firstBroken;
    if (broken) {
      const details = [
        `event id ${broken.eventId}`,
        `column   ${broken.column ?? "chain_hash"}`,
        `expected ${broken.expected}`,
        `stored   ${broken.stored ?? "NULL"}`,
      ];
      const from = (previousSequence(log.db, broken.sequence) ?? 0) + 1;
      if (from < broken.sequence) {
        details.push(
          `rows ${from}–${broken.sequence - 1} are missing before it (the Python forge-loop's compaction deletes rows, which breaks its chain)`,
        );
      }
      return {
        status: "fail",
        summary: `chain broken at sequence ${broken.sequence} (${report.checked - 1} rows before it verify)`,
        details,
        data,
      };
    }
    const unchained = report.unchained ?? 0;
    if (report.checked > 0 && unchained === report.checked) {
      return {
        status: "warn",
        summary: `${events(report.checked)}, none with a chain hash: nothing to verify`,
        data,
      };
    }
    return {
      status: "ok",
      summary: `${events(report.checked)}, chain intact`,
      ...(unchained > 0 && {
        details: [`${unchained} rows have no chain hash (written before the chain existed)`],
      }),
      data,
    };
  },
};

function events(n: number): string {
  return n === 1 ? "1 event" : `${n} events`;
}

function previousSequence(db: Database.Database, sequence: number): number | undefined {
  const value = db
    .prepare("SELECT MAX(sequence) FROM events WHERE sequence < ?")
    .pluck()
    .get(sequence) as number | null;
  return value ?? undefined;
}

export const projectionsCheck: DoctorCheck = {
  name: "projections",
  run({ log }) {
    if (!tableExists(log.db, "projection_cursors")) {
      return { status: "skip", summary: "no projection_cursors table" };
    }
    const head = log.head();
    const cursors = (
      log.db
        .prepare(
          "SELECT projection_name AS name, sequence FROM projection_cursors ORDER BY projection_name",
        )
        .all() as { name: string; sequence: number | null }[]
    ).map((c) => ({ name: c.name, sequence: c.sequence ?? 0, lag: head - (c.sequence ?? 0) }));
    const data = { head, cursors };
    if (cursors.length === 0) return { status: "ok", summary: "no projections recorded", data };
    const ahead = cursors.filter((c) => c.lag < 0);
    if (ahead.length > 0) {
      return {
        status: "fail",
        summary: `${ahead.length} projection cursor(s) past the log's head ${head}: rebuild them`,
        details: ahead.map((c) => `${c.name} at ${c.sequence}`),
        data,
      };
    }
    if (!log.isForeign && !projectionsVersionIsCurrent(log.db)) {
      const stored = storedProjectionsVersion(log.db) ?? "unrecorded";
      return {
        status: "warn",
        summary: `projections folded by other reducers (version ${stored}, this build ${PROJECTIONS_VERSION}); the engine rebuilds them at its next start, and readers fold the log meanwhile`,
        data,
      };
    }
    const behind = cursors.filter((c) => c.lag > 0);
    if (behind.length > 0) {
      const maxLag = Math.max(...behind.map((c) => c.lag));
      return {
        status: "warn",
        summary: `${behind.length} of ${cursors.length} projections behind the log (up to ${maxLag} events); the engine folds them at its next start`,
        details: behind.map((c) => `${c.name} at ${c.sequence}, lag ${c.lag}`),
        data,
      };
    }
    return { status: "ok", summary: `${cursors.length} projections at head ${head}`, data };
  },
};

export const writerLockCheck: DoctorCheck = {
  name: "engine lock",
  run({ log, now, host }) {
    if (!tableExists(log.db, "locks")) {
      return {
        status: "skip",
        summary: `no writer lock table${log.isForeign ? " (a Python forge-loop database)" : ""}`,
      };
    }
    const lock = readWriterLock(log.db);
    if (!lock) return { status: "ok", summary: "no engine has run on this log yet" };
    const who = `pid ${lock.pid} on ${lock.host}`;
    const when = describeHeartbeat(lock, now);
    const alive = isHolderAlive(lock, now, host);
    const data = { ...lock, alive };
    if (lock.releasedAt !== null) {
      return { status: "ok", summary: `engine stopped cleanly (${who}, ${when})`, data };
    }
    if (alive) return { status: "ok", summary: `engine running (${who}, ${when})`, data };
    return {
      status: "warn",
      summary: `engine ${who} is gone without releasing the lock (${when})`,
      details: ["The next engine takes the lock over and recovers the work left in flight."],
      data,
    };
  },
};

export const queueCheck: DoctorCheck = {
  name: "queue",
  run({ log, now }) {
    if (!tableExists(log.db, "queue_items")) return { status: "skip", summary: "no queue table" };
    const columns = new Set(
      (log.db.prepare("PRAGMA table_info(queue_items)").all() as { name: string }[]).map(
        (c) => c.name,
      ),
    );
    if (!columns.has("state")) {
      const total = log.db.prepare("SELECT COUNT(*) FROM queue_items").pluck().get() as number;
      return { status: "ok", summary: `${total} items`, data: { total } };
    }
    const counts = Object.fromEntries(
      (
        log.db
          .prepare("SELECT state, COUNT(*) AS n FROM queue_items GROUP BY state ORDER BY state")
          .all() as { state: string; n: number }[]
      ).map((r) => [r.state, r.n]),
    ) as Record<string, number>;
    const expired = columns.has("lease_expires_at")
      ? (log.db
          .prepare(
            "SELECT COUNT(*) FROM queue_items WHERE state = 'leased' AND lease_expires_at < ?",
          )
          .pluck()
          .get(now) as number)
      : 0;
    const summary =
      Object.entries(counts)
        .map(([state, n]) => `${state} ${n}`)
        .join(", ") || "empty";
    const data = { counts, expiredLeases: expired };
    if (expired > 0) {
      return {
        status: "warn",
        summary: `${summary}; ${expired} lease(s) expired`,
        details: ["The engine reclaims expired leases when it next runs."],
        data,
      };
    }
    return { status: "ok", summary, data };
  },
};

/** A WAL this large means checkpoints cannot keep up: a reader holds an old snapshot. */
const WAL_WARN_BYTES = 256 * 1024 * 1024;

export const walCheck: DoctorCheck = {
  name: "wal",
  run({ log, now }) {
    const bytes = statSync(`${log.path}-wal`, { throwIfNoEntry: false })?.size ?? 0;
    const at = readMeta(log.db, LAST_CHECKPOINT_KEY);
    const ms = at === undefined ? Number.NaN : now - Date.parse(at);
    const last = Number.isNaN(ms)
      ? "no checkpoint recorded"
      : `last checkpoint ${formatAge(ms)} ago`;
    const summary = `${(bytes / (1024 * 1024)).toFixed(1)} MiB of WAL, ${last}`;
    const data = { walBytes: bytes, lastCheckpointAt: at ?? null };
    if (bytes < WAL_WARN_BYTES) return { status: "ok", summary, data };
    return {
      status: "warn",
      summary,
      details: [
        "The engine checkpoints once a second, but a checkpoint cannot pass a reader's snapshot.",
        "Look for a long-running reader of this database (an old `forge-loop tui`, a script) and stop it.",
      ],
      data,
    };
  },
};

/** The store's checks, in report order; other rooms append theirs. */
export const storeChecks: readonly DoctorCheck[] = [
  chainCheck,
  projectionsCheck,
  writerLockCheck,
  walCheck,
  queueCheck,
];
