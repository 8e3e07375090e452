/**
 * Every view's rows and every row's detail, built from states folded (by the store's own
 * reducers) out of realistic engine streams and out of arbitrary payloads: nothing
 * throws, and every line is one terminal line.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { engineKinds } from "../../../src/store/contract/kinds.js";
import { emptyState, foldEvent, foldEvents } from "../../../src/store/projections/fold.js";
import type { LoopState } from "../../../src/store/projections/types.js";
import { feedLineOfEvent } from "../../../src/ui/data/feed.js";
import { type Line, plain, type Row } from "../../../src/ui/select/line.js";
import { applyFilter, lazyRows, type Rows, rowsOf } from "../../../src/ui/select/rows.js";
import { displayStatus } from "../../../src/ui/select/tasks.js";
import { viewModel } from "../../../src/ui/select/view-model.js";
import { viewIds } from "../../../src/ui/state/views.js";
import { engineEvents } from "../../support/engine-stream.js";
import { storedEvent, storedEvents } from "../../support/stored-events.js";

const NOW = Date.UTC(2026, 10, 21, 9, 0, 0);

function checkLine(line: Line): void {
  for (const seg of line) expect(seg.text).not.toMatch(/[\n\r\u0000-\u001f\u007f]/);
}

const feed = storedEvents(engineEvents(60, { seed: 1 })).map(feedLineOfEvent);

function checkAllViews(state: LoopState): number {
  let lines = 0;
  for (const view of viewIds) {
    const model = viewModel(view, { state, feed, nowMs: NOW, barWidth: 20 });
    for (const row of all(model.rows)) {
      checkLine(row.line);
      const detail = model.detail(row, { state, width: 60, nowMs: NOW, transcript: ["a", "b"] });
      for (const line of detail) checkLine(line);
      expect(typeof model.title(row)).toBe("string");
      lines += detail.length;
    }
    expect(
      model.detail(undefined, { state, width: 60, nowMs: NOW, transcript: [] }).length,
    ).toBeGreaterThan(0);
  }
  return lines;
}

describe("views over folded engine streams", () => {
  it("build every row and detail of every view at any point of a stream", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 1200 }),
        (seed, count) => {
          const state = foldEvents(
            emptyState(),
            storedEvents(engineEvents(count, { seed, issues: 40 })),
          );
          checkAllViews(state);
        },
      ),
      { numRuns: 12 },
    );
  });

  it("survive arbitrary payloads under every known kind", () => {
    const event = fc.record({
      kind: fc.constantFrom(...engineKinds, "worker_done", "tick_done"),
      payload: fc.oneof(
        fc.object({ maxDepth: 1, maxKeys: 5 }),
        fc.record({
          issue: fc.oneof(fc.integer({ min: -5, max: 50 }), fc.string(), fc.constant("#7")),
          attempt: fc.oneof(fc.integer({ min: -1, max: 5 }), fc.string()),
          title: fc.string(),
          findings: fc.array(fc.object({ maxDepth: 0, maxKeys: 4 }), { maxLength: 3 }),
          outcomes: fc.array(fc.record({ issue: fc.integer(), status: fc.string() }), {
            maxLength: 3,
          }),
          tick: fc.integer({ min: -3, max: 10 }),
          pr: fc.oneof(
            fc.integer({ min: 1, max: 9 }),
            fc.constantFrom("https://h/o/r/pull/3", "x"),
          ),
        }),
      ),
    });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 40 }), (events) => {
        const state = emptyState();
        for (const [i, e] of events.entries()) {
          const payload = e.payload as Record<string, unknown>;
          foldEvent(state, storedEvent(e.kind, payload, { sequence: i + 1 }));
        }
        checkAllViews(state);
      }),
      { numRuns: 60 },
    );
  });
});

describe("rows", () => {
  it("a failed task whose retry time is ahead reads as cooling down", () => {
    const state = foldEvents(emptyState(), [
      storedEvent(
        "task.dispatched",
        { issue: 5, attempt: 1, adapter: "a", branch: "b", worktree: "w", brief_digest: "d" },
        { sequence: 1 },
      ),
      storedEvent(
        "task.failed",
        {
          issue: 5,
          attempt: 1,
          reason: "checks_failed",
          retry_at: new Date(NOW + 60_000).toISOString(),
        },
        { sequence: 2 },
      ),
    ]);
    const task = state.tasks.get("5");
    expect(task?.status).toBe("failed");
    expect(task && displayStatus(task, NOW)).toBe("cooldown");
    expect(task && displayStatus(task, NOW + 120_000)).toBe("failed");
    const row = viewModel("tasks", { state, feed: [], nowMs: NOW, barWidth: 10 }).rows.at(0);
    expect(plain(row?.line ?? [])).toMatch(/#5 +‖ cooldown +a1 +until \d\d:\d\d +checks_failed/);
  });
});

describe("filter", () => {
  const rows = rowsOf(
    ["#42 running Add retry", "#43 merged Fix flaky", "#44 failed critic sev2"].map((text, i) => ({
      key: String(i),
      line: [{ text }],
    })),
  );
  const keys = (r: Rows) => all(r).map((row) => row.key);

  it("keeps rows containing every word, ignoring case and order", () => {
    expect(applyFilter(rows, "").length).toBe(3);
    expect(keys(applyFilter(rows, "MERGED"))).toEqual(["1"]);
    expect(keys(applyFilter(rows, "sev2 #44"))).toEqual(["2"]);
    expect(applyFilter(rows, "  ").length).toBe(3);
    expect(applyFilter(rows, "merged running").length).toBe(0);
  });

  it("never throws, and a filter never adds rows", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        expect(applyFilter(rows, text).length).toBeLessThanOrEqual(3);
      }),
    );
  });
});

function all(rows: Rows): Row[] {
  return Array.from({ length: rows.length }, (_, i) => rows.at(i) as Row);
}

describe("lazy rows", () => {
  it("build a row only when it is asked for, once; find rows by key without building them", () => {
    let built = 0;
    const items = Array.from({ length: 10_000 }, (_, i) => i);
    const rows = lazyRows(
      items,
      (i) => String(i),
      (i) => {
        built += 1;
        return { line: [{ text: `row ${i}` }] };
      },
    );
    expect(rows.length).toBe(10_000);
    expect(built).toBe(0);
    expect(rows.at(42)?.key).toBe("42");
    expect(rows.at(42)).toBe(rows.at(42));
    expect(built).toBe(1);
    expect(rows.at(-1)).toBeUndefined();
    expect(rows.at(10_000)).toBeUndefined();
    expect(rows.at(1.5)).toBeUndefined();
    expect(rows.indexOf("9999")).toBe(9999);
    expect(rows.indexOf("nope")).toBe(-1);
    expect(built).toBe(1);
  });
});
