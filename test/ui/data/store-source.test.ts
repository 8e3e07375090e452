/**
 * The store-backed source against real SQLite files and a real JSONL stream: incremental
 * folding, batched change notices, silence when idle, the JSONL feed (torn and garbage
 * lines included), liveness, commands, and a Python forge-loop database opened read-only.
 */
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { UserError } from "../../../src/shared/errors.js";
import { JsonlWriter } from "../../../src/store/jsonl/writer.js";
import { emptyState, foldEvent, serializeState } from "../../../src/store/projections/fold.js";
import { StoreSource } from "../../../src/ui/data/store-source.js";
import { engineEvents } from "../../support/engine-stream.js";
import { createPython339Db, loadChainVectors } from "../../support/python-events-db.js";
import { eventBuilder, makeStateDir, type StateDir, scenario, T0 } from "../helpers.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function stateDir(options: { snapshotEvery?: number } = {}): StateDir {
  const dir = makeStateDir(options);
  cleanups.push(dir.cleanup);
  return dir;
}

function open(dir: StateDir, options: { jsonl?: boolean; pollMs?: number } = {}): StoreSource {
  const source = StoreSource.open({
    dbPath: dir.paths.eventsDb,
    ...(options.jsonl ? { jsonlPath: dir.paths.eventsJsonl } : {}),
    logsDir: dir.paths.logsDir,
    label: "dir",
    pollMs: options.pollMs ?? 10,
  });
  cleanups.push(() => source.close());
  return source;
}

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the live view", () => {
  it("starts from the store's state and folds only new events into the same state", async () => {
    const dir = stateDir();
    const events = engineEvents(400, { seed: 7 });
    dir.append(events.slice(0, 250));
    const source = open(dir);
    const first = source.live();
    expect(first.head).toBe(250);
    expect(serializeState(first.state)).toBe(serializeState(dir.engine.readState()));
    dir.append(events.slice(250));
    await until(() => source.live().head === 400, "the new events");
    const after = source.live();
    // Folded in place: the same state object moved on; nothing was rebuilt from scratch.
    expect(after.state).toBe(first.state);
    expect(after.version).toBeGreaterThan(first.version);
    expect(serializeState(after.state)).toBe(serializeState(dir.engine.readState()));
  });

  it("catches up a large backlog over several polls and ends equal to the store", async () => {
    const dir = stateDir({ snapshotEvery: 2000 });
    const source = open(dir);
    dir.append(engineEvents(25_000, { seed: 3 }));
    await until(() => source.live().head === 25_000, "the backlog", 60_000);
    expect(serializeState(source.live().state)).toBe(serializeState(dir.engine.readState()));
  });

  it("announces changes at most once per poll, however fast the engine writes", async () => {
    const dir = stateDir();
    const source = open(dir, { pollMs: 50 });
    let notices = 0;
    source.subscribe(() => {
      notices += 1;
    });
    const events = engineEvents(300, { seed: 5 });
    const started = Date.now();
    for (let i = 0; i < 300; i += 3) dir.append(events.slice(i, i + 3));
    await until(() => source.live().head === 300, "all events");
    const elapsed = Date.now() - started;
    expect(notices).toBeGreaterThan(0);
    expect(notices).toBeLessThanOrEqual(Math.ceil(elapsed / 50) + 2);
  });

  it("is silent when nothing happens", async () => {
    const dir = stateDir();
    dir.append(scenario());
    dir.setEngineRunning(true);
    const source = open(dir);
    await sleep(100);
    let notices = 0;
    source.subscribe(() => {
      notices += 1;
    });
    await sleep(1500);
    expect(notices).toBe(0);
  });

  it("without a JSONL stream the feed is the durable events, newest last", async () => {
    const dir = stateDir();
    dir.append(scenario());
    const source = open(dir);
    const feed = source.live().feed;
    expect(feed).toHaveLength(23);
    expect(feed.at(-1)).toMatchObject({ seq: 23, kind: "task.failed", issue: 44, attempt: 1 });
    expect(feed[0]?.kind).toBe("loop.started");
  });

  it("feedUpTo gives the durable events up to a sequence, at most a limit", () => {
    const dir = stateDir();
    dir.append(scenario());
    const source = open(dir);
    expect(source.feedUpTo(10, 3).map((l) => l.seq)).toEqual([8, 9, 10]);
    expect(source.feedUpTo(2, 50).map((l) => l.seq)).toEqual([1, 2]);
    expect(source.feedUpTo(0, 50)).toEqual([]);
  });

  it("stateAt at every sequence equals a fold of the events up to it (snapshots crossed)", () => {
    const dir = stateDir(); // a snapshot every 5 events
    dir.append(scenario());
    const source = open(dir);
    const events = dir.engine.log.since(0);
    const folded = emptyState();
    for (const event of events) {
      foldEvent(folded, event);
      expect(serializeState(source.stateAt(event.sequence)), `at seq ${event.sequence}`).toBe(
        serializeState(folded),
      );
    }
  });

  it("stateAt gives the state at a sequence, independent of the live state", () => {
    const dir = stateDir();
    dir.append(scenario());
    const source = open(dir);
    const at9 = source.stateAt(9);
    expect(at9.seq).toBe(9);
    expect(at9.tasks.get("42")?.status).toBe("failed");
    expect(at9.tasks.has("44")).toBe(false);
    expect(source.live().state.tasks.has("44")).toBe(true);
    expect(source.stateAt(10_000).seq).toBe(23);
  });
});

