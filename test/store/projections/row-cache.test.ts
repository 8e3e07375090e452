/**
 * The writer keeps decoded rows between appends (materialize.ts, RowCache). Whatever else
 * happens to the tables between two appends must not leave it folding onto stale rows: a
 * rolled-back append, an observer (the UI) folding its operator commands, a rebuild.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AppendInput } from "../../../src/store/contract/envelope.js";
import { openStore, type Store } from "../../../src/store/store.js";
import { engineEvents } from "../../support/engine-stream.js";
import { foldUpTo, stateEntries } from "../../support/loop-state.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "forge-row-cache-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const expectTablesEqualFold = (store: Store) =>
  expect(stateEntries(store.readState())).toEqual(
    stateEntries(foldUpTo(store.log.since(0), store.log.head())),
  );

let commands = 0;
function operatorCommand(command: "halt" | "resume"): AppendInput {
  const id = `r${++commands}`;
  return {
    kind: "control.requested",
    payload: { request_id: id, command, by: "test" },
    idempotencyKey: `control.requested:${id}`,
  };
}

type Step =
  | { do: "append"; count: number }
  | { do: "batch"; count: number }
  | { do: "roll back"; count: number }
  | { do: "observer"; command: "halt" | "resume" }
  | { do: "rebuild" };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      do: fc.constant("append" as const),
      count: fc.integer({ min: 1, max: 6 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      do: fc.constant("batch" as const),
      count: fc.integer({ min: 1, max: 60 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      do: fc.constant("roll back" as const),
      count: fc.integer({ min: 1, max: 6 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      do: fc.constant("observer" as const),
      command: fc.constantFrom("halt" as const, "resume" as const),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ do: "rebuild" as const }) },
);

/** Runs `steps` on a writer and an observer of one log, then checks the writer's tables. */
function runSteps(steps: readonly Step[], seed: number): void {
  const path = join(dir, `p${++commands}.db`);
  const inputs = engineEvents(2000, { seed, issues: 8 });
  let next = 0;
  const take = (n: number) => {
    const taken = inputs.slice(next, next + n);
    next += n;
    return taken;
  };
  const writer = openStore(path, { mode: "writer", snapshotEvery: 50 });
  const observer = openStore(path, { mode: "observer" });
  try {
    for (const s of steps) {
      if (s.do === "append") for (const input of take(s.count)) writer.log.append(input);
      if (s.do === "batch") writer.log.appendBatch(take(s.count));
      if (s.do === "roll back") {
        const events = take(s.count);
        expect(() =>
          writer.log.transaction(() => {
            for (const input of events) writer.log.append(input);
            throw new Error("the engine failed mid-transaction");
          }),
        ).toThrow("mid-transaction");
        next -= s.count; // Nothing committed: the same events come again.
      }
      if (s.do === "observer") observer.log.append(operatorCommand(s.command));
      if (s.do === "rebuild") writer.rebuild();
    }
    // One more, to fold onto whatever the last step left behind.
    writer.log.append(take(1)[0] as AppendInput);
    expectTablesEqualFold(writer);
    expect(writer.verify()).toMatchObject({ ok: true });
  } finally {
    observer.close();
    writer.close();
  }
}

describe("rows kept between appends", () => {
  it("never fold onto stale rows, whatever happens between appends (fast-check)", () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 25 }), fc.integer(), runSteps),
      { numRuns: 40 },
    );
  }, 120_000);

  it("a rolled-back snapshot does not leave its element ids to later snapshots", () => {
    // Found by the property above: the rolled-back append wrote a snapshot (every 50).
    runSteps(
      [
        { do: "observer", command: "halt" },
        { do: "append", count: 5 },
        { do: "append", count: 2 },
        { do: "batch", count: 37 },
        { do: "roll back", count: 5 },
        { do: "append", count: 4 },
      ],
      0,
    );
  });

  it("see an observer's command folded between two appends (positive control of the check)", () => {
    const path = join(dir, "events.db");
    const writer = openStore(path, { mode: "writer" });
    const observer = openStore(path, { mode: "observer" });
    const [first, second] = engineEvents(2, { seed: 3 });
    writer.log.append(first as AppendInput);
    observer.log.append(operatorCommand("halt"));
    writer.log.append(second as AppendInput);
    // The loop row, folded on every event, holds the observer's pending command.
    const pending = writer.readState().loop.get("loop")?.pendingControls ?? {};
    expect(Object.keys(pending)).toHaveLength(1);
    expectTablesEqualFold(writer);
    observer.close();
    writer.close();
  });

  it("see another connection's write even when it left the cursors alone (data_version)", () => {
    const path = join(dir, "events.db");
    const writer = openStore(path, { mode: "writer" });
    const [first, second] = engineEvents(2, { seed: 5 });
    writer.log.append(first as AppendInput);
    // Say, a build with other reducers rewrote the loop row in place.
    const other = new Database(path);
    const row = JSON.parse(other.prepare("SELECT json FROM proj_loop").pluck().get() as string);
    other
      .prepare("UPDATE proj_loop SET json = ?")
      .run(JSON.stringify({ ...row, repo: "rewritten/elsewhere" }));
    other.close();
    writer.log.append(second as AppendInput);
    expect(writer.readState().loop.get("loop")).toMatchObject({
      repo: "rewritten/elsewhere",
      lastSeq: 2,
    });
    writer.close();
  });

  it("forget what a rolled-back append folded", () => {
    const path = join(dir, "events.db");
    const writer = openStore(path, { mode: "writer" });
    const [first, second, third] = engineEvents(3, { seed: 4 });
    writer.log.append(first as AppendInput);
    expect(() =>
      writer.log.transaction(() => {
        writer.log.append(second as AppendInput);
        throw new Error("rolled back");
      }),
    ).toThrow("rolled back");
    writer.log.append(third as AppendInput);
    expect(writer.log.head()).toBe(2);
    expect(writer.readState().loop.get("loop")?.lastSeq).toBe(2);
    expectTablesEqualFold(writer);
    writer.close();
  });
});
