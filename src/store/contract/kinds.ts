/**
 * The event contract of EVENTS.md as zod schemas: one payload schema per kind the engine
 * emits. Emitting validates strictly (`validatePayload`); reading is lenient (see
 * `envelope.ts`): unknown kinds and extra fields are kept and shown raw.
 */
import { z } from "zod";

const issue = z.number().int().positive();
const attempt = z.number().int().positive();
const nonNegInt = z.number().int().nonnegative();
const isoTime = z.string().min(1);

export const severitySchema = z.enum(["sev1", "sev2", "sev3"]);
export const findingCategorySchema = z.enum([
  "correctness",
  "security",
  "tests",
  "product",
  "performance",
  "architecture",
  "style",
  "docs",
  "spec",
]);

export const findingSchema = z.object({
  severity: severitySchema,
  category: findingCategorySchema,
  file: z.string().optional(),
  line: z.number().int().positive().optional(),
  message: z.string(),
  fix: z.string().optional(),
});
export type Finding = z.infer<typeof findingSchema>;

/** What a critic returns (EVENTS.md "Critic verdict"). */
export const verdictSchema = z.object({
  overall: z.enum(["approve", "request_changes", "block"]),
  summary: z.string().default(""),
  findings: z.array(findingSchema).default([]),
});
export type Verdict = z.infer<typeof verdictSchema>;

export const sevCountsSchema = z.object({ sev1: nonNegInt, sev2: nonNegInt, sev3: nonNegInt });
export type SevCounts = z.infer<typeof sevCountsSchema>;

export const taskFailureReasons = [
  "worker_error",
  "timeout",
  "stale",
  "no_changes",
  "checks_failed",
  "critic_blocked",
  "merge_blocked",
  "killed",
] as const;
export const skipReasons = [
  "cooldown",
  "in_flight",
  "risk_gated",
  "max_attempts",
  "halted",
] as const;
export const controlCommands = ["halt", "resume", "retry", "kill"] as const;
export const observationKinds = ["tool", "message", "retry_wait", "todo", "error"] as const;
export const prCheckStates = ["pending", "passing", "failing"] as const;

