/**
 * UI test fixtures: a real state directory whose log is written by the real store (as the
 * engine would), a known scenario of events, an engine "running" by holding the real
 * writer lock, and helpers to drive the Ink app through ink-testing-library.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { render } from "ink-testing-library";
import type { Clock } from "../../src/shared/clock.js";
import type { AppendInput } from "../../src/store/contract/envelope.js";
import {
  ownEventKey,
  sagaId,
  taskEventKey,
  taskId,
  tickEventKey,
} from "../../src/store/contract/ids.js";
import type { EngineKind, PayloadOf } from "../../src/store/contract/kinds.js";
import { acquireWriterLock, releaseWriterLock } from "../../src/store/log/writer-lock.js";
import { statePaths } from "../../src/store/paths.js";
import { openStore, type Store } from "../../src/store/store.js";
import { App } from "../../src/ui/App.js";
import { StoreSource } from "../../src/ui/data/store-source.js";
import { ManualClock } from "../support/manual-clock.js";

export const T0 = Date.UTC(2026, 10, 20, 13, 40, 0);

/** A state directory with an engine-side (writer) store on it. */
export interface StateDir {
  root: string;
  paths: ReturnType<typeof statePaths>;
  engine: Store;
  append(inputs: readonly AppendInput[]): void;
  /** The engine takes (true) or lets go of (false) its lock: how the UI tells it runs. */
  setEngineRunning(running: boolean): void;
  cleanup(): void;
}

