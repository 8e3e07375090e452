/**
 * Crash safety: the engine SIGKILLed at several points of an attempt, then restarted.
 * Nothing is recorded twice, no PR or merge is duplicated, the killed attempt is
 * compensated and retried, no worktree is left behind, and the log verifies.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { openLocalForgeDb } from "../../../src/engine/forge/local/db.js";
import { statePaths } from "../../../src/store/paths.js";
import { openStore } from "../../../src/store/store.js";
import {
  exited,
  makeSandbox,
  runUntilIdle,
  spawnEngine,
  waitForEvent,
} from "../../support/engine-sandbox.js";

const killPoints = [
  "task.dispatched",
  "checks.completed",
  "pr.opened",
  "critique.issued",
  "pr.merged",
] as const;

let engine: ReturnType<typeof spawnEngine> | undefined;
afterEach(() => {
  // A test that fails before its SIGKILL must not leave an engine running.
  engine?.kill("SIGKILL");
  engine = undefined;
});

/** Whether the log already held attempt 1's `task.completed` when the engine died. */
function firstAttemptFinished(stateDir: string): boolean {
  const store = openStore(statePaths(stateDir).eventsDb, { mode: "readonly" });
  try {
    return store.log
      .since(0, 100_000)
      .some((e) => e.kind === "task.completed" && e.payload.attempt === 1);
  } finally {
    store.close();
  }
}

describe("crash safety", () => {
  for (const point of killPoints) {
    it(`recovers from SIGKILL right after ${point}`, async () => {
      const sandbox = await makeSandbox(["clean"]);
      const issue = sandbox.issues[0] as number;
      engine = spawnEngine(sandbox, [], { FORGE_LOOP_DEMO_STEP_MS: "150" });
      await waitForEvent(sandbox, (e) => e.kind === point);
      engine.kill("SIGKILL");
      await exited(engine);
      // The kill lands a few milliseconds after the event is seen; after `pr.merged` the
      // attempt can finish in that window, and then there is nothing to compensate.
      const finishedBeforeKill = firstAttemptFinished(sandbox.stateDir);

      const { reason, state } = await runUntilIdle(sandbox);
      expect(reason).toBe("idle");
      const task = state.tasks.get(String(issue));
      expect(task?.status).toBe("merged");
      expect(task?.attempts[0]?.outcome).toBe(finishedBeforeKill ? "completed" : "compensated");

      const store = openStore(statePaths(sandbox.stateDir).eventsDb, { mode: "readonly" });
      try {
        const all = store.log.since(0, 100_000);
        expect(all.filter((e) => e.kind === "pr.merged")).toHaveLength(1);
        expect(
          all.filter((e) => e.kind === "task.compensated" && e.payload.attempt === 1),
        ).toHaveLength(finishedBeforeKill ? 0 : 1);
        expect(new Set(all.map((e) => e.idempotencyKey)).size).toBe(all.length);
        expect(store.log.verifyChain().ok).toBe(true);
        expect(store.verify().ok).toBe(true);
      } finally {
        store.close();
      }
      // One pull request for the branch, one commit on the remote, no worktree left over.
      const forgeDb = openLocalForgeDb(statePaths(sandbox.stateDir).localForgeDb, {
        create: false,
      });
      try {
        const prs = forgeDb
          .prepare("SELECT number, state FROM pull_requests WHERE issue = ?")
          .all(issue);
        expect(prs).toHaveLength(1);
      } finally {
        forgeDb.close();
      }
      const log = execFileSync("git", ["log", "--format=%s", "main"], {
        cwd: sandbox.originDir,
        encoding: "utf8",
      })
        .trim()
        .split("\n");
      expect(log).toHaveLength(2);
      const worktrees = execFileSync("git", ["worktree", "list", "--porcelain"], {
        cwd: sandbox.projectDir,
        encoding: "utf8",
      });
      expect(worktrees.match(/^worktree /gm)).toHaveLength(1);
      const root = sandbox.loaded.config.paths.worktree_root;
      expect(existsSync(root) ? readdirSync(root) : []).toEqual([]);
    }, 90_000);
  }
});