describe("boundaries for the scrubber", () => {
  it("finds tick starts and the selected task's attempt starts and ends", () => {
    const dir = stateDir();
    dir.append(scenario());
    const source = open(dir);
    expect(source.boundary(23, "prevTick")).toBe(17);
    expect(source.boundary(17, "prevTick")).toBe(2);
    expect(source.boundary(2, "prevTick")).toBeUndefined();
    expect(source.boundary(2, "nextTick")).toBe(17);
    expect(source.boundary(17, "nextTick")).toBeUndefined();
    expect(source.boundary(23, "prevAttempt", 42)).toBe(18);
    expect(source.boundary(18, "prevAttempt", 42)).toBe(9);
    expect(source.boundary(0, "nextAttempt", 42)).toBe(4);
    expect(source.boundary(0, "nextAttempt", 99)).toBeUndefined();
    expect(source.boundary(5, "prevAttempt")).toBeUndefined();
  });
});

describe("the JSONL feed", () => {
  it("follows the operator stream: stream-only lines included, garbage counted and skipped", async () => {
    const dir = stateDir();
    dir.append(scenario());
    const writer = new JsonlWriter(dir.paths.eventsJsonl);
    writer.append({
      kind: "task.heartbeat",
      seq: 21,
      ts: "2026-11-20T13:50:30.000Z",
      payload: { issue: 42, attempt: 2, turns: 31, tool_uses: 1, idle_ms: 0 },
    });
    appendFileSync(dir.paths.eventsJsonl, "{not json}\n\u0000\u00ff garbage\n");
    writer.append({
      kind: "worker.observation",
      ts: "2026-11-20T13:50:40.000Z",
      payload: { issue: 42, attempt: 2, what: "tool", summary: "Read src/fetch.ts" },
    });
    const source = open(dir, { jsonl: true });
    let live = source.live();
    expect(live.feed.map((l) => l.kind)).toEqual(["task.heartbeat", "worker.observation"]);
    expect(live.feed[1]).toMatchObject({
      issue: 42,
      attempt: 2,
      summary: "tool: Read src/fetch.ts",
    });
    expect(live.feed[1]?.seq).toBeUndefined();
    expect(live.malformedLines).toBe(2);
    writer.append({
      kind: "worker.observation",
      payload: { issue: 42, attempt: 2, what: "message", summary: "All green" },
    });
    // A torn line (no newline yet) waits until it is complete.
    appendFileSync(dir.paths.eventsJsonl, '{"kind":"worker.observation","issue":42,"summ');
    await until(() => source.live().feed.length === 3, "the appended line");
    live = source.live();
    expect(live.feed.at(-1)?.summary).toBe("message: All green");
    appendFileSync(dir.paths.eventsJsonl, 'ary":"done","what":"message","attempt":2}\n');
    await until(() => source.live().feed.length === 4, "the completed torn line");
    expect(source.live().feed.at(-1)?.summary).toBe("message: done");
    writer.close();
  });

  it("falls back to the durable events when the stream does not exist", () => {
    const dir = stateDir();
    dir.append(scenario());
    const source = open(dir, { jsonl: true });
    expect(source.live().feed).toHaveLength(23);
  });
});