/** `snapshotEvery` is small by default so that replay tests cross several snapshots. */
export function makeStateDir(options: { snapshotEvery?: number } = {}): StateDir {
  const root = mkdtempSync(join(tmpdir(), "forge-ui-"));
  const paths = statePaths(join(root, ".forge-loop"));
  mkdirSync(paths.stateDir, { recursive: true });
  const engine = openStore(paths.eventsDb, {
    mode: "writer",
    snapshotEvery: options.snapshotEvery ?? 5,
  });
  const me = { pid: process.pid, host: hostname(), now: Date.now() };
  return {
    root,
    paths,
    engine,
    append: (inputs) => {
      engine.log.appendBatch(inputs);
    },
    setEngineRunning: (running) => {
      const holder = { ...me, now: Date.now() };
      if (running) acquireWriterLock(engine.db, holder);
      else releaseWriterLock(engine.db, holder);
    },
    cleanup: () => {
      engine.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Builds events the way the engine emits them, at a fixed time per event. */
export function eventBuilder(startMs = T0) {
  let at = startMs;
  return <K extends EngineKind>(
    kind: K,
    payload: PayloadOf<K>,
    key: string,
    ids: { task?: number; tick?: number } = {},
  ): AppendInput => {
    at += 30_000;
    return {
      kind,
      payload: payload as Record<string, unknown>,
      idempotencyKey: key,
      taskId: ids.task === undefined ? null : taskId(ids.task),
      sagaId: ids.tick === undefined ? null : sagaId(ids.tick),
      occurredAt: new Date(at).toISOString(),
    };
  };
}

export const HOSTILE_TITLE = "Hostile \u001b[31mred\u001b[0m `rm -rf /` $(whoami)\nsecond line";

/**
 * The scenario (sequence numbers in brackets): #42 fails checks in a1 and runs a2; #43
 * merges as PR #12; #44 (a hostile title) is blocked by the critic with a sev2 finding.
 */
export function scenario(): AppendInput[] {
  const ev = eventBuilder();
  return [
    /* 1 */ ev(
      "loop.started",
      {
        runner_id: "r1",
        pid: 4242,
        host: "h",
        version: "0.1.0",
        parallel: 3,
        tick_interval_s: 60,
        max_ticks: 0,
        tracker: "local",
        platform: "local",
        config_digest: "c",
        repo: "acme/app",
      },
      "loop.started:r1",
    ),
    /* 2 */ ev(
      "tick.started",
      {
        tick: 1,
        candidates: [
          { issue: 42, title: "a" },
          { issue: 43, title: "b" },
        ],
      },
      tickEventKey("tick.started", 1),
      { tick: 1 },
    ),
    /* 3 */ planned(ev, 42, "Add retry to fetcher"),
    /* 4 */ dispatched(ev, 42, 1, "claude"),
    /* 5 */ planned(ev, 43, "Fix flaky test"),
    /* 6 */ dispatched(ev, 43, 1, "codex"),
    /* 7 */ ev(
      "task.heartbeat",
      { issue: 42, attempt: 1, turns: 10, tool_uses: 4, last_tool: "Bash(npm test)", idle_ms: 0 },
      taskEventKey("task.heartbeat", 42, 1, "n1"),
      { task: 42, tick: 1 },
    ),
    /* 8 */ ev(
      "checks.completed",
      {
        issue: 42,
        attempt: 1,
        passed: false,
        results: [
          {
            command: "npm test",
            exit_code: 1,
            duration_ms: 1200,
            output_tail: "FAIL fetcher.test.ts\nexpected 3 got 2",
          },
        ],
      },
      taskEventKey("checks.completed", 42, 1),
      { task: 42, tick: 1 },
    ),
    /* 9 */ ev(
      "task.failed",
      {
        issue: 42,
        attempt: 1,
        reason: "checks_failed",
        error: "npm test exited 1",
        stderr_tail: "Error: boom\n    at fetch (src/fetch.ts:12:3)",
      },
      taskEventKey("task.failed", 42, 1),
      { task: 42, tick: 1 },
    ),
    /* 10 */ ev(
      "checks.completed",
      { issue: 43, attempt: 1, passed: true, results: [] },
      taskEventKey("checks.completed", 43, 1),
      { task: 43, tick: 1 },
    ),
    /* 11 */ ev(
      "pr.opened",
      {
        issue: 43,
        attempt: 1,
        pr: 12,
        url: "https://example.test/pull/12",
        branch: "loop/43-fix",
        base: "main",
        draft: false,
      },
      taskEventKey("pr.opened", 43, 1),
      { task: 43, tick: 1 },
    ),
    /* 12 */ ev(
      "critique.issued",
      {
        issue: 43,
        attempt: 1,
        overall: "approve",
        blocking: false,
        findings: [],
        sev_counts: { sev1: 0, sev2: 0, sev3: 0 },
        duration_ms: 9000,
        parse_retries: 0,
        pr: 12,
      },
      taskEventKey("critique.issued", 43, 1),
      { task: 43, tick: 1 },
    ),
    /* 13 */ ev(
      "pr.checks_changed",
      { issue: 43, pr: 12, state: "passing", checks: [{ name: "ci", state: "passing" }] },
      taskEventKey("pr.checks_changed", 43, 1, "passing"),
      { task: 43, tick: 1 },
    ),
    /* 14 */ ev(
      "pr.merged",
      { issue: 43, pr: 12, sha: "abcdef1234567890", method: "squash" },
      taskEventKey("pr.merged", 43, 1),
      { task: 43, tick: 1 },
    ),
    /* 15 */ ev(
      "task.completed",
      { issue: 43, attempt: 1, pr: 12, duration_ms: 300_000, cost_usd: 0.4 },
      taskEventKey("task.completed", 43, 1),
      { task: 43, tick: 1 },
    ),
    /* 16 */ ev(
      "tick.completed",
      {
        tick: 1,
        duration_ms: 420_000,
        outcomes: [
          { issue: 42, status: "failed" },
          { issue: 43, status: "merged" },
        ],
      },
      tickEventKey("tick.completed", 1),
      { tick: 1 },
    ),
    /* 17 */ ev(
      "tick.started",
      {
        tick: 2,
        candidates: [
          { issue: 42, title: "a" },
          { issue: 44, title: "c" },
        ],
      },
      tickEventKey("tick.started", 2),
      { tick: 2 },
    ),
    /* 18 */ dispatched(ev, 42, 2, "claude"),
    /* 19 */ planned(ev, 44, HOSTILE_TITLE),
    /* 20 */ dispatched(ev, 44, 1, "codex"),
    /* 21 */ ev(
      "task.heartbeat",
      {
        issue: 42,
        attempt: 2,
        turns: 31,
        tool_uses: 12,
        last_tool: "Bash(npm test)",
        cost_usd: 0.82,
        idle_ms: 0,
      },
      taskEventKey("task.heartbeat", 42, 2, "n1"),
      { task: 42, tick: 2 },
    ),
    /* 22 */ ev(
      "critique.issued",
      {
        issue: 44,
        attempt: 1,
        overall: "request_changes",
        blocking: true,
        findings: [
          {
            severity: "sev2",
            category: "tests",
            file: "src/fetch.ts",
            line: 12,
            message: "no sad-path test for the retry",
            fix: "add a test where the server fails twice",
          },
          { severity: "sev3", category: "style", message: "name could be clearer" },
        ],
        sev_counts: { sev1: 0, sev2: 1, sev3: 1 },
        duration_ms: 12_000,
        parse_retries: 0,
        summary: "Missing sad-path tests",
      },
      taskEventKey("critique.issued", 44, 1),
      { task: 44, tick: 2 },
    ),
    /* 23 */ ev(
      "task.failed",
      { issue: 44, attempt: 1, reason: "critic_blocked", error: "critic blocked the merge" },
      taskEventKey("task.failed", 44, 1),
      { task: 44, tick: 2 },
    ),
  ];
}

type Build = ReturnType<typeof eventBuilder>;

function planned(ev: Build, issue: number, title: string): AppendInput {
  return ev(
    "task.planned",
    { issue, title, labels: ["loop:ready"], fingerprint: `fp${issue}` },
    taskEventKey("task.planned", issue),
    { task: issue },
  );
}

function dispatched(ev: Build, issue: number, attempt: number, adapter: string): AppendInput {
  return ev(
    "task.dispatched",
    {
      issue,
      attempt,
      adapter,
      branch: `loop/${issue}-fix`,
      worktree: `/wt/app-${issue}`,
      brief_digest: `b${issue}${attempt}`,
    },
    taskEventKey("task.dispatched", issue, attempt),
    { task: issue },
  );
}

/** The engine answering a control request, as its control phase would. */
export function controlApplied(
  requestId: string,
  command: "halt" | "resume" | "retry" | "kill",
  result: "applied" | "rejected",
  detail?: string,
): AppendInput {
  return {
    kind: "control.applied",
    payload: { request_id: requestId, command, result, ...(detail ? { detail } : {}) },
    idempotencyKey: ownEventKey("control.applied", requestId),
    occurredAt: new Date().toISOString(),
  };
}

/** A worker transcript the way the supervisor writes it (Claude Code stream-json). */
export function writeTranscript(
  logsDir: string,
  issue: number,
  attempt: number,
  lines: string[],
): void {
  const dir = join(logsDir, `issue-${issue}`, `a${attempt}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "transcript.jsonl"), `${lines.join("\n")}\n`);
}

export type Rendered = ReturnType<typeof render>;

/**
 * Gives the test terminal a size (ink-testing-library's has 100 columns and no rows) and
 * waits for a frame drawn at that size.
 */
export async function resize(ui: Rendered, columns: number, rows: number): Promise<string> {
  Object.defineProperty(ui.stdout, "columns", { value: columns, configurable: true });
  Object.defineProperty(ui.stdout, "rows", { value: rows, configurable: true });
  ui.stdout.emit("resize");
  return waitForFrame(
    ui,
    (f) =>
      f.includes(`have ${columns}×${rows})`) ||
      (f.split("\n").length === rows - 1 && maxWidth(f) === columns),
    `a ${columns}×${rows} frame`,
  );
}

export function maxWidth(frame: string): number {
  return Math.max(...frame.split("\n").map((l) => [...l].length));
}

/** The clock the app shows: a little after the scenario's last event. */
export function scenarioClock(): ManualClock {
  return new ManualClock(T0 + 13 * 60_000);
}

export interface AppHarness {
  ui: Rendered;
  dir: StateDir;
  source: StoreSource;
  clock: ManualClock;
  close(): void;
}

/**
 * The app on a real state directory holding the scenario, with the engine running
 * (unless told otherwise), drawn at `columns`×`rows`.
 */
export async function startApp(
  options: {
    columns?: number;
    rows?: number;
    engineRunning?: boolean;
    events?: readonly AppendInput[];
    /** Lines of the operator stream, written before the app starts (and followed after). */
    jsonl?: readonly string[];
    clock?: Clock;
  } = {},
): Promise<AppHarness> {
  const dir = makeStateDir();
  dir.append(options.events ?? scenario());
  if (options.engineRunning ?? true) dir.setEngineRunning(true);
  if (options.jsonl)
    writeFileSync(dir.paths.eventsJsonl, options.jsonl.map((l) => `${l}\n`).join(""));
  const source = StoreSource.open({
    dbPath: dir.paths.eventsDb,
    ...(options.jsonl ? { jsonlPath: dir.paths.eventsJsonl } : {}),
    logsDir: dir.paths.logsDir,
    label: "state-dir",
    pollMs: 15,
  });
  const clock = scenarioClock();
  const ui = render(<App source={source} clock={options.clock ?? clock} />);
  const close = () => {
    ui.unmount();
    source.close();
    dir.cleanup();
  };
  try {
    await resize(ui, options.columns ?? 120, options.rows ?? 40);
  } catch (err) {
    close();
    throw err;
  }
  return { ui, dir, source, clock, close };
}

/** Waits until the latest frame satisfies `check` (polled; generous timeout for liveness). */
export async function waitForFrame(
  ui: Rendered,
  check: (frame: string) => boolean,
  what = "the expected frame",
  timeoutMs = 10_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const frame = ui.lastFrame() ?? "";
    if (check(frame)) return frame;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; last frame:\n${frame}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const keys = {
  up: "\u001b[A",
  down: "\u001b[B",
  right: "\u001b[C",
  left: "\u001b[D",
  pageUp: "\u001b[5~",
  pageDown: "\u001b[6~",
  home: "\u001b[H",
  end: "\u001b[F",
  enter: "\r",
  escape: "\u001b",
  tab: "\t",
  shiftTab: "\u001b[Z",
  backspace: "\u007f",
} as const;

/** Writes one key and lets Ink handle it (a lone Esc is only flushed on the next turn). */
export async function press(ui: Rendered, key: string): Promise<void> {
  ui.stdin.write(key);
  await new Promise((r) => setTimeout(r, 5));
}
