/**
 * Operator commands from the shell: `halt [--now]`, `resume`, `retry <issue> [--force]`,
 * `kill <issue>`. Each is a `control.requested` event; we wait briefly for the engine's
 * `control.applied` and print its answer.
 */
import { hostname, userInfo } from "node:os";
import type { Command } from "commander";
import { UserError } from "../../shared/errors.js";
import type { ControlRequest } from "../../store/control/request.js";
import { addStoreOptions, type StoreOptions } from "../store-options.js";

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

/** Sends the request; the store is loaded only when a command runs. */
async function operate(opts: StoreOptions, request: ControlRequest): Promise<void> {
  const { runOperate } = await import("../actions/operate.js");
  await runOperate(opts, request);
}
