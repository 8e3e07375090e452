import { expect } from "vitest";
import type { WorkerProgress } from "../../src/engine/workers/types.js";

/** Every finish matches a start still in flight, and no id starts twice while in flight. */
export function checkToolBalance(progress: WorkerProgress[]): void {
  const inFlight = new Set<string>();
  for (const item of progress) {
    if (item.type === "tool_started") {
      expect(inFlight.has(item.id)).toBe(false);
      inFlight.add(item.id);
    } else if (item.type === "tool_finished") {
      expect(inFlight.has(item.id)).toBe(true);
      inFlight.delete(item.id);
    }
  }
}
