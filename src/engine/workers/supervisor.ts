import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { execa, type Result, type ResultPromise } from "execa";
import { describeError, UserError } from "../../shared/errors.js";
import { envSecrets, redact } from "../../shared/redact.js";
import type { StreamParser, WorkerAdapter } from "./adapter.js";
import { LineLog } from "./line-log.js";
import { type Line, LineSplitter } from "./line-splitter.js";
import { terminateGroup } from "./process-group.js";
import { cutAt, oneLine, TextTail } from "./text.js";
import type { StartWorkerInput, WorkerHandle, WorkerProgress, WorkerResult } from "./types.js";
import { Watchdog } from "./watchdog.js";
import { workerEnv } from "./worker-env.js";

/**
 * Runs one worker process under supervision: its own process group, a controlled
 * environment, output read as a stream of bounded lines (the parser, the transcript and
 * the watchdog each see every line; nothing keeps the whole output), and a result that
 * always arrives: a missing binary, a crash, a hang or a kill are outcomes, not throws.
 */

const defaultKillGraceMs = 10_000;

/** Lines longer than this are not parsed; only their head is kept. */
const maxLineBytes = 1024 * 1024;
/** The head of an over-long line kept in the transcript. */
const truncatedHeadChars = 64 * 1024;
const transcriptLimitBytes = 64 * 1024 * 1024;
const stderrLogLimitBytes = 8 * 1024 * 1024;
const stderrTailChars = 8 * 1024;
/**
 * After the group is gone, how long its output may take to drain before we let go of the
 * pipes (a process that left the group, e.g. with setsid, could hold them open forever).
 */
const pipeGraceMs = 5_000;

type Ending = { outcome: "timeout" | "stale" | "killed"; error: string };

export function supervise(input: StartWorkerInput, adapter: WorkerAdapter): WorkerHandle {
  const run = new SupervisedRun(input, adapter);
  return { pid: run.pid, done: run.done, kill: (reason, graceMs) => run.kill(reason, graceMs) };
}

class SupervisedRun {
  readonly done: Promise<WorkerResult>;
  private readonly startedAt = performance.now();
  private readonly parser: StreamParser;
  private readonly secrets: string[];
  private readonly transcript: LineLog;
  private readonly stderrLog: LineLog;
  private readonly stderrTail = new TextTail(stderrTailChars);
  private readonly watchdog: Watchdog;
  private readonly graceMs: number;
  private program: string;
  private child: ResultPromise | undefined;
  private startError: string | undefined;
  private ending: Ending | undefined;
  private terminating: Promise<void> | undefined;
  private settled = false;

