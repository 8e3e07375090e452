/**
 * Operator commands from the shell: `halt [--now]`, `resume`, `retry <issue> [--force]`,
 * `kill <issue>`. Each is a `control.requested` event; we wait briefly for the engine's
 * `control.applied` and print its answer.
 */
import { hostname, userInfo } from "node:os";
import type { Command } from "commander";
import { UserError } from "../../shared/errors.js";
import { type ControlRequest, requestControl } from "../../store/control/request.js";
import { isHolderAlive, readWriterLock } from "../../store/log/writer-lock.js";
import { openStore, type Store } from "../../store/store.js";
import { addStoreOptions, eventsDbPath, type StoreOptions } from "../store-options.js";

const ANSWER_WAIT_MS = 5_000;

export function register(program: Command): void {
  addStoreOptions(
    program
      .command("halt")
      .description(
        "Stop taking new work (running attempts stop before merge); --now also stops running workers",
      )
      .option("--now", "also stop running workers and compensate their attempts")
      .option("--reason <text>", "why, for the log"),
  ).action(async (opts: StoreOptions & { now?: boolean; reason?: string }) =>
    operate(opts, {
      command: "halt",
      mode: opts.now ? "now" : "drain",
      ...(opts.reason ? { reason: opts.reason } : {}),
      by: operator(),
    }),
  );
  addStoreOptions(program.command("resume").description("Leave the halted state")).action(
    async (opts: StoreOptions) => operate(opts, { command: "resume", by: operator() }),
  );
  addStoreOptions(
    program
      .command("retry <issue>")
      .description("Retry an issue now, bypassing its cooldown (--force: also max_attempts)")
      .option("--force", "also bypass max_attempts"),
  ).action(async (issue: string, opts: StoreOptions & { force?: boolean }) =>
    operate(opts, {
      command: "retry",
      target: issueNumber(issue),
      ...(opts.force ? { force: true } : {}),
      by: operator(),
    }),
  );
  addStoreOptions(
    program
      .command("kill <issue>")
      .description("Stop an issue's running worker; the attempt fails as killed"),
  ).action(async (issue: string, opts: StoreOptions) =>
    operate(opts, { command: "kill", target: issueNumber(issue), by: operator() }),
  );
}

export function issueNumber(text: string): number {
  const n = Number(text.replace(/^#/, ""));
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new UserError(
      `"${text}" is not an issue number`,
      "Pass the number, e.g. `forge-loop retry 42`.",
    );
  return n;
}

function operator(): string {
  try {
    return `${userInfo().username}@${hostname()} (cli)`;
  } catch {
    return "cli";
  }
}

async function operate(opts: StoreOptions, request: ControlRequest): Promise<void> {
  const store = openStore(eventsDbPath(opts), { mode: "observer" });
  try {
    const lock = readWriterLock(store.db);
    const alive = lock !== undefined && isHolderAlive(lock, Date.now(), hostname());
    if (!alive && request.command === "kill") {
      throw new UserError(
        "no engine is running, so there is no worker to kill",
        "Start it with `forge-loop run`.",
      );
    }
    const { requestId, sequence } = requestControl(store, request);
    if (!alive) {
      process.stdout.write(
        `${request.command} recorded (request ${requestId.slice(0, 8)}); no engine is running — it applies when \`forge-loop run\` starts.\n`,
      );
      return;
    }
    const answer = await waitForAnswer(store, requestId, sequence);
    if (!answer) {
      process.stdout.write(
        `${request.command} requested (request ${requestId.slice(0, 8)}); the engine has not answered within ${ANSWER_WAIT_MS / 1000}s.\n`,
      );
      return;
    }
    process.stdout.write(`${request.command} ${answer.result}: ${answer.detail ?? ""}\n`);
    if (answer.result === "rejected") process.exitCode = 1;
  } finally {
    store.close();
  }
}

async function waitForAnswer(
  store: Store,
  requestId: string,
  after: number,
): Promise<{ result: string; detail?: string } | undefined> {
  const deadline = Date.now() + ANSWER_WAIT_MS;
  let seq = after;
  while (Date.now() < deadline) {
    for (const event of store.log.since(seq, 1000)) {
      seq = event.sequence;
      if (event.kind === "control.applied" && event.payload.request_id === requestId) {
        return {
          result: String(event.payload.result),
          ...(typeof event.payload.detail === "string" ? { detail: event.payload.detail } : {}),
        };
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
}
