/**
 * A worker turns a brief and a worktree into a supervised child process and a stream of
 * typed progress. Adapters (claude-code, codex, command) differ only in argv and in how
 * they read the process's output; spawning, the watchdog, the transcript and killing the
 * process group are shared.
 */

export type AdapterName = "claude-code" | "codex" | "command";

export interface WorkerSpec {
  adapter: AdapterName;
  /** The executable (default `claude` / `codex`); for `command`, the whole argv. */
  command: string[];
  model?: string;
  /** Extra arguments appended for claude-code / codex. */
  args: string[];
  /** claude-code `--permission-mode`, `--max-turns`. */
  permissionMode?: string;
  maxTurns?: number;
  /** No output for this long with no tool in flight = stalled (`stale`). */
  stallTimeoutMs: number;
  /** Wall clock limit (`timeout`). */
  wallTimeoutMs: number;
  /** Between SIGTERM and SIGKILL when the worker is stopped (default 10 000). */
  killGraceMs?: number;
  /** Names of environment variables passed through from the engine's environment. */
  envAllow: string[];
  /**
   * Extra variables set for this worker. Values under secret-looking names (`*_TOKEN`,
   * `*_API_KEY`, …) are redacted wherever they appear in transcripts and results.
   */
  env?: Record<string, string>;
}

/** Progress parsed from the worker's stream. */
export type WorkerProgress =
  | { type: "session"; sessionId: string }
  | {
      type: "observation";
      what: "tool" | "message" | "retry_wait" | "todo" | "error";
      summary: string;
      /** For `retry_wait`: how long the agent said it will wait before retrying. */
      waitMs?: number;
    }
  | { type: "tool_started"; id: string; name: string }
  | { type: "tool_finished"; id: string }
  | { type: "turn" }
  | { type: "usage"; tokens?: number; costUsd?: number };

export interface WorkerResult {
  outcome: "completed" | "error" | "timeout" | "stale" | "killed";
  exitCode: number | null;
  signal: string | null;
  sessionId?: string;
  turns: number;
  toolUses: number;
  /** From the final result line only (claude `total_cost_usd`); never estimated. */
  costUsd?: number;
  tokens?: number;
  /** The agent's final message text (critic verdicts are read from it). */
  finalText: string;
  /** A command worker's `{"status", "note"}` last line. */
  status?: string;
  note?: string;
  error?: string;
  stderrTail: string;
  transcriptPath: string;
  durationMs: number;
}

export interface StartWorkerInput {
  spec: WorkerSpec;
  brief: string;
  cwd: string;
  /** Directory for transcript.jsonl, stderr.log, brief.md. */
  logDir: string;
  onProgress?: (progress: WorkerProgress) => void;
}

export interface WorkerHandle {
  pid: number | undefined;
  done: Promise<WorkerResult>;
  /** SIGTERM to the process group, SIGKILL after the grace period; the result says `killed`. */
  kill(reason: string, graceMs?: number): Promise<void>;
}
