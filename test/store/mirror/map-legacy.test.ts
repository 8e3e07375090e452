/**
 * The legacy mapping, table-driven: one fixture record per row of EVENTS.md's mapping
 * table and per shape variant, with the events each must yield.
 */
import { describe, expect, it } from "vitest";
import type { AppendInput } from "../../../src/store/contract/envelope.js";
import {
  initialMirrorState,
  LEGACY_KINDS,
  type MirrorState,
  mapLegacyRecord,
} from "../../../src/store/mirror/map-legacy.js";

const TS = "2026-06-05T09:03:33.588Z";
const PR = "https://github.com/acme/app/pull/12";

/** kind, task, saga, and payload fields the event must carry. */
type Expected = [kind: string, task: string | null, saga: string | null, payload?: object];

interface Case {
  name: string;
  record: Record<string, unknown>;
  events: Expected[];
}

const cases: Case[] = [
  {
    name: "tick_start → tick.started, with the run",
    record: { kind: "tick_start", tick: 3, issues: [412, 413] },
    events: [["tick.started", null, "tick:3", { tick: 3, issues: [412, 413], run: 0 }]],
  },
  {
    name: "po_done → task.planned for each expanded issue",
    record: {
      kind: "po_done",
      tick: 1,
      expanded: [413, "415"],
      skipped: [412],
      outcomes: [{ issue: 413, sections_added: 4 }],
    },
    events: [
      [
        "task.planned",
        "issue:413",
        "tick:1",
        { issue: 413, expanded: [413, "415"], skipped: [412] },
      ],
      ["task.planned", "issue:415", "tick:1", { issue: 415 }],
    ],
  },
  {
    name: "po_done without expanded issues → nothing",
    record: { kind: "po_done", tick: 1, expanded: [], skipped: [412] },
    events: [],
  },
  {
    name: "worker_start → task.dispatched, worker ref = worktree before branch",
    record: {
      kind: "worker_start",
      tick: 1,
      issue: 413,
      branch: "loop/413",
      worktree: "/wt/loop-413",
      title: "Résumé parser – handle “smart quotes”",
      risk_gated: false,
      past_attempts: 0,
    },
    events: [
      [
        "task.dispatched",
        "issue:413",
        "tick:1",
        {
          worker_ref: "/wt/loop-413",
          branch: "loop/413",
          title: "Résumé parser – handle “smart quotes”",
        },
      ],
    ],
  },
  {
    name: "worker_started with a string issue → task.dispatched, worker ref = session_id",
    record: { kind: "worker_started", issue: "427", session_id: "s-1", worker: "w-9" },
    events: [["task.dispatched", "issue:427", null, { worker_ref: "s-1", issue: "427" }]],
  },
  {
    name: "worker_iteration_attempt naming the issue as number → task.dispatched",
    record: { kind: "worker_iteration_attempt", number: 42, attempt: 2, worker_id: "w-1" },
    events: [["task.dispatched", "issue:42", null, { attempt: 2, number: 42, worker_ref: "w-1" }]],
  },
  {
    name: "worker_session_transition AWAITING_CRITIC → pr.opened",
    record: {
      kind: "worker_session_transition",
      session_id: "s-1",
      issue: 42,
      prior_state: "RUNNING",
      new_state: "AWAITING_CRITIC",
      reason: "pr opened",
      pr_url: PR,
    },
    events: [["pr.opened", "issue:42", null, { new_state: "AWAITING_CRITIC", pr_url: PR }]],
  },
  {
    name: "worker_session_transition abandoned → task.failed (status failed)",
    record: {
      kind: "worker_session_transition",
      session_id: "s-1",
      issue: 42,
      prior_state: "running",
      new_state: "abandoned",
      reason: "worker crashed",
      pr_url: null,
    },
    events: [["task.failed", "issue:42", null, { status: "failed", reason: "worker crashed" }]],
  },
  {
    name: "worker_session_transition MERGED → task.completed + pr.merged (status merged)",
    record: {
      kind: "worker_session_transition",
      session_id: "s-1",
      issue: 42,
      prior_state: "AWAITING_CRITIC",
      new_state: "MERGED",
      reason: "",
      pr_url: PR,
    },
    events: [
      ["task.completed", "issue:42", null, { status: "merged", pr_url: PR }],
      ["pr.merged", "issue:42", null, { status: "merged", pr_url: PR }],
    ],
  },
  {
    name: "worker_session_transition to any other state → task.dispatched",
    record: {
      kind: "worker_session_transition",
      session_id: "s-1",
      issue: 42,
      prior_state: "",
      new_state: "DISPATCHED",
      reason: "fresh dispatch",
    },
    events: [["task.dispatched", "issue:42", null, { new_state: "DISPATCHED", worker_ref: "s-1" }]],
  },
  ...(["merged", "open"] as const).map(
    (status): Case => ({
      name: `worker_done ${status} with a PR URL → pr.opened + task.completed`,
      record: { kind: "worker_done", tick: 2, issue: 7, status, pr_url: PR, duration_s: 12.5 },
      events: [
        ["pr.opened", "issue:7", "tick:2", { status, pr_url: PR }],
        ["task.completed", "issue:7", "tick:2", { status, duration_s: 12.5 }],
      ],
    }),
  ),
  ...(["failed", "no_pr", "timeout", "stale", "FAILED"] as const).map(
    (status): Case => ({
      name: `worker_done ${status} without a PR → task.failed`,
      record: { kind: "worker_done", tick: 2, issue: 7, status, pr_url: null, error: "boom" },
      events: [["task.failed", "issue:7", "tick:2", { status, error: "boom" }]],
    }),
  ),
  {
    name: "worker_done compensated → task.compensated",
    record: { kind: "worker_done", issue: 7, status: "compensated" },
    events: [["task.compensated", "issue:7", null, { status: "compensated" }]],
  },
  {
    name: "worker_done with an unknown status → worker.observation",
    record: { kind: "worker_done", issue: 7, status: "thinking" },
    events: [["worker.observation", "issue:7", null, { status: "thinking" }]],
  },
  {
    name: "worker_done with a PR (as `pr`) and an unknown status → pr.opened + worker.observation",
    record: { kind: "worker_done", issue: 7, status: "", pr: PR },
    events: [
      ["pr.opened", "issue:7", null, { pr: PR }],
      ["worker.observation", "issue:7", null, {}],
    ],
  },
  {
    name: "worker_failed → task.failed (status failed, the record's own status kept)",
    record: { kind: "worker_failed", issue: 8, status: "error", err: "exit 1", thread_id: "t-1" },
    events: [
      [
        "task.failed",
        "issue:8",
        null,
        { status: "failed", legacy_status: "error", err: "exit 1", worker_ref: "t-1" },
      ],
    ],
  },
  {
    name: "watchdog_worker_stuck → task.heartbeat",
    record: { kind: "watchdog_worker_stuck", issue: 9, idle_s: 930, stuck_after_s: 900 },
    events: [["task.heartbeat", "issue:9", null, { idle_s: 930, stuck_after_s: 900 }]],
  },
  {
    name: "watchdog_worker_killed → task.heartbeat",
    record: { kind: "watchdog_worker_killed", issue: 9, idle_s: 7300, kill_after_s: 7200 },
    events: [["task.heartbeat", "issue:9", null, { kill_after_s: 7200 }]],
  },
  {
    name: "any other watchdog_* → task.heartbeat, without a task when it names none",
    record: { kind: "watchdog_recovery", recovered: 2, errors: 0 },
    events: [["task.heartbeat", null, null, { recovered: 2 }]],
  },
  {
    name: "stage_timeout of the worker stage → task.failed (status timeout)",
    record: { kind: "stage_timeout", stage: "worker", issue: 10, timeout_s: 7200 },
    events: [["task.failed", "issue:10", null, { status: "timeout", stage: "worker" }]],
  },
  {
    name: "stage_timeout of another stage → worker.observation",
    record: { kind: "stage_timeout", stage: "critic", number: 10 },
    events: [["worker.observation", "issue:10", null, { stage: "critic" }]],
  },
  {
    name: "stage_error of the worker stage → task.failed (status failed)",
    record: { kind: "stage_error", stage: "worker", number: "10", error: "oops" },
    events: [["task.failed", "issue:10", null, { status: "failed", error: "oops" }]],
  },
  {
    name: "stage_error of another stage → worker.observation",
    record: { kind: "stage_error", stage: "po", issue: 10 },
    events: [["worker.observation", "issue:10", null, {}]],
  },
  {
    name: "tick_done → tick.completed, plus per outcome pr.opened / terminal kind / pr.merged",
    record: {
      kind: "tick_done",
      tick: 4,
      merged: [1],
      outcomes: [
        { issue: 1, title: "a", pr_url: PR, status: "merged", duration_s: 10.0, error: null },
        { issue: 2, title: "b", pr_url: `${PR}3`, status: "open", duration_s: 5 },
        { issue: 3, title: "c", pr_url: null, status: "failed", error: "exit 2" },
        { issue: 4, status: "no_pr" },
        { issue: 5, status: "compensated" },
        { issue: "6", status: "still-running" },
        "not an outcome",
      ],
    },
    events: [
      ["tick.completed", null, "tick:4", { tick: 4, merged: [1], run: 0 }],
      [
        "pr.opened",
        "issue:1",
        "tick:4",
        { issue: 1, pr_url: PR, tick: 4, legacy_kind: "tick_done" },
      ],
      ["task.completed", "issue:1", "tick:4", { issue: 1, status: "merged" }],
      ["pr.merged", "issue:1", "tick:4", { issue: 1, status: "merged" }],
      ["pr.opened", "issue:2", "tick:4", { pr_url: `${PR}3` }],
      ["task.completed", "issue:2", "tick:4", { status: "open" }],
      ["task.failed", "issue:3", "tick:4", { status: "failed", error: "exit 2" }],
      ["task.failed", "issue:4", "tick:4", { status: "no_pr" }],
      ["task.compensated", "issue:5", "tick:4", { status: "compensated" }],
    ],
  },
  {
    name: "critic_done approving → critique.issued",
    record: {
      kind: "critic_done",
      issue: 11,
      pr: PR,
      verdict: "approved",
      reasons: [],
      duration_s: 41.2,
      sev_counts: { sev1: 0, sev2: 0, sev3: 1 },
      parse_retries: 0,
      findings: [{ severity: "sev3", message: "nit" }],
    },
    events: [
      ["critique.issued", "issue:11", null, { verdict: "approved", sev_counts: { sev3: 1 } }],
    ],
  },
  ...(["blocked", "BLOCK"] as const).map(
    (verdict): Case => ({
      name: `critic_done with verdict ${verdict} → critique.issued + merge.blocked`,
      record: { kind: "critic_done", issue: 11, pr: PR, verdict, reasons: ["sev1: tests"] },
      events: [
        ["critique.issued", "issue:11", null, { verdict }],
        ["merge.blocked", "issue:11", null, { reasons: ["sev1: tests"] }],
      ],
    }),
  ),
  {
    name: "critic_verdict_blocked → critique.issued + merge.blocked",
    record: { kind: "critic_verdict_blocked", issue: 11, pr: PR },
    events: [
      ["critique.issued", "issue:11", null, {}],
      ["merge.blocked", "issue:11", null, {}],
    ],
  },
  ...["critic_verdict_merged", "critic_verdict_revising", "critic_verdict_unknown"].map(
    (kind): Case => ({
      name: `${kind} → critique.issued`,
      record: { kind, issue: 11, pr: PR },
      events: [["critique.issued", "issue:11", null, { pr: PR }]],
    }),
  ),
  {
    name: "merge_refused_issue_closed → merge.blocked",
    record: { kind: "merge_refused_issue_closed", issue: 12, pr: PR },
    events: [["merge.blocked", "issue:12", null, { pr: PR }]],
  },
  {
    name: "post_critic_automerge_failed → merge.blocked",
    record: { kind: "post_critic_automerge_failed", issue: 12, pr: PR, reason: "not mergeable" },
    events: [["merge.blocked", "issue:12", null, { reason: "not mergeable" }]],
  },
  {
    name: "post_critic_automerge_enabled → pr.merged (status merged)",
    record: { kind: "post_critic_automerge_enabled", issue: 12, pr: PR, method: "squash" },
    events: [["pr.merged", "issue:12", null, { status: "merged", method: "squash", pr: PR }]],
  },
  {
    name: "worker_work_rescued → task.compensated (status compensated)",
    record: { kind: "worker_work_rescued", issue: 13, pr: PR, hint: "review it" },
    events: [["task.compensated", "issue:13", null, { status: "compensated", pr: PR }]],
  },
  {
    name: "worktree_reaped → worktree.reaped",
    record: { kind: "worktree_reaped", issue: 13, status: "merged" },
    events: [["worktree.reaped", "issue:13", null, { status: "merged" }]],
  },
  {
    name: "loop_drift_halt → loop.halted{reason}",
    record: { kind: "loop_drift_halt", signature: "E:exit 1", last_3: ["a", "b", "c"] },
    events: [["loop.halted", null, null, { reason: "loop_drift_halt", signature: "E:exit 1" }]],
  },
  {
    name: "deploy_drift_halt → loop.halted{reason}",
    record: { kind: "deploy_drift_halt", consecutive_fails: 3 },
    events: [["loop.halted", null, null, { reason: "deploy_drift_halt", consecutive_fails: 3 }]],
  },
  {
    name: "max_ticks_reached → loop.halted{reason}",
    record: { kind: "max_ticks_reached", tick: 10 },
    events: [["loop.halted", null, "tick:10", { reason: "max_ticks_reached", tick: 10 }]],
  },
  {
    name: "loop_stop with its own reason → loop.halted{reason = kind}, own reason kept",
    record: { kind: "loop_stop", reason: "stop file present" },
    events: [
      ["loop.halted", null, null, { reason: "loop_stop", legacy_reason: "stop file present" }],
    ],
  },
  {
    name: "loop_start → no event (it starts a run)",
    record: { kind: "loop_start", parallel: 3, runner_id: "host-1" },
    events: [],
  },
];

