/**
 * What the operator commands do (see `commands/operate.ts`): append `control.requested`,
 * then wait briefly for the engine's `control.applied`.
 */
import { hostname } from "node:os";
import { UserError } from "../../shared/errors.js";
import { type ControlRequest, requestControl } from "../../store/control/request.js";
import { isHolderAlive, readWriterLock } from "../../store/log/writer-lock.js";
import { openStore, type Store } from "../../store/store.js";
import { eventsDbPath, type StoreOptions } from "../store-options.js";

const ANSWER_WAIT_MS = 5_000;

export async function runOperate(opts: StoreOptions, request: ControlRequest): Promise<void> {
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