describe("engine liveness and commands", () => {
  it("no lock: not running, last seen at the last event; commands refused and not written", () => {
    const dir = stateDir();
    dir.append(scenario());
    const source = open(dir);
    const live = source.live();
    expect(live.engine.state).toBe("not_running");
    expect(live.engine.lastSeenAt).toBe(new Date(T0 + 23 * 30_000).toISOString());
    expect(source.requestControl({ command: "resume" })).toEqual({
      ok: false,
      reason: "no engine running",
    });
    expect(dir.engine.log.head()).toBe(23);
  });

  it("a held lock: running; a command is appended as control.requested by the operator", async () => {
    const dir = stateDir();
    dir.append(scenario());
    dir.setEngineRunning(true);
    const source = open(dir);
    expect(source.live().engine).toMatchObject({ state: "running", pid: process.pid });
    const result = source.requestControl({ command: "retry", target: 42 });
    expect(result.ok).toBe(true);
    const [event] = dir.engine.log.since(23);
    expect(event).toMatchObject({ kind: "control.requested", taskId: "issue:42" });
    expect(event?.payload).toMatchObject({ command: "retry", target: 42 });
    expect(event?.payload.request_id).toBe(result.ok ? result.requestId : "");
    // Our own append does not move data_version; the source still sees it.
    await until(() => source.live().head === 24, "our own request");
    const pending = source.live().state.loop.get("loop")?.pendingControls ?? {};
    expect(Object.values(pending).map((p) => p.command)).toEqual(["retry"]);
  });

  it("a released lock: not running, last seen when it was released", async () => {
    const dir = stateDir();
    dir.setEngineRunning(true);
    const source = open(dir);
    dir.setEngineRunning(false);
    await until(() => source.live().engine.state === "not_running", "the release");
    expect(source.live().engine.lastSeenAt).toBeDefined();
  });
});

describe("opening", () => {
  it("a missing log is a UserError with a hint", () => {
    const dir = stateDir();
    expect(() => StoreSource.open({ dbPath: join(dir.root, "nope.db"), label: "x" })).toThrow(
      UserError,
    );
  });

  it("a file that is not SQLite is a UserError, not a crash", () => {
    const dir = stateDir();
    const path = join(dir.root, "garbage.db");
    writeFileSync(path, "this is not a database".repeat(100));
    expect(() => StoreSource.open({ dbPath: path, label: "x" })).toThrow(UserError);
  });

  it("a Python forge-loop database opens read-only, folds, replays across sequence gaps", () => {
    const dir = stateDir();
    const path = join(dir.root, "python-events.db");
    createPython339Db(path, loadChainVectors().scheme_339_chain_hash.from_reference_db);
    const source = StoreSource.open({ dbPath: path, label: "py", pollMs: 10 });
    cleanups.push(() => source.close());
    const live = source.live();
    expect(live.readOnly).toBe("read-only: a Python forge-loop database");
    expect(live.engine.state).toBe("unknown");
    expect(live.head).toBe(271);
    expect(live.state.tasks.get("413")?.title).toMatch(/^Résumé parser/);
    expect(source.requestControl({ command: "resume" })).toEqual({
      ok: false,
      reason: "read-only: a Python forge-loop database",
    });
    expect(source.stateAt(8).seq).toBe(8);
    expect(source.feedUpTo(271, 5).map((l) => l.seq)).toEqual([271]);
    expect(source.boundary(271, "prevTick")).toBe(3);
  });
});

describe("live updates of a log written by another process's store", () => {
  it("picks up events appended through a second connection", async () => {
    const dir = stateDir();
    const source = open(dir);
    const ev = eventBuilder();
    dir.append([
      ev("task.planned", { issue: 9, title: "x", labels: [], fingerprint: "f" }, "tp9", {
        task: 9,
      }),
    ]);
    await until(() => source.live().state.tasks.has("9"), "the new task");
  });
});
