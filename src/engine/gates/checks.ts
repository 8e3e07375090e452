/**
 * The checks gate: the project's configured commands run in the worktree, one after the
 * other, each as an argument array (never through a shell). Output is kept as a bounded
 * tail, redacted, for the event and for the next attempt's brief.
 */
import { execa } from "execa";
import { redact } from "../../shared/redact.js";

export interface CheckResult {
  command: string;
  exit_code: number | null;
  duration_ms: number;
  output_tail: string;
}

export interface ChecksOutcome {
  passed: boolean;
  results: CheckResult[];
}

const TAIL_CHARS = 4000;

export function tail(text: string, chars = TAIL_CHARS): string {
  return text.length <= chars ? text : `…${text.slice(-chars)}`;
}

export function describeCommand(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(" ");
}

/** Runs every command (stopping at the first failure) with a per-command timeout. */
export async function runChecks(
  commands: readonly (readonly string[])[],
  cwd: string,
  opts: { timeoutMs: number; env?: Record<string, string> },
): Promise<ChecksOutcome> {
  const results: CheckResult[] = [];
  for (const argv of commands) {
    const result = await runOne(argv, cwd, opts);
    results.push(result);
    if (result.exit_code !== 0) return { passed: false, results };
  }
  return { passed: true, results };
}

async function runOne(
  argv: readonly string[],
  cwd: string,
  opts: { timeoutMs: number; env?: Record<string, string> },
): Promise<CheckResult> {
  const [file, ...args] = argv;
  const started = Date.now();
  if (!file)
    return { command: "", exit_code: null, duration_ms: 0, output_tail: "empty check command" };
  const run = await execa(file, args, {
    cwd,
    all: true,
    reject: false,
    stdin: "ignore",
    timeout: opts.timeoutMs,
    killSignal: "SIGKILL",
    maxBuffer: 64 * 1024 * 1024,
    ...(opts.env ? { env: opts.env, extendEnv: true } : {}),
  });
  const output = typeof run.all === "string" ? run.all : "";
  const note = run.timedOut
    ? `\n[forge-loop: timed out after ${opts.timeoutMs} ms]`
    : run.failed && run.exitCode === undefined
      ? `\n[forge-loop: ${run.shortMessage}]`
      : "";
  return {
    command: describeCommand(argv),
    exit_code: run.timedOut ? null : (run.exitCode ?? null),
    duration_ms: Date.now() - started,
    output_tail: redact(tail(output + note)),
  };
}