  constructor(
    private readonly input: StartWorkerInput,
    private readonly adapter: WorkerAdapter,
  ) {
    const { spec, logDir } = input;
    this.parser = adapter.createParser();
    this.graceMs = spec.killGraceMs ?? defaultKillGraceMs;
    this.program = spec.command[0] ?? spec.adapter;
    this.secrets = [...envSecrets(), ...envSecrets(spec.env ?? {})];
    this.watchdog = new Watchdog({
      stallTimeoutMs: spec.stallTimeoutMs,
      wallTimeoutMs: spec.wallTimeoutMs,
      onStall: () =>
        this.stop({
          outcome: "stale",
          error: `no output for ${seconds(spec.stallTimeoutMs)} with no tool in flight`,
        }),
      onWallTimeout: () =>
        this.stop({
          outcome: "timeout",
          error: `still running after ${seconds(spec.wallTimeoutMs)}`,
        }),
    });
    const prepared = this.prepareLogDir();
    this.transcript = new LineLog(join(logDir, "transcript.jsonl"), transcriptLimitBytes);
    this.stderrLog = new LineLog(join(logDir, "stderr.log"), stderrLogLimitBytes);
    if (prepared) this.spawn();
    this.done = this.finish();
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async kill(reason: string, graceMs = this.graceMs): Promise<void> {
    if (this.settled) return;
    this.ending ??= { outcome: "killed", error: `killed: ${reason}` };
    await this.terminate(graceMs);
    await this.done;
  }

  private prepareLogDir(): boolean {
    try {
      mkdirSync(this.input.logDir, { recursive: true });
      // The brief exactly as the worker receives it (a command worker reads this very file).
      writeFileSync(this.briefFile, this.input.brief);
      return true;
    } catch (err) {
      this.startError = `cannot prepare the log directory ${this.input.logDir}: ${describeError(err)}`;
      return false;
    }
  }

  private get briefFile(): string {
    return join(this.input.logDir, "brief.md");
  }

  private spawn(): void {
    const { spec, brief, cwd } = this.input;
    try {
      const invocation = this.adapter.invocation({ spec, brief, cwd, briefFile: this.briefFile });
      this.program = invocation.file;
      this.child = execa(invocation.file, invocation.args, {
        cwd,
        env: workerEnv(spec, process.env, invocation.env),
        extendEnv: false,
        // Leader of its own process group: one signal reaches everything it starts.
        detached: true,
        ...(invocation.stdin === undefined
          ? { stdin: "ignore" as const }
          : { input: invocation.stdin }),
        stdout: "pipe",
        stderr: "pipe",
        buffer: false,
        reject: false,
        forceKillAfterDelay: false,
      });
    } catch (err) {
      const hint = err instanceof UserError && err.hint ? ` (${err.hint})` : "";
      this.startError = `cannot start ${this.program}: ${describeError(err)}${hint}`;
      return;
    }
    this.child.once("exit", () => this.onExit());
    this.watchdog.start();
  }

  private async finish(): Promise<WorkerResult> {
    const child = this.child;
    let result: Result | undefined;
    if (child) {
      [result] = await Promise.all([
        child,
        this.pump(child.stdout, (line) => this.onStdout(line)),
        this.pump(child.stderr, (line) => this.onStderr(line)),
      ]);
    }
    this.watchdog.stop();
    await Promise.all([this.transcript.close(), this.stderrLog.close()]);
    this.settled = true;
    return this.result(result);
  }

  /** The main process exited: what it left running in its group goes too. */
  private onExit(): void {
    this.watchdog.stop();
    void this.terminate(this.graceMs);
  }

  private stop(ending: Ending): void {
    this.ending ??= ending;
    void this.terminate(this.graceMs);
  }

  private terminate(graceMs: number): Promise<void> {
    const child = this.child;
    if (child?.pid === undefined) return Promise.resolve();
    this.terminating ??= terminateGroup(child.pid, graceMs).then(() => {
      setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, pipeGraceMs).unref();
    });
    return this.terminating;
  }

  private async pump(
    stream: Readable | null,
    onLine: (line: Line) => Promise<void> | undefined,
  ): Promise<void> {
    if (!stream) return;
    const splitter = new LineSplitter(maxLineBytes);
    try {
      for await (const chunk of stream) {
        this.watchdog.activity();
        for (const line of splitter.push(chunk as Buffer)) {
          const pending = onLine(line);
          if (pending) await pending;
        }
      }
    } catch {
      // The pipe broke (the process died, or we let go of it): what was read is kept.
    }
    const last = splitter.end();
    if (last) await onLine(last);
  }

  private onStdout(line: Line): Promise<void> | undefined {
    const written = this.transcript.write(this.transcriptLine(line));
    if (!line.truncated) this.dispatch(this.parse(line.text));
    return written;
  }

  private onStderr(line: Line): Promise<void> | undefined {
    const text = this.redact(
      line.truncated
        ? `${cutAt(line.text, truncatedHeadChars)} …[truncated, ${line.bytes} bytes]`
        : line.text,
    );
    this.stderrTail.push(text);
    return this.stderrLog.write(text);
  }

  /** Each stdout line as it came, redacted; an over-long one as a marked, parseable head. */
  private transcriptLine(line: Line): string {
    if (!line.truncated) return this.redact(line.text);
    return JSON.stringify({
      type: "forge-loop.truncated_line",
      bytes: line.bytes,
      head: this.redact(cutAt(line.text, truncatedHeadChars)),
    });
  }

