/**
 * The shapes of the projections: what the live tables hold, what snapshots store and what
 * the UI draws. Every projection is a keyed collection of rows folded by a pure reducer
 * (see `projection.ts`); the whole state is one row collection per projection.
 */
import type { Finding, SevCounts } from "../contract/kinds.js";

export type LoopStatus = "running" | "halted" | "draining" | "stopped" | "unknown";

/** Single row, key "loop". */
export interface LoopRow {
  status: LoopStatus;
  runnerId?: string;
  pid?: number;
  host?: string;
  version?: string;
  repo?: string;
  tracker?: string;
  platform?: string;
  parallel?: number;
  tickIntervalS?: number;
  maxTicks?: number;
  startedAt?: string;
  /** Why the loop is halted or stopped. */
  haltReason?: string;
  haltMode?: "drain" | "now";
  /** Current (or last) tick number and its run (runs separate Python runner restarts). */
  tick?: number;
  run?: number;
  /** Time and sequence of the last event folded: the UI's "last seen". */
  lastEventAt?: string;
  lastSeq: number;
  /** Operator commands requested and not yet answered, by request id. */
  pendingControls: Record<string, PendingControl>;
  /** The last few answered commands, newest last (bounded). */
  recentControls: AnsweredControl[];
}

export interface PendingControl {
  requestId: string;
  command: string;
  target?: number;
  mode?: string;
  requestedAt: string;
  seq: number;
}

export interface AnsweredControl extends PendingControl {
  result: "applied" | "rejected";
  detail?: string;
  answeredAt: string;
}

/** Key `<run>:<tick>` zero-padded so keys sort in tick order. Bounded: the newest ticks only. */
export interface TickRow {
  tick: number;
  run: number;
  startedAt?: string;
  completedAt?: string;
  durationMs?: number;
  candidates: number;
  outcomes: { issue: number; status: string }[];
  startSeq?: number;
  endSeq?: number;
}

export type TaskStatus =
  | "planned"
  | "running"
  | "checks"
  | "critic"
  | "pr_open"
  | "merging"
  | "merged"
  | "completed"
  | "failed"
  | "cooldown"
  | "blocked"
  | "needs_human"
  | "skipped"
  | "compensated";

export interface CheckResultRow {
  command: string;
  exitCode: number | null;
  durationMs: number;
  outputTail: string;
}

export interface VerdictRow {
  issue: number;
  attempt: number;
  seq: number;
  at: string;
  overall: string;
  blocking: boolean;
  summary?: string;
  findings: Finding[];
  sevCounts: SevCounts;
  durationMs?: number;
  parseRetries?: number;
  pr?: number;
}

export type AttemptOutcome = "running" | "completed" | "failed" | "compensated";

export interface AttemptRow {
  attempt: number;
  dispatchedAt?: string;
  dispatchSeq?: number;
  adapter?: string;
  model?: string;
  branch?: string;
  worktree?: string;
  outcome: AttemptOutcome;
  /** The furthest gate reached: dispatch → checks → critic → pr → merge. */
  phase: "dispatched" | "checks" | "critic" | "pr" | "merge";
  checks?: { passed: boolean; results: CheckResultRow[] };
  verdict?: VerdictRow;
  pr?: number;
  reason?: string;
  error?: string;
  stderrTail?: string;
  endedAt?: string;
  endSeq?: number;
  durationMs?: number;
  costUsd?: number;
  turns?: number;
  toolUses?: number;
  lastTool?: string;
  heartbeatAt?: string;
  retryAt?: string;
}

/** Key: the issue number as a string. */
export interface TaskRow {
  issue: number;
  title?: string;
  labels: string[];
  priority?: string;
  fingerprint?: string;
  status: TaskStatus;
  /** Latest attempt number, 0 before the first dispatch. */
  attempt: number;
  /** Newest attempts last; bounded to the most recent 20. */
  attempts: AttemptRow[];
  lastError?: string;
  lastReason?: string;
  pr?: number;
  prUrl?: string;
  verdict?: string;
  costUsd: number;
  retryAt?: string;
  skipReason?: string;
  firstSeenAt?: string;
  firstSeenSeq: number;
  updatedAt?: string;
  updatedSeq: number;
  completedAt?: string;
}

/** Key `<issue>:<attempt>`; present only while the attempt runs. */
export interface WorkerRow {
  issue: number;
  attempt: number;
  adapter?: string;
  model?: string;
  startedAt?: string;
  lastHeartbeatAt?: string;
  turns: number;
  toolUses: number;
  lastTool?: string;
  costUsd?: number;
  tokens?: number;
  idleMs: number;
  phase: AttemptRow["phase"];
}

/** Key: the PR number as a string (or the PR URL when a legacy record has no number). */
export interface PrRow {
  pr: number;
  issue: number;
  url?: string;
  branch?: string;
  base?: string;
  draft?: boolean;
  state: "open" | "merged" | "blocked" | "closed";
  checksState?: "pending" | "passing" | "failing";
  checks: { name: string; state: string }[];
  mergedSha?: string;
  mergeMethod?: string;
  blockedReason?: string;
  openedAt?: string;
  updatedAt?: string;
}

/** Single row, key "scorecard". */
export interface ScorecardRow {
  merged: number;
  failedAttempts: number;
  completedTasks: number;
  attempts: number;
  /** Tasks whose first critic verdict did not block. */
  criticFirstPassAccepted: number;
  /** Tasks that got at least one critic verdict. */
  criticFirstVerdicts: number;
  /** Sum and count of (merge time − first planned/dispatched time), for the mean. */
  leadTimeMsTotal: number;
  leadTimeCount: number;
  costUsdTotal: number;
  costUsdMerged: number;
  /**
   * Bookkeeping behind the counts (a reducer sees one event at a time): the tasks under
   * way, in buckets by issue number (issue % 16), oldest first in each, bounded; a task
   * leaves when it completes.
   */
  openTasks: ScorecardTaskMark[][];
  /** Issues whose merge was counted lately, so a merge reported twice (legacy) counts once. */
  recentMerges: number[];
}

/** What the scorecard remembers about one task under way. */
export interface ScorecardTaskMark {
  issue: number;
  /** When the task was first planned or dispatched: lead time runs from here to the merge. */
  firstSeenAt: string;
  /** Latest attempt started (0 before any), and whether it still runs. */
  attempt: number;
  running: boolean;
  /** Whether the task got a verdict yet: only its first one counts for first-pass acceptance. */
  critiqued: boolean;
  merged: boolean;
}

/** All projections, one keyed collection each. */
export interface ProjectionRows {
  loop: LoopRow;
  ticks: TickRow;
  tasks: TaskRow;
  workers: WorkerRow;
  verdicts: VerdictRow;
  prs: PrRow;
  scorecard: ScorecardRow;
}
export type ProjectionName = keyof ProjectionRows;

/** The folded state: every projection's rows by key, and the last sequence folded. */
export type LoopState = {
  seq: number;
} & { [P in ProjectionName]: Map<string, ProjectionRows[P]> };