describe("mapLegacyRecord: the mapping table", () => {
  it.each(cases)("$name", ({ record, events: expected }) => {
    const step = mapLegacyRecord(initialMirrorState, { ts: TS, ...record });
    expect(step.outcome).toBe("mapped");
    expect(step.events.map((e) => [e.kind, e.taskId, e.sagaId])).toEqual(
      expected.map(([kind, task, saga]) => [kind, task, saga]),
    );
    step.events.forEach((event, index) => {
      const fields = expected[index]?.[3] ?? {};
      expect(event.payload).toMatchObject(fields);
      expect(event.payload).not.toHaveProperty("ts");
      expect(event.payload).not.toHaveProperty("kind");
      expect(event.payload.legacy_kind).toBe(record.kind);
      expect(event.occurredAt).toBe(TS);
      expect(event.idempotencyKey).toMatch(
        new RegExp(`^mirror:(\\d{4}-\\d\\d-\\d\\dT[\\d:.]{12}Z|-):[0-9a-f]{32}:${index}$`),
      );
    });
  });

  it("keeps every field of the record in the payload of a whole-record event", () => {
    const record = {
      ts: TS,
      kind: "critic_done",
      issue: 11,
      pr: PR,
      verdict: "approved",
      nested: { deep: [1, { x: "é" }] },
      error_class: null,
    };
    const [event] = mapLegacyRecord(initialMirrorState, record).events;
    const { ts: _ts, kind: _kind, ...rest } = record;
    expect(event?.payload).toEqual({ ...rest, legacy_kind: "critic_done" });
  });

  it("covers every kind it says it maps", () => {
    const covered = new Set(cases.map((c) => c.record.kind));
    expect(LEGACY_KINDS.filter((k) => !covered.has(k))).toEqual([]);
  });

  it("does not map kinds outside the table, and invents nothing for them", () => {
    for (const record of [
      { ts: TS, kind: "sprint_consolidated", tick: 3 },
      { ts: TS, kind: "memory_promoted", count: 2 },
      { ts: TS, kind: "constructor" },
      { ts: TS, kind: "__proto__" },
      { ts: TS, kind: 42 },
      { ts: TS },
    ]) {
      const step = mapLegacyRecord(initialMirrorState, record);
      expect(step).toMatchObject({ outcome: "unmapped", events: [] });
    }
  });

  it("keeps a record's own legacy_kind under another name", () => {
    const [event] = mapLegacyRecord(initialMirrorState, {
      ts: TS,
      kind: "worker_failed",
      issue: 1,
      legacy_kind: "forged",
    }).events;
    expect(event?.payload).toMatchObject({
      legacy_kind: "worker_failed",
      legacy_legacy_kind: "forged",
    });
  });
});

