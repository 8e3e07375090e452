/**
 * The one way the engine runs git: argument arrays (never a shell), a fixed identity and
 * a controlled environment, and errors that carry git's own stderr.
 */
import { execa } from "execa";
import { redact } from "../../shared/redact.js";

/** Who the engine's own commits (merges, squashes, rescues) are by. */
export const ENGINE_IDENTITY = { name: "forge-loop", email: "forge-loop@localhost" } as const;

/**
 * Inherited variables that redirect git somewhere else (`GIT_DIR`, `GIT_INDEX_FILE`, …,
 * set for instance when forge-loop runs inside a git hook) would make every command act
 * on the wrong repository. Only these survive; everything else named `GIT_*` is dropped.
 */
const keptGitVariables = new Set([
  "GIT_SSH",
  "GIT_SSH_COMMAND",
  "GIT_SSH_VARIANT",
  "GIT_ASKPASS",
  "GIT_EXEC_PATH",
  "GIT_CONFIG_GLOBAL",
  "GIT_CONFIG_NOSYSTEM",
  "GIT_TRACE",
]);

export function gitEnv(base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined) continue;
    if (name.startsWith("GIT_") && !keptGitVariables.has(name)) continue;
    env[name] = value;
  }
  return {
    ...env,
    GIT_AUTHOR_NAME: ENGINE_IDENTITY.name,
    GIT_AUTHOR_EMAIL: ENGINE_IDENTITY.email,
    GIT_COMMITTER_NAME: ENGINE_IDENTITY.name,
    GIT_COMMITTER_EMAIL: ENGINE_IDENTITY.email,
    // Never wait for a password or a pager: there is nobody at the keyboard.
    GIT_TERMINAL_PROMPT: "0",
    GIT_PAGER: "cat",
    PAGER: "cat",
    // `git status` must not refresh (write) the index of an operator's checkout.
    GIT_OPTIONAL_LOCKS: "0",
    // Stable, parseable messages.
    LC_ALL: "C",
    LANGUAGE: "C",
  };
}

/**
 * Settings forced on every command: no colour or quoting in parsed output, and no
 * signing prompt for the engine's own commits (a gpg pinentry would hang the loop).
 */
const forcedConfig = [
  "-c",
  "color.ui=false",
  "-c",
  "core.quotePath=false",
  "-c",
  "commit.gpgSign=false",
  "-c",
  "tag.gpgSign=false",
  "-c",
  "advice.detachedHead=false",
];

export class GitError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | undefined,
    readonly stderr: string,
    readonly stdout: string,
    detail?: string,
  ) {
    const why = detail ?? (exitCode === undefined ? "did not finish" : `exit ${exitCode}`);
    const tail = lastLines(stderr || stdout, 8);
    super(redact(`git ${args.join(" ")} failed (${why})${tail ? `: ${tail}` : ""}`));
    this.name = "GitError";
  }
}

export interface GitOptions {
  /** stdin for the command; stdin is closed otherwise. */
  input?: string;
  /** Default 5 minutes: long enough for a fetch, short enough that a hung remote ends. */
  timeoutMs?: number;
  /** Extra environment on top of `gitEnv()`. */
  env?: Record<string, string>;
  /** Stop reading stdout after this many characters; `truncated` says so. */
  maxOutputChars?: number;
}

export interface GitResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  truncated: boolean;
}

const defaultTimeoutMs = 5 * 60_000;

/** Runs git and returns its output whatever the exit code (it throws only if git could not run). */
export async function gitResult(
  cwd: string,
  args: readonly string[],
  options: GitOptions = {},
): Promise<GitResult> {
  const result = await execa("git", [...forcedConfig, ...args], {
    cwd,
    env: { ...gitEnv(), ...options.env },
    extendEnv: false,
    reject: false,
    stripFinalNewline: false,
    timeout: options.timeoutMs ?? defaultTimeoutMs,
    maxBuffer: options.maxOutputChars ?? 256 * 1024 * 1024,
    ...(options.input === undefined ? { stdin: "ignore" as const } : { input: options.input }),
  });
  const truncated = result.isMaxBuffer === true;
  if (!truncated && (result.timedOut || result.exitCode === undefined)) {
    const why = result.timedOut ? "timed out" : result.shortMessage;
    throw new GitError(args, undefined, String(result.stderr ?? ""), "", why);
  }
  return {
    stdout: String(result.stdout ?? ""),
    stderr: String(result.stderr ?? ""),
    exitCode: result.exitCode ?? 0,
    truncated,
  };
}

/** Runs git and returns stdout without its final newline; a non-zero exit throws GitError. */
export async function git(
  cwd: string,
  args: readonly string[],
  options: GitOptions = {},
): Promise<string> {
  const result = await gitResult(cwd, args, options);
  if (result.exitCode !== 0 && !result.truncated) {
    throw new GitError(args, result.exitCode, result.stderr, result.stdout);
  }
  return result.stdout.replace(/\n$/, "");
}

function lastLines(text: string, count: number): string {
  return text.trim().split("\n").slice(-count).join("\n").trim();
}