export const payloadSchemas = {
  "loop.started": z.object({
    runner_id: z.string(),
    pid: z.number().int(),
    host: z.string(),
    version: z.string(),
    parallel: z.number().int().positive(),
    tick_interval_s: z.number().nonnegative(),
    max_ticks: nonNegInt,
    tracker: z.string(),
    platform: z.string(),
    config_digest: z.string(),
    repo: z.string().optional(),
  }),
  "loop.halted": z.object({
    reason: z.string(),
    by: z.enum(["operator", "engine"]),
    mode: z.enum(["drain", "now"]),
    detail: z.string().optional(),
  }),
  "loop.resumed": z.object({ by: z.string() }),
  "loop.stopped": z.object({
    reason: z.enum(["max_ticks", "signal", "halt", "error"]),
    tick: nonNegInt,
    detail: z.string().optional(),
  }),
  "tick.started": z.object({
    tick: nonNegInt,
    candidates: z.array(z.object({ issue, title: z.string() })),
    run: z.number().int().nonnegative().optional(),
  }),
  "tick.completed": z.object({
    tick: nonNegInt,
    duration_ms: z.number().nonnegative(),
    outcomes: z.array(z.object({ issue, status: z.string() })),
    run: z.number().int().nonnegative().optional(),
  }),
  "task.planned": z.object({
    issue,
    title: z.string(),
    labels: z.array(z.string()),
    fingerprint: z.string(),
    priority: z.string().optional(),
  }),
  "task.skipped": z.object({
    issue,
    reason: z.enum(skipReasons),
    until: isoTime.optional(),
  }),
  "task.dispatched": z.object({
    issue,
    attempt,
    adapter: z.string(),
    model: z.string().optional(),
    branch: z.string(),
    worktree: z.string(),
    brief_digest: z.string(),
  }),
  "task.heartbeat": z.object({
    issue,
    attempt,
    turns: nonNegInt,
    tool_uses: nonNegInt,
    last_tool: z.string().optional(),
    cost_usd: z.number().nonnegative().optional(),
    tokens: nonNegInt.optional(),
    idle_ms: z.number().nonnegative(),
  }),
  "worker.observation": z.object({
    issue,
    attempt,
    what: z.enum(observationKinds),
    summary: z.string(),
  }),
  "checks.completed": z.object({
    issue,
    attempt,
    passed: z.boolean(),
    results: z.array(
      z.object({
        command: z.string(),
        exit_code: z.number().int().nullable(),
        duration_ms: z.number().nonnegative(),
        output_tail: z.string(),
      }),
    ),
  }),
  "critique.issued": z.object({
    issue,
    attempt,
    overall: z.enum(["approve", "request_changes", "block", "error"]),
    blocking: z.boolean(),
    findings: z.array(findingSchema),
    sev_counts: sevCountsSchema,
    duration_ms: z.number().nonnegative(),
    parse_retries: nonNegInt,
    pr: z.number().int().positive().optional(),
    summary: z.string().optional(),
  }),
  "pr.opened": z.object({
    issue,
    attempt,
    pr: z.number().int().positive(),
    url: z.string(),
    branch: z.string(),
    base: z.string(),
    draft: z.boolean(),
  }),
  "pr.checks_changed": z.object({
    issue,
    pr: z.number().int().positive(),
    state: z.enum(prCheckStates),
    checks: z.array(z.object({ name: z.string(), state: z.string() })),
  }),
  "pr.merged": z.object({
    issue,
    pr: z.number().int().positive(),
    sha: z.string(),
    method: z.string(),
  }),
  "merge.blocked": z.object({
    issue,
    pr: z.number().int().positive().optional(),
    reason: z.string(),
  }),
  "task.completed": z.object({
    issue,
    attempt,
    pr: z.number().int().positive().optional(),
    duration_ms: z.number().nonnegative(),
    cost_usd: z.number().nonnegative().optional(),
  }),
  "task.failed": z.object({
    issue,
    attempt,
    reason: z.enum(taskFailureReasons),
    error: z.string().optional(),
    stderr_tail: z.string().optional(),
    retry_at: isoTime.optional(),
    /** What the attempt's worker and critic cost before it failed (final result lines only). */
    cost_usd: z.number().nonnegative().optional(),
  }),
  "task.compensated": z.object({
    issue,
    attempt,
    action: z.enum(["worktree_removed", "lease_reclaimed", "work_rescued"]),
    detail: z.string().optional(),
  }),
  "worktree.reaped": z.object({ issue, path: z.string(), reason: z.string() }),
  "control.requested": z.object({
    request_id: z.string().min(1),
    command: z.enum(controlCommands),
    target: issue.optional(),
    mode: z.enum(["drain", "now"]).optional(),
    force: z.boolean().optional(),
    reason: z.string().optional(),
    by: z.string(),
  }),
  "control.applied": z.object({
    request_id: z.string().min(1),
    command: z.enum(controlCommands),
    result: z.enum(["applied", "rejected"]),
    detail: z.string().optional(),
  }),
} as const;

export type EngineKind = keyof typeof payloadSchemas;
export type PayloadOf<K extends EngineKind> = z.infer<(typeof payloadSchemas)[K]>;
export const engineKinds = Object.keys(payloadSchemas) as EngineKind[];

/** Kinds the Python forge-loop writes and our engine does not: known, shown as they are. */
export const pythonOnlyKinds = [
  "vision.updated",
  "decision.made",
  "idea.rejected",
  "frontier.advanced",
  "memory.promoted",
  "memory.superseded",
  "compaction.performed",
] as const;

export function isEngineKind(kind: string): kind is EngineKind {
  return Object.hasOwn(payloadSchemas, kind);
}

export function isKnownKind(kind: string): boolean {
  return isEngineKind(kind) || (pythonOnlyKinds as readonly string[]).includes(kind);
}

/** Thrown when the engine tries to emit a payload that breaks the contract. */
export class ContractViolation extends Error {
  constructor(
    readonly kind: string,
    readonly issues: string[],
  ) {
    super(`event ${kind} breaks the contract: ${issues.join("; ")}`);
    this.name = "ContractViolation";
  }
}

/** Strict check at emit time: unknown fields are refused, so a typo never reaches the log. */
export function validatePayload<K extends EngineKind>(kind: K, payload: unknown): PayloadOf<K> {
  const result = payloadSchemas[kind].strict().safeParse(payload);
  if (!result.success) {
    throw new ContractViolation(
      kind,
      result.error.issues.map((i) => `${i.path.join(".") || "(payload)"}: ${i.message}`),
    );
  }
  return result.data as PayloadOf<K>;
}
