/**
 * What `forge-loop replay` does (see `commands/replay.ts`): a task's timeline, the state at
 * a sequence, a check or a rebuild of the projections.
 */
import { hostname } from "node:os";
import { UserError } from "../../shared/errors.js";
import { redact } from "../../shared/redact.js";
import type { StoredEvent } from "../../store/contract/envelope.js";
import { taskId } from "../../store/contract/ids.js";
import { pendingControls } from "../../store/control/request.js";
import { isHolderAlive, readWriterLock } from "../../store/log/writer-lock.js";
import type { VerifyReport } from "../../store/projections/rebuild.js";
import type { LoopState } from "../../store/projections/types.js";
import { openStore, type Store } from "../../store/store.js";
import { feedLineOfEvent } from "../../ui/data/feed.js";
import { count, dateTime, money, oneLine } from "../../ui/format.js";
import { plain } from "../../ui/select/line.js";
import { prRows } from "../../ui/select/prs.js";
import type { Rows } from "../../ui/select/rows.js";
import { counterSegs } from "../../ui/select/status-bar.js";
import { isActive, taskRows } from "../../ui/select/tasks.js";
import { verdictRows } from "../../ui/select/verdicts.js";
import type { ReplayOptions } from "../commands/replay.js";
import { eventsDbPath } from "../store-options.js";
import { eventIssue, sequenceOption, taskIssue } from "./events.js";

export function runReplay(options: ReplayOptions): void {
  const path = eventsDbPath(options);
  if (options.rebuild) {
    rebuild(path);
    return;
  }
  const issue = options.task === undefined ? undefined : taskIssue(options.task);
  const to = options.to === undefined ? undefined : sequenceOption(options.to, "--to");
  const store = openStore(path, { mode: "readonly" });
  try {
    const out: string[] = [];
    if (options.verify) {
      const report = store.verify();
      out.push(...verifyLines(report));
      if (!report.ok) process.exitCode = 1;
    }
    if (issue !== undefined) out.push(...timeline(store, issue));
    if (to !== undefined || (!options.verify && issue === undefined)) {
      out.push(...stateLines(store, to ?? store.log.head()));
    }
    process.stdout.write(redact(`${out.join("\n")}\n`));
  } finally {
    store.close();
  }
}

