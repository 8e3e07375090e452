/**
 * Operator commands as the UI writes them: validated against the contract before anything
 * is appended, folded into the loop row's pending commands until the engine answers.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UserError } from "../../../src/shared/errors.js";
import { ContractViolation } from "../../../src/store/contract/kinds.js";
import { pendingControls, requestControl } from "../../../src/store/control/request.js";
import { openStore, type Store } from "../../../src/store/store.js";
import { engineEvents } from "../../support/engine-stream.js";

let dir: string;
let engine: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "forge-control-"));
  engine = openStore(join(dir, "events.db"), { mode: "writer" });
  engine.log.appendBatch(engineEvents(30, { seed: 3 }));
});
afterEach(() => {
  engine.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("requestControl", () => {
  it("appends control.requested with a fresh request id, keyed by it, and the task of its target", () => {
    const ui = openStore(join(dir, "events.db"), { mode: "observer" });
    const first = requestControl(ui, { command: "retry", target: 42, force: true, by: "op@host" });
    const second = requestControl(ui, { command: "halt", mode: "now", by: "op@host" });
    expect(first.requestId).toMatch(/^[0-9a-f]{32}$/);
    expect(second.requestId).not.toBe(first.requestId);
    const [a, b] = ui.log.since(30);
    expect(a).toMatchObject({
      sequence: first.sequence,
      kind: "control.requested",
      idempotencyKey: `control.requested:${first.requestId}`,
      taskId: "issue:42",
      payload: {
        request_id: first.requestId,
        command: "retry",
        target: 42,
        force: true,
        by: "op@host",
      },
    });
    expect(b).toMatchObject({ taskId: null, payload: { command: "halt", mode: "now" } });
    ui.close();
  });

  it("refuses a request that breaks the contract, and appends nothing", () => {
    const ui = openStore(join(dir, "events.db"), { mode: "observer" });
    const bad = [
      { command: "explode", by: "x" },
      { command: "retry", target: -1, by: "x" },
      { command: "kill", target: 1.5, by: "x" },
      { command: "halt", mode: "later", by: "x" },
      { command: "resume", by: "x", extra: "typo" },
      { command: "resume" },
    ];
    for (const request of bad) {
      expect(() => requestControl(ui, request as never)).toThrow(ContractViolation);
    }
    expect(ui.log.head()).toBe(30);
    ui.close();
  });

  it("keeps a hostile reason as data", () => {
    const reason = `\u001b[2J$(rm -rf /) ${"x".repeat(10_000)} 日本語`;
    const { sequence } = requestControl(engine, { command: "halt", reason, by: "op" });
    expect(engine.log.since(sequence - 1, 1)[0]?.payload.reason).toBe(reason);
  });

  it("cannot write through a read-only store", () => {
    const reader = openStore(join(dir, "events.db"), { mode: "readonly" });
    expect(() => requestControl(reader, { command: "resume", by: "op" })).toThrow(UserError);
    reader.close();
  });
});

describe("pendingControls", () => {
  it("lists unanswered requests oldest first, and drops a request once the engine answers", () => {
    const ui = openStore(join(dir, "events.db"), { mode: "observer" });
    const halt = requestControl(ui, { command: "halt", mode: "drain", by: "op" });
    const retry = requestControl(ui, { command: "retry", target: 7, by: "op" });
    expect(
      pendingControls(engine.readState()).map((p) => [p.requestId, p.command, p.target]),
    ).toEqual([
      [halt.requestId, "halt", undefined],
      [retry.requestId, "retry", 7],
    ]);
    engine.log.append({
      kind: "control.applied",
      payload: { request_id: halt.requestId, command: "halt", result: "applied" },
      idempotencyKey: `control.applied:${halt.requestId}`,
      causalSequence: halt.sequence,
    });
    expect(pendingControls(ui.readState()).map((p) => p.requestId)).toEqual([retry.requestId]);
    ui.close();
  });
});