describe("mapLegacyRecord: tasks and issues", () => {
  const taskOf = (record: Record<string, unknown>) =>
    mapLegacyRecord(initialMirrorState, { ts: TS, kind: "worker_failed", ...record }).events[0]
      ?.taskId;

  it("reads the issue from `issue`, else `number`, as numbers or numeric strings", () => {
    expect(taskOf({ issue: 427 })).toBe("issue:427");
    expect(taskOf({ issue: "427" })).toBe("issue:427");
    expect(taskOf({ issue: " #427 " })).toBe("issue:427");
    expect(taskOf({ number: 427 })).toBe("issue:427");
    expect(taskOf({ number: "427" })).toBe("issue:427");
    expect(taskOf({ issue: "not a number", number: 5 })).toBe("issue:5");
  });

  it("gives no task for what is not a positive whole number", () => {
    for (const issue of [0, -3, 1.5, "", "12abc", null, true, [4], { n: 4 }, 2 ** 60]) {
      expect(taskOf({ issue })).toBeNull();
    }
  });
});

describe("mapLegacyRecord: time", () => {
  const step = (state: MirrorState, ts: unknown) =>
    mapLegacyRecord(state, {
      kind: "worker_failed",
      issue: 1,
      ...(ts === undefined ? {} : { ts }),
    });

  it("uses the record's ts, normalised to UTC ISO with milliseconds", () => {
    const s = step(initialMirrorState, "2026-11-21T01:05:43.333670+00:00");
    expect(s.events[0]?.occurredAt).toBe("2026-11-21T01:05:43.333Z");
    // Normalising changed it: the raw value stays in the payload.
    expect(s.events[0]?.payload.legacy_ts).toBe("2026-11-21T01:05:43.333670+00:00");
    expect(step(initialMirrorState, TS).events[0]?.payload).not.toHaveProperty("legacy_ts");
  });

  it("lends the last good time to a record whose ts is missing or bad, keeping the bad one", () => {
    const first = step(initialMirrorState, TS);
    const missing = step(first.state, undefined);
    expect(missing.events[0]?.occurredAt).toBe(TS);
    expect(missing.events[0]?.payload).not.toHaveProperty("legacy_ts");
    const bad = step(missing.state, "yesterday-ish");
    expect(bad.events[0]?.occurredAt).toBe(TS);
    expect(bad.events[0]?.payload.legacy_ts).toBe("yesterday-ish");
  });

  it("leaves the time to the log when no record so far had a good one", () => {
    const s = step(initialMirrorState, "garbage");
    expect(s.events[0]).not.toHaveProperty("occurredAt");
    expect(s.events[0]?.payload.legacy_ts).toBe("garbage");
  });
});

