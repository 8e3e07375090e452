import { describe, expect, it } from "vitest";
import { newEventId } from "../../../src/store/log/event-id.js";

describe("newEventId", () => {
  it("is 32 lower-case hex characters, like the Python forge-loop's ids", () => {
    for (let i = 0; i < 10_000; i++) expect(newEventId()).toMatch(/^[0-9a-f]{32}$/);
  });

  it("never repeats, even within one millisecond and across pool refills", () => {
    const ids = new Set<string>();
    for (let i = 0; i < 50_000; i++) ids.add(newEventId(1_700_000_000_000));
    expect(ids.size).toBe(50_000);
  });

  it("sorts by time, so new ids append to the index", () => {
    const early = newEventId(1_700_000_000_000);
    const later = newEventId(1_700_000_000_001);
    expect(early < later).toBe(true);
    expect(newEventId(-5)).toMatch(/^0{12}[0-9a-f]{20}$/);
  });
});
