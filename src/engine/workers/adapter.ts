import type { WorkerProgress, WorkerSpec } from "./types.js";

/**
 * What differs between worker kinds: how the process is started and how its output is
 * read. Everything else (spawning, watchdog, transcript, killing) is the supervisor's.
 */
export interface WorkerAdapter {
  invocation(input: InvocationInput): Invocation;
  createParser(): StreamParser;
}

export interface InvocationInput {
  spec: WorkerSpec;
  brief: string;
  cwd: string;
  /** The brief, written to the attempt's log directory. */
  briefFile: string;
}

export interface Invocation {
  file: string;
  args: string[];
  /** Written to stdin, which is then closed; absent: stdin is closed from the start. */
  stdin?: string;
  /** Variables this adapter sets on top of the worker's environment. */
  env?: Record<string, string>;
}

/** Reads a worker's stdout one line at a time; never throws, whatever the line. */
export interface StreamParser {
  line(text: string): WorkerProgress[];
  /** What the stream said about the run as a whole, read after the process ended. */
  summary(): StreamSummary;
}

export interface StreamSummary {
  sessionId?: string;
  turns: number;
  toolUses: number;
  costUsd?: number;
  tokens?: number;
  finalText: string;
  status?: string;
  note?: string;
  /** Set when the stream itself reports failure (or lacks its final line). */
  failure?: string;
}

/** `spec.command` split into the program and the arguments that precede ours. */
export function commandParts(
  spec: WorkerSpec,
  fallback: string,
): { file: string; prefix: string[] } {
  const [file, ...prefix] = spec.command;
  return { file: file ?? fallback, prefix };
}

/**
 * Linux caps a single argument at 128 KiB, and a critic's brief carries a whole diff: a
 * brief larger than this goes to the agent on stdin instead of as an argument.
 */
const maxBriefArgumentBytes = 100 * 1024;

export function briefFitsArgument(brief: string): boolean {
  return Buffer.byteLength(brief) <= maxBriefArgumentBytes;
}
