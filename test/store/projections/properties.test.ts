/**
 * Properties of the whole fold over arbitrary event streams: known kinds and made-up ones,
 * payloads of our shape, of legacy shapes, and of wrong types throughout.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseStoredPayload, type StoredEvent } from "../../../src/store/contract/envelope.js";
import { engineKinds, payloadSchemas, pythonOnlyKinds } from "../../../src/store/contract/kinds.js";
import {
  deserializeState,
  emptyState,
  foldEvent,
  foldEvents,
  serializeState,
} from "../../../src/store/projections/fold.js";
import type { LoopState } from "../../../src/store/projections/types.js";
import { storedEvent } from "../../support/stored-events.js";

const fieldNames = [
  "issue",
  "number",
  "attempt",
  "pr",
  "pr_url",
  "url",
  "tick",
  "run",
  "reason",
  "status",
  "new_state",
  "legacy_kind",
  "mode",
  "request_id",
  "command",
  "target",
  "result",
  "cost_usd",
  "duration_ms",
  "duration_s",
  "turns",
  "tool_uses",
  "last_tool",
  "idle_ms",
  "idle_s",
  "overall",
  "verdict",
  "blocking",
  "findings",
  "sev_counts",
  "results",
  "passed",
  "checks",
  "state",
  "outcomes",
  "candidates",
  "issues",
  "labels",
  "title",
  "until",
  "retry_at",
  "error",
  "stderr_tail",
  "action",
  "past_attempts",
  "sha",
  "method",
  "branch",
  "worktree",
  "adapter",
  "model",
  "reasons",
  "summary",
  "detail",
  "what",
  "__proto__",
  "constructor",
  "toString",
];

const words = [
  "1",
  "2",
  "#3",
  "0",
  "-1",
  "1e999",
  "https://github.com/o/r/pull/4",
  "https://x/y",
  "merged",
  "running",
  "awaiting_critic",
  "ABANDONED",
  "failed",
  "open",
  "timeout",
  "drain",
  "now",
  "halt",
  "applied",
  "rejected",
  "risk_gated",
  "max_attempts",
  "cooldown",
  "in_flight",
  "halted",
  "worker_session_transition",
  "watchdog_worker_killed",
  "critic_verdict_blocked",
  "critic_verdict_merged",
  "block",
  "approve",
  "request_changes",
  "error",
  "sev1",
  "sev2",
  "pending",
  "passing",
  "failing",
  "tool",
  "loop:blocked",
  "risk",
  "2026-01-01T00:00:00.000Z",
  "__proto__",
  "constructor",
  "toString",
  "",
];

const scalar = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -1, max: 5 }) },
  { weight: 4, arbitrary: fc.constantFrom(...words) },
  fc.boolean(),
  fc.constant(null),
  fc.double(),
  fc.string({ maxLength: 6 }),
);

const nested = fc.array(
  fc.oneof(
    fc
      .array(
        fc.tuple(
          fc.constantFrom(
            "severity",
            "category",
            "message",
            "file",
            "line",
            "command",
            "exit_code",
            "output_tail",
            "duration_ms",
            "name",
            "state",
            "issue",
            "status",
            "number",
            "sev1",
            "sev2",
          ),
          scalar,
        ),
        { maxLength: 5 },
      )
      .map((entries) => Object.fromEntries(entries)),
    scalar,
  ),
  { maxLength: 4 },
);

const value = fc.oneof(
  { weight: 6, arbitrary: scalar },
  { weight: 2, arbitrary: nested },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

/** Payload text, parsed as the log reader parses it (so `__proto__` is a plain own key). */
const payloadJson = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .array(
        fc.tuple(
          fc.oneof(
            { weight: 9, arbitrary: fc.constantFrom(...fieldNames) },
            fc.string({ maxLength: 4 }),
          ),
          value,
        ),
        { maxLength: 9 },
      )
      .map((e) => JSON.stringify(Object.fromEntries(e))),
  },
  {
    // Dense: many known fields at once, so the deeper paths of each reducer are reached.
    weight: 6,
    arbitrary: fc
      .subarray(fieldNames)
      .chain((keys) =>
        fc.tuple(...keys.map(() => value)).map((values) => keys.map((k, i) => [k, values[i]])),
      )
      .map((e) => JSON.stringify(Object.fromEntries(e))),
  },
  { weight: 1, arbitrary: fc.constantFrom("[]", "null", "42", '"x"', "{not json") },
);

const knownKinds = [...engineKinds, ...pythonOnlyKinds];

