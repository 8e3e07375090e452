/**
 * A realistic, deterministic engine event stream for tests and benchmarks: a loop working a
 * backlog of a few thousand issues, one tick every ~20 events, attempts with heartbeats,
 * checks, critic verdicts, PRs, failures with retries, compensation, and the occasional
 * operator halt/resume. Every payload passes the contract's strict `validatePayload`, so
 * what the projections fold here is what the engine would write.
 *
 * The same seed always yields the same events (the timestamps included), so a benchmark
 * and a test can regenerate the exact stream instead of storing it.
 */
import type { AppendInput } from "../../src/store/contract/envelope.js";
import {
  ownEventKey,
  sagaId,
  taskEventKey,
  taskId,
  tickEventKey,
} from "../../src/store/contract/ids.js";
import type { EngineKind, PayloadOf } from "../../src/store/contract/kinds.js";

export interface EngineStreamOptions {
  seed?: number;
  /** Distinct issue numbers in the backlog (1..issues); issues are retried and re-opened. */
  issues?: number;
  /** Most attempts dispatched in one tick. */
  parallel?: number;
  /** Heartbeats per attempt: a uniform draw in [min, max]. */
  heartbeats?: [number, number];
  /** One operator halt/resume cycle every this many ticks (0: never). */
  controlEveryTicks?: number;
  /** Time of the first event (ms since the epoch). */
  startMs?: number;
}

/** mulberry32: tiny, fast and good enough for generating test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const titles = [
  "Fix flaky retry in the queue lease",
  "Add --json to the status command",
  "Crash when config has an empty list",
  "Unicode title: résumé naïve 日本語 🚀",
  "Hostile title \u001b[31mred\u001b[0m `rm -rf /` $(whoami)",
  "Docs: explain the replay scrubber",
  "Speed up projection rebuild",
];
const tools = ["Read", "Edit", "Bash", "Grep", "Write", "TodoWrite"];
const adapters = ["claude", "codex"];

/**
 * An endless engine stream: take as many events as needed. Times increase in append order,
 * as the engine's clock does, however the parallel attempts' events interleave.
 */
export function* engineStream(options: EngineStreamOptions = {}): Generator<AppendInput> {
  const gaps = prng(((options.seed ?? 1) ^ 0x9e3779b9) >>> 0);
  let at = options.startMs ?? Date.UTC(2026, 10, 20, 9, 0, 0);
  for (const input of unstampedStream(options)) {
    at += 5 + Math.floor(gaps() * 4000);
    yield { ...input, occurredAt: new Date(at).toISOString() };
  }
}