  private parse(text: string): WorkerProgress[] {
    try {
      return this.parser.line(text);
    } catch {
      return []; // A parser bug on one odd line must not end the run.
    }
  }

  private dispatch(progress: WorkerProgress[]): void {
    for (const item of progress) {
      if (item.type === "tool_started") this.watchdog.toolStarted(item.id);
      else if (item.type === "tool_finished") this.watchdog.toolFinished(item.id);
      else if (item.type === "observation" && item.waitMs !== undefined)
        this.watchdog.quietFor(item.waitMs);
      this.report(
        item.type === "observation" ? { ...item, summary: this.redact(item.summary) } : item,
      );
    }
  }

  private report(progress: WorkerProgress): void {
    try {
      this.input.onProgress?.(progress);
    } catch (err) {
      void this.stderrLog.write(`[forge-loop] progress handler failed: ${describeError(err)}`);
    }
  }

  private result(run: Result | undefined): WorkerResult {
    const summary = this.parser.summary();
    const exitCode = run?.exitCode ?? null;
    const signal = run?.signal ?? null;
    const { outcome, error } = this.outcome(run, summary.failure);
    return {
      outcome,
      exitCode,
      signal,
      sessionId: summary.sessionId,
      turns: summary.turns,
      toolUses: summary.toolUses,
      costUsd: summary.costUsd,
      tokens: summary.tokens,
      finalText: this.redact(summary.finalText),
      status: summary.status,
      note: summary.note === undefined ? undefined : this.redact(summary.note),
      error: error === undefined ? undefined : this.redact(error),
      stderrTail: this.stderrTail.text(),
      transcriptPath: this.transcript.path,
      durationMs: Math.round(performance.now() - this.startedAt),
    };
  }

  private outcome(
    run: Result | undefined,
    streamFailure: string | undefined,
  ): { outcome: WorkerResult["outcome"]; error?: string } {
    if (this.ending) return this.ending;
    if (!run) return { outcome: "error", error: this.startError };
    if (run.exitCode === undefined && run.signal === undefined) {
      return { outcome: "error", error: spawnFailure(this.program, this.input.cwd, run) };
    }
    if (run.exitCode !== 0) {
      const how =
        run.exitCode === undefined
          ? `was killed by ${run.signal}`
          : `exited with code ${run.exitCode}`;
      const why = streamFailure ? ` (${streamFailure})` : lastLine(this.stderrTail.text());
      return { outcome: "error", error: `${this.program} ${how}${why}` };
    }
    return streamFailure ? { outcome: "error", error: streamFailure } : { outcome: "completed" };
  }

  private redact(text: string): string {
    return redact(text, this.secrets);
  }
}

/** Why the process never started, and what to do about it. */
function spawnFailure(program: string, cwd: string, run: Result): string {
  const code = "code" in run ? String(run.code) : undefined;
  if (code === "ENOENT" && !existsSync(cwd)) {
    return `the worktree ${cwd} does not exist (ENOENT): it was removed before the worker started`;
  }
  if (code === "ENOENT") {
    return `worker command "${program}" was not found (ENOENT): install it, or set the worker's \`command\` in forge-loop.yaml to its full path (workers see only the engine's PATH)`;
  }
  if (code === "EACCES") {
    return `worker command "${program}" is not executable (EACCES): make it executable (chmod +x) or set the worker's \`command\` in forge-loop.yaml`;
  }
  if (code === "E2BIG") {
    return `the command line for "${program}" is too long for the system (E2BIG): shorten the worker's \`command\` or \`args\` in forge-loop.yaml`;
  }
  const reason = "originalMessage" in run ? String(run.originalMessage) : (code ?? "unknown error");
  return `cannot start ${program}: ${oneLine(reason, 200)}`;
}

function lastLine(text: string): string {
  const line = text.trimEnd().split("\n").at(-1)?.trim();
  return line ? `: ${oneLine(line, 200)}` : "";
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