const eventShape = fc.record({
  kind: fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(...knownKinds) },
    fc.string({ maxLength: 12 }),
  ),
  payloadJson,
  taskId: fc.oneof(
    fc.constant(null),
    fc.constantFrom("issue:1", "issue:2", "issue:3", "issue:x"),
    fc.string({ maxLength: 5 }),
  ),
  sagaId: fc.oneof(
    fc.constant(null),
    fc.constantFrom("tick:1", "tick:2", "tick:0"),
    fc.string({ maxLength: 5 }),
  ),
  occurredAt: fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .integer({ min: 0, max: 10_000_000 })
        .map((s) => new Date(Date.UTC(2026, 0, 1) + s * 1000).toISOString()),
    },
    fc.string({ maxLength: 8 }),
  ),
  causalSequence: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
});

/**
 * A small coherent world: an engine kind with its own schema's fields (each present or
 * not) plus legacy fields, ids from a handful of issues, attempts, ticks and PRs, so that
 * events meet each other in the reducers (a tick started then completed, an attempt
 * dispatched then failed) — with wrong types and garbage times mixed in.
 */
const smallId = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 3 }) },
  fc.constantFrom("2", "#3", 0, -1, "x", null, 1.5),
);
const time = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .integer({ min: 0, max: 100_000 })
      .map((s) => new Date(Date.UTC(2026, 0, 1) + s * 1000).toISOString()),
  },
  fc.constantFrom("junk", "", "2026-13-45T99:00:00Z"),
);
const idFields = new Set(["issue", "attempt", "tick", "pr", "target", "number", "past_attempts"]);
const numberFields = new Set([
  "duration_ms",
  "duration_s",
  "cost_usd",
  "turns",
  "tool_uses",
  "idle_ms",
  "idle_s",
  "tokens",
  "parse_retries",
]);
const legacyFields = [
  "legacy_kind",
  "status",
  "new_state",
  "pr_url",
  "duration_s",
  "idle_s",
  "reasons",
  "verdict",
  "issues",
  "past_attempts",
];
const fieldValue = (name: string) => {
  if (idFields.has(name)) return smallId;
  if (name === "run") return fc.constantFrom(0, 0, 0, 1, "x");
  if (name === "until" || name === "retry_at") return time;
  if (numberFields.has(name))
    return fc.oneof({ weight: 5, arbitrary: fc.double({ min: 0, max: 1e7, noNaN: true }) }, value);
  return value;
};
const coherentShape = fc.constantFrom(...engineKinds).chain((kind) => {
  const fields = [...Object.keys(payloadSchemas[kind].shape), ...legacyFields];
  return fc.record({
    kind: fc.constant<string>(kind),
    payloadJson: fc
      .record(
        Object.fromEntries(
          fields.map((f) => [
            f,
            fc.option(fieldValue(f), { nil: undefined, freq: legacyFields.includes(f) ? 2 : 6 }),
          ]),
        ),
      )
      .map((payload) => JSON.stringify(payload)),
    taskId: fc.oneof(fc.constant(null), fc.constantFrom("issue:1", "issue:2", "issue:3")),
    sagaId: fc.oneof(fc.constant(null), fc.constantFrom("tick:1", "tick:2")),
    occurredAt: time,
    causalSequence: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
  });
});

/** Events numbered 1..n, the way the log hands them out: arbitrary ones and coherent ones. */
const events = (maxLength: number) =>
  fc
    .array(fc.oneof(eventShape, coherentShape, coherentShape), { maxLength, size: "max" })
    .map((shapes) =>
      shapes.map((shape, i): StoredEvent => {
        const parsed = parseStoredPayload(shape.payloadJson);
        return storedEvent(shape.kind, parsed.payload, {
          sequence: i + 1,
          payloadJson: shape.payloadJson,
          taskId: shape.taskId,
          sagaId: shape.sagaId,
          occurredAt: shape.occurredAt,
          causalSequence: shape.causalSequence,
          ...(parsed.error === undefined ? {} : { payloadError: parsed.error }),
        });
      }),
    );

const asData = (state: LoopState): unknown => JSON.parse(serializeState(state));

/** Plain JSON data only: what a snapshot can hold without losing or changing anything. */
function plainDataProblem(value: unknown, path: string): string | undefined {
  if (value === null || typeof value === "string" || typeof value === "boolean") return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? undefined : `${path} is ${value}`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (!(i in value) || value[i] === undefined) return `${path}[${i}] is a hole or undefined`;
      const problem = plainDataProblem(value[i], `${path}[${i}]`);
      if (problem) return problem;
    }
    return undefined;
  }
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      const problem = plainDataProblem(item, `${path}.${key}`);
      if (problem) return problem;
    }
    return undefined;
  }
  return `${path} is ${typeof value} ${Object.prototype.toString.call(value)}`;
}