function* unstampedStream(options: EngineStreamOptions): Generator<AppendInput> {
  const rnd = prng(options.seed ?? 1);
  const issues = options.issues ?? 3000;
  const parallel = options.parallel ?? 3;
  const [hbMin, hbMax] = options.heartbeats ?? [2, 8];
  const controlEvery = options.controlEveryTicks ?? 400;
  let now = options.startMs ?? Date.UTC(2026, 10, 20, 9, 0, 0);
  const attempts = new Map<number, number>();
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  let prNumber = 0;
  let requestNumber = 0;

  const event = <K extends EngineKind>(
    kind: K,
    payload: PayloadOf<K>,
    idempotencyKey: string,
    ids: { task?: number; tick?: number } = {},
  ): AppendInput => {
    now += int(5, 4000);
    return {
      kind,
      payload: payload as Record<string, unknown>,
      idempotencyKey,
      taskId: ids.task === undefined ? null : taskId(ids.task),
      sagaId: ids.tick === undefined ? null : sagaId(ids.tick),
    };
  };

  const control = (command: "halt" | "resume", tick: number): AppendInput[] => {
    const requestId = `req${(++requestNumber).toString(16).padStart(8, "0")}`;
    const requested = event(
      "control.requested",
      {
        request_id: requestId,
        command,
        by: "operator",
        ...(command === "halt" ? { mode: "drain" as const } : {}),
      },
      ownEventKey("control.requested", requestId),
    );
    const applied = event(
      "control.applied",
      { request_id: requestId, command, result: "applied" },
      `control.applied:${requestId}`,
      { tick },
    );
    const effect =
      command === "halt"
        ? event(
            "loop.halted",
            { reason: "operator", by: "operator", mode: "drain" },
            `loop.halted:${requestId}`,
          )
        : event("loop.resumed", { by: "operator" }, `loop.resumed:${requestId}`);
    return [requested, applied, effect];
  };

  /** One attempt's events, in order; interleaved with the tick's other attempts. */
  const attemptEvents = (
    issue: number,
    tick: number,
  ): { events: AppendInput[]; status: string } => {
    const out: AppendInput[] = [];
    const ids = { task: issue, tick };
    if (!attempts.has(issue)) {
      out.push(
        event(
          "task.planned",
          {
            issue,
            title: `${pick(titles)} (#${issue})`,
            labels: rnd() < 0.5 ? ["forge-loop", "bug"] : ["forge-loop"],
            fingerprint: `fp${issue.toString(16)}`,
            ...(rnd() < 0.3 ? { priority: pick(["p0", "p1", "p2"]) } : {}),
          },
          taskEventKey("task.planned", issue),
          ids,
        ),
      );
    }
    if (rnd() < 0.05) {
      out.push(
        event(
          "task.skipped",
          { issue, reason: pick(["cooldown", "risk_gated", "max_attempts"] as const) },
          taskEventKey("task.skipped", issue, undefined, `t${tick}`),
          ids,
        ),
      );
      attempts.set(issue, attempts.get(issue) ?? 0);
      return { events: out, status: "skipped" };
    }
    const attempt = (attempts.get(issue) ?? 0) + 1;
    attempts.set(issue, attempt);
    const adapter = pick(adapters);
    const branch = `loop/${issue}-fix`;
    out.push(
      event(
        "task.dispatched",
        {
          issue,
          attempt,
          adapter,
          ...(adapter === "claude" ? { model: "sonnet" } : {}),
          branch,
          worktree: `/work/wt/repo-${issue}`,
          brief_digest: `bd${issue}a${attempt}`,
        },
        taskEventKey("task.dispatched", issue, attempt),
        ids,
      ),
    );
    const heartbeats = int(hbMin, hbMax);
    let turns = 0;
    let toolUses = 0;
    for (let n = 1; n <= heartbeats; n++) {
      turns += int(1, 4);
      toolUses += int(0, 6);
      out.push(
        event(
          "task.heartbeat",
          {
            issue,
            attempt,
            turns,
            tool_uses: toolUses,
            last_tool: pick(tools),
            cost_usd: Math.round(turns * 0.013 * 1000) / 1000,
            tokens: turns * 1800,
            idle_ms: int(0, 30_000),
          },
          taskEventKey("task.heartbeat", issue, attempt, `n${n}`),
          ids,
        ),
      );
    }
    const fail = (reason: PayloadOf<"task.failed">["reason"], error: string): string => {
      out.push(
        event(
          "task.failed",
          {
            issue,
            attempt,
            reason,
            error,
            stderr_tail: "Error: something went wrong\n    at main (src/x.ts:12:3)",
            retry_at: new Date(now + 3_600_000).toISOString(),
          },
          taskEventKey("task.failed", issue, attempt),
          ids,
        ),
      );
      if (reason === "timeout") {
        out.push(
          event(
            "task.compensated",
            { issue, attempt, action: "worktree_removed" },
            taskEventKey("task.compensated", issue, attempt),
            ids,
          ),
          event(
            "worktree.reaped",
            { issue, path: `/work/wt/repo-${issue}`, reason: "timeout" },
            taskEventKey("worktree.reaped", issue, attempt),
            ids,
          ),
        );
      }
      return "failed";
    };
    if (rnd() < 0.05) return { events: out, status: fail("timeout", "worker exceeded 1800 s") };
    const passed = rnd() < 0.88;
    out.push(
      event(
        "checks.completed",
        {
          issue,
          attempt,
          passed,
          results: [
            {
              command: "npm test",
              exit_code: passed ? 0 : 1,
              duration_ms: int(2000, 60_000),
              output_tail: `${passed ? "ok" : "FAIL"} ${"test output line\n".repeat(8)}`,
            },
            {
              command: "npm run lint",
              exit_code: 0,
              duration_ms: int(500, 5000),
              output_tail: "Checked 120 files",
            },
          ],
        },
        taskEventKey("checks.completed", issue, attempt),
        ids,
      ),
    );
    if (!passed) return { events: out, status: fail("checks_failed", "npm test exited 1") };
    prNumber += 1;
    const pr = prNumber;
    out.push(
      event(
        "pr.opened",
        {
          issue,
          attempt,
          pr,
          url: `https://github.com/o/r/pull/${pr}`,
          branch,
          base: "main",
          draft: false,
        },
        taskEventKey("pr.opened", issue, attempt),
        ids,
      ),
    );
    const blocking = rnd() < 0.2;
    const findings = blocking
      ? [
          {
            severity: "sev1" as const,
            category: "correctness" as const,
            file: "src/x.ts",
            line: int(1, 400),
            message: "Off-by-one in the lease expiry",
            fix: "Use <= instead of <",
          },
        ]
      : rnd() < 0.4
        ? [
            {
              severity: "sev3" as const,
              category: "style" as const,
              message: "Name could be clearer",
            },
          ]
        : [];
    out.push(
      event(
        "critique.issued",
        {
          issue,
          attempt,
          overall: blocking ? "block" : "approve",
          blocking,
          findings,
          sev_counts: {
            sev1: blocking ? 1 : 0,
            sev2: 0,
            sev3: findings.length - (blocking ? 1 : 0),
          },
          duration_ms: int(10_000, 120_000),
          parse_retries: rnd() < 0.05 ? 1 : 0,
          pr,
          summary: blocking ? "Blocks: correctness" : "Looks right",
        },
        taskEventKey("critique.issued", issue, attempt),
        ids,
      ),
    );
    if (blocking) {
      out.push(
        event(
          "merge.blocked",
          { issue, pr, reason: "critic_blocked" },
          taskEventKey("merge.blocked", issue, attempt),
          ids,
        ),
      );
      return { events: out, status: fail("critic_blocked", "critic blocked the merge") };
    }
    for (const state of ["pending", "passing"] as const) {
      out.push(
        event(
          "pr.checks_changed",
          {
            issue,
            pr,
            state,
            checks: [
              { name: "ci", state },
              { name: "lint", state: "passing" },
            ],
          },
          taskEventKey("pr.checks_changed", issue, attempt, state),
          ids,
        ),
      );
    }
    out.push(
      event(
        "pr.merged",
        { issue, pr, sha: `${pr.toString(16).padStart(8, "0")}deadbeef`, method: "squash" },
        taskEventKey("pr.merged", issue, attempt),
        ids,
      ),
      event(
        "task.completed",
        {
          issue,
          attempt,
          pr,
          duration_ms: int(60_000, 1_800_000),
          cost_usd: Math.round(turns * 0.013 * 1000) / 1000,
        },
        taskEventKey("task.completed", issue, attempt),
        ids,
      ),
    );
    return { events: out, status: "merged" };
  };

  yield event(
    "loop.started",
    {
      runner_id: "runner-bench",
      pid: 4242,
      host: "bench-host",
      version: "0.1.0",
      parallel,
      tick_interval_s: 60,
      max_ticks: 0,
      tracker: "github",
      platform: "github",
      config_digest: "cfg0",
      repo: "o/r",
    },
    "loop.started:runner-bench",
  );
  for (let tick = 1; ; tick++) {
    if (controlEvery > 0 && tick % controlEvery === 0) {
      yield* control("halt", tick);
      yield* control("resume", tick);
    }
    const chosen = new Set<number>();
    const count = int(1, Math.min(parallel, issues));
    while (chosen.size < count) chosen.add(int(1, issues));
    const candidates = [...chosen];
    const tickStart = now;
    yield event(
      "tick.started",
      { tick, run: 1, candidates: candidates.map((issue) => ({ issue, title: `Issue ${issue}` })) },
      tickEventKey("tick.started", tick),
      { tick },
    );
    const runs = candidates.map((issue) => ({ issue, ...attemptEvents(issue, tick) }));
    // Interleave the attempts as parallel workers would: each step picks a random worker.
    const cursors = runs.map(() => 0);
    for (;;) {
      const live = runs
        .map((_run, i) => i)
        .filter(
          (i) => (cursors[i] as number) < (runs[i] as { events: AppendInput[] }).events.length,
        );
      if (live.length === 0) break;
      const i = pick(live);
      const run = runs[i] as { events: AppendInput[] };
      yield run.events[cursors[i] as number] as AppendInput;
      cursors[i] = (cursors[i] as number) + 1;
    }
    yield event(
      "tick.completed",
      {
        tick,
        run: 1,
        duration_ms: now - tickStart,
        outcomes: runs.map((r) => ({ issue: r.issue, status: r.status })),
      },
      tickEventKey("tick.completed", tick),
      { tick },
    );
  }
}

/** The first `count` events of a stream. */
export function engineEvents(count: number, options: EngineStreamOptions = {}): AppendInput[] {
  const out: AppendInput[] = [];
  for (const input of engineStream(options)) {
    if (out.length >= count) break;
    out.push(input);
  }
  return out;
}