describe("mapLegacyRecord: runs", () => {
  function ticksOf(records: Record<string, unknown>[]): [string, unknown, unknown][] {
    let state = initialMirrorState;
    const out: AppendInput[] = [];
    for (const record of records) {
      const step = mapLegacyRecord(state, { ts: TS, ...record });
      state = step.state;
      out.push(...step.events);
    }
    return out
      .filter((e) => e.kind.startsWith("tick."))
      .map((e) => [e.kind, e.payload.tick, e.payload.run]);
  }

  it("starts a new run when the tick counter goes backwards", () => {
    expect(
      ticksOf([
        { kind: "tick_start", tick: 1 },
        { kind: "tick_done", tick: 1, outcomes: [] },
        { kind: "tick_start", tick: 2 },
        { kind: "tick_start", tick: 1 },
        { kind: "tick_done", tick: 1, outcomes: [] },
        { kind: "tick_start", tick: 2 },
      ]),
    ).toEqual([
      ["tick.started", 1, 0],
      ["tick.completed", 1, 0],
      ["tick.started", 2, 0],
      ["tick.started", 1, 1],
      ["tick.completed", 1, 1],
      ["tick.started", 2, 1],
    ]);
  });

  it("starts a new run at every loop_start, and notices ticks on unmapped records too", () => {
    expect(
      ticksOf([
        { kind: "loop_start" },
        { kind: "tick_start", tick: 1 },
        { kind: "loop_start" },
        { kind: "tick_start", tick: 1 },
        { kind: "sprint_consolidated", tick: 5 },
        { kind: "tick_start", tick: "3" },
      ]),
    ).toEqual([
      ["tick.started", 1, 1],
      ["tick.started", 1, 2],
      ["tick.started", "3", 3],
    ]);
  });

  it("keeps the saga id as the tick; the run tells the runs apart", () => {
    let state = initialMirrorState;
    const sagas: (string | null | undefined)[] = [];
    for (const tick of [0, 1, 0]) {
      const step = mapLegacyRecord(state, { ts: TS, kind: "tick_start", tick });
      state = step.state;
      sagas.push(step.events[0]?.sagaId);
    }
    expect(sagas).toEqual(["tick:0", "tick:1", "tick:0"]);
    expect(state.run).toBe(1);
  });
});

describe("mapLegacyRecord: idempotency keys", () => {
  it("derives the key from the record alone: same record, same keys; any difference, new keys", () => {
    const record = { ts: TS, kind: "critic_done", issue: 11, verdict: "blocked" };
    const a = mapLegacyRecord(initialMirrorState, record);
    const again = mapLegacyRecord({ run: 7, lastTick: 99 }, { ...record });
    const reordered = mapLegacyRecord(initialMirrorState, {
      verdict: "blocked",
      issue: 11,
      kind: "critic_done",
      ts: TS,
    });
    const later = mapLegacyRecord(initialMirrorState, {
      ...record,
      ts: "2026-06-05T09:03:33.589Z",
    });
    const keys = (s: typeof a) => s.events.map((e) => e.idempotencyKey);
    expect(keys(again)).toEqual(keys(a));
    expect(keys(reordered)).toEqual(keys(a));
    expect(new Set([...keys(a), ...keys(later)]).size).toBe(4);
  });

  it("refuses records nested too deeply to store, without throwing", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i += 1) deep = { d: deep };
    const step = mapLegacyRecord(initialMirrorState, { ts: TS, kind: "critic_done", deep });
    expect(step).toMatchObject({ outcome: "too_deep", events: [] });
  });
});