function rebuild(path: string): void {
  const store = openStore(path, { mode: "writer" });
  try {
    const lock = readWriterLock(store.db);
    if (lock && isHolderAlive(lock, Date.now(), hostname())) {
      throw new UserError(
        `the engine (pid ${lock.pid} on ${lock.host}) is running on this log`,
        "Stop it (`forge-loop halt --now`, then end `forge-loop run`) before rebuilding.",
      );
    }
    const started = Date.now();
    const report = store.rebuild();
    process.stdout.write(
      `rebuilt the projections from ${count(report.events)} events up to seq ${count(report.seq)}: ${count(report.snapshots)} snapshots (${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
    );
  } finally {
    store.close();
  }
}

export function verifyLines(report: VerifyReport): string[] {
  const folded = `${count(report.events)} events folded up to seq ${count(report.seq)}`;
  if (!report.materialized) {
    return [
      `✔ ${folded}; this log has no projection tables (a Python forge-loop log), nothing to compare`,
    ];
  }
  const checked = `${count(report.rowsChecked)} rows, ${count(report.snapshotsChecked)} snapshots`;
  if (report.ok) return [`✔ projections match a fresh fold: ${folded}; ${checked} checked`];
  const d = report.difference;
  const where = [
    d?.where === "snapshot" ? `snapshot at seq ${d.seq}` : d?.where,
    d?.projection && `projection ${d.projection}`,
    d?.key !== undefined && `key ${oneLine(d.key)}`,
    d?.position !== undefined && `position ${d.position}`,
  ].filter(Boolean);
  return [
    `✖ projections differ from a fresh fold (${folded}): ${where.join(", ")}`,
    `  expected ${oneLine(d?.expected ?? "")}`,
    `  actual   ${oneLine(d?.actual ?? "")}`,
    "  `forge-loop replay --rebuild` refolds them from the log (with the engine stopped).",
  ];
}

/** The events about one task, from the log alone: its own and the ticks that name it. */
function taskEvents(store: Store, issue: number): StoredEvent[] {
  const sequences = store.db
    .prepare(
      `SELECT sequence FROM events WHERE task_id = ?
       UNION SELECT sequence FROM events
         WHERE kind IN ('tick.started', 'tick.completed') AND instr(payload_json, ?) > 0
       ORDER BY sequence`,
    )
    .pluck()
    .all(taskId(issue), String(issue)) as number[];
  const events: StoredEvent[] = [];
  for (const sequence of sequences) {
    const event = store.log.since(sequence - 1, 1)[0];
    if (event && (eventIssue(event) === issue || tickNames(event, issue))) events.push(event);
  }
  return events;
}

function tickNames(event: StoredEvent, issue: number): boolean {
  const list = event.payload.candidates ?? event.payload.outcomes;
  return (
    Array.isArray(list) &&
    list.some((item) => Number((item as Record<string, unknown> | null)?.issue) === issue)
  );
}

export function timeline(store: Store, issue: number): string[] {
  const events = taskEvents(store, issue);
  if (events.length === 0) {
    throw new UserError(
      `no events about issue:${issue} in this log`,
      "Check the number; `forge-loop events --kind task.planned` lists the tasks.",
    );
  }
  const task = store.readState().tasks.get(String(issue));
  const lines = [`#${issue}${task?.title ? `  ${oneLine(task.title)}` : ""}`];
  for (let i = 0; i < events.length; i++) {
    const event = events[i] as StoredEvent;
    if (event.kind !== "task.heartbeat") {
      lines.push(eventLine(event, tickNote(event)));
      continue;
    }
    // Heartbeats in a row say one thing: the worker was alive. One line for the run.
    const start = i;
    let last = event;
    while (events[i + 1]?.kind === "task.heartbeat") last = events[++i] as StoredEvent;
    const beats = i - start + 1;
    lines.push(eventLine(last, beats === 1 ? "" : ` (×${beats} since seq ${event.sequence})`));
  }
  if (task) {
    const last = task.attempts.at(-1);
    lines.push(
      [
        `status ${task.status}`,
        `${task.attempt} attempt${task.attempt === 1 ? "" : "s"}`,
        task.pr === undefined ? undefined : `PR #${task.pr}`,
        money(task.costUsd),
        task.lastError && `last error: ${oneLine(task.lastError).slice(0, 200)}`,
        last?.reason && `last reason: ${last.reason}`,
      ]
        .filter(Boolean)
        .join(" · "),
    );
  }
  return lines;
}

/** A tick that names the task as a candidate says so (its outcome is in the summary). */
function tickNote(event: StoredEvent): string {
  return event.kind === "tick.started" ? " (candidate)" : "";
}

function eventLine(event: StoredEvent, note: string): string {
  const line = feedLineOfEvent(event);
  return `  ${dateTime(event.occurredAt)}  ${String(event.sequence).padStart(7)}  ${oneLine(event.kind).padEnd(17)}  ${line.summary}${note}`;
}

/** The loop as it stood after event `seq`: what the scrubber shows, as text. */
export function stateLines(store: Store, seq: number): string[] {
  const head = store.log.head();
  const state = store.stateAt(seq);
  const loop = state.loop.get("loop");
  // Ages as they were then, not as they would be now.
  const nowMs = Date.parse(loop?.lastEventAt ?? "") || Date.now();
  const lines = [
    `seq ${count(state.seq)} of ${count(head)} · ${dateTime(loop?.lastEventAt)} · loop ${loop?.status ?? "unknown"}${loop?.haltReason ? ` (${oneLine(loop.haltReason)})` : ""}`,
    plain(counterSegs(state)).trim(),
  ];
  for (const p of pendingControls(state)) {
    lines.push(
      `pending: ${p.command}${p.target === undefined ? "" : ` #${p.target}`} requested at seq ${p.seq}`,
    );
  }
  lines.push(`tasks: ${statusCounts(state) || "none"}`);
  const active = [...state.tasks.values()].filter(isActive).map((t) => t.issue);
  section(
    lines,
    "in flight",
    filterRows(taskRows(state, nowMs), (issue) => issue !== undefined && active.includes(issue)),
  );
  section(
    lines,
    "open PRs",
    filterRows(prRows(state), (_, key) => state.prs.get(key)?.state === "open"),
  );
  section(lines, "latest verdicts", firstRows(verdictRows(state), 5));
  return lines;
}

function statusCounts(state: LoopState): string {
  const counts = new Map<string, number>();
  for (const task of state.tasks.values())
    counts.set(task.status, (counts.get(task.status) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([status, n]) => `${n} ${status}`)
    .join(" · ");
}

function section(lines: string[], title: string, rows: string[]): void {
  if (rows.length === 0) return;
  lines.push(`${title}:`, ...rows.map((row) => `  ${row}`));
}

function filterRows(
  rows: Rows,
  keep: (issue: number | undefined, key: string) => boolean,
  limit = 20,
): string[] {
  const out: string[] = [];
  for (let i = 0; i < rows.length && out.length < limit; i++) {
    const row = rows.at(i);
    if (row && keep(row.issue, row.key)) out.push(plain(row.line).trimEnd());
  }
  return out;
}

function firstRows(rows: Rows, limit: number): string[] {
  return filterRows(rows, () => true, limit);
}