function stateProblem(state: LoopState): string | undefined {
  for (const name of [
    "loop",
    "ticks",
    "tasks",
    "workers",
    "verdicts",
    "prs",
    "scorecard",
  ] as const) {
    for (const [key, row] of state[name]) {
      const problem = plainDataProblem(row, `${name}[${key}]`);
      if (problem) return problem;
    }
  }
  return undefined;
}

describe("folding arbitrary events", () => {
  it("never throws, holds plain JSON data only, and survives a snapshot round trip", () => {
    fc.assert(
      fc.property(events(80), (list) => {
        const state = emptyState();
        for (const event of list) {
          foldEvent(state, event);
          expect(stateProblem(state)).toBeUndefined();
        }
        expect(asData(deserializeState(serializeState(state)))).toEqual(asData(state));
      }),
      { numRuns: 150 },
    );
  });

  it("is deterministic: the same events give the same state", () => {
    fc.assert(
      fc.property(events(80), (list) => {
        expect(serializeState(foldEvents(emptyState(), list))).toBe(
          serializeState(foldEvents(emptyState(), list)),
        );
      }),
      { numRuns: 100 },
    );
  });

  it("snapshot + fold = full fold, at any split point", () => {
    fc.assert(
      fc.property(events(80), fc.nat(), (list, at) => {
        const split = list.length === 0 ? 0 : at % (list.length + 1);
        const straight = foldEvents(emptyState(), list);
        const resumed = foldEvents(
          deserializeState(serializeState(foldEvents(emptyState(), list.slice(0, split)))),
          list.slice(split),
        );
        expect(asData(resumed)).toEqual(asData(straight));
      }),
      { numRuns: 150 },
    );
  });

  it("never mutates a row it was given: earlier states stay intact (replay keeps them)", () => {
    fc.assert(
      fc.property(events(50), (list) => {
        const state = emptyState();
        for (const event of list) {
          const rows: [unknown, string][] = [];
          for (const name of [
            "loop",
            "ticks",
            "tasks",
            "workers",
            "verdicts",
            "prs",
            "scorecard",
          ] as const) {
            for (const row of state[name].values()) rows.push([row, JSON.stringify(row)]);
          }
          foldEvent(state, event);
          for (const [row, before] of rows) expect(JSON.stringify(row)).toBe(before);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe("bounds", () => {
  /** Long streams of the kinds whose collections are bounded, issues from a small set. */
  const boundedKinds = fc.constantFrom(
    ["tick.started", (i: number) => ({ tick: i, run: i % 3, candidates: [] })],
    [
      "tick.completed",
      (i: number) => ({
        tick: i,
        outcomes: Array.from({ length: 150 }, (_, n) => ({ issue: n + 1, status: "x" })),
      }),
    ],
    ["critique.issued", (i: number) => ({ issue: (i % 7) + 1, attempt: 1, overall: "approve" })],
    ["task.dispatched", (i: number) => ({ issue: (i % 3) + 1, attempt: i + 1 })],
    ["task.dispatched", (i: number) => ({ issue: i + 1, attempt: 1 })],
    ["pr.merged", (i: number) => ({ issue: i + 1, pr: i + 1 })],
    ["control.requested", (i: number) => ({ request_id: `r${i}`, command: "halt" })],
    [
      "control.applied",
      (i: number) => ({ request_id: `r${i - 1}`, command: "halt", result: "applied" }),
    ],
  );

  it("holds every bound however long the run", () => {
    fc.assert(
      fc.property(fc.array(boundedKinds, { minLength: 500, maxLength: 2500 }), (kinds) => {
        const state = foldEvents(
          emptyState(),
          kinds.map(([kind, payload], i) =>
            storedEvent(kind as string, (payload as (n: number) => Record<string, unknown>)(i), {
              sequence: i + 1,
            }),
          ),
        );
        expect(state.ticks.size).toBeLessThanOrEqual(500);
        expect(state.verdicts.size).toBeLessThanOrEqual(200);
        for (const tick of state.ticks.values())
          expect(tick.outcomes.length).toBeLessThanOrEqual(100);
        for (const task of state.tasks.values())
          expect(task.attempts.length).toBeLessThanOrEqual(20);
        const loop = state.loop.get("loop");
        expect(loop?.recentControls.length ?? 0).toBeLessThanOrEqual(20);
        expect(Object.keys(loop?.pendingControls ?? {}).length).toBeLessThanOrEqual(50);
        const scorecard = state.scorecard.get("scorecard");
        expect(scorecard?.openTasks.flat().length ?? 0).toBeLessThanOrEqual(256);
        expect(scorecard?.recentMerges.length ?? 0).toBeLessThanOrEqual(50);
      }),
      { numRuns: 15 },
    );
  });
});
