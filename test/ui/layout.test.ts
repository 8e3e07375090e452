import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fitsScreen, layout, MIN_COLUMNS, MIN_ROWS } from "../../src/ui/layout.js";

describe("layout", () => {
  it("fills the terminal but one line, at every size from the minimum up", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: MIN_COLUMNS, max: 500 }),
        fc.integer({ min: MIN_ROWS, max: 300 }),
        fc.boolean(),
        fc.boolean(),
        (columns, rows, replay, eventsPane) => {
          const l = layout({ columns, rows }, { replay, eventsPane });
          expect(l.height).toBe(rows - 1);
          expect(l.mainHeight + l.eventsHeight + 3 + (replay ? 1 : 0)).toBe(l.height);
          expect(l.listWidth + l.detailWidth).toBe(columns);
          expect(l.mainHeight).toBeGreaterThanOrEqual(10);
          expect(l.eventsHeight === 0 || l.eventsHeight >= 4).toBe(true);
          expect(eventsPane || l.eventsHeight === 0).toBe(true);
        },
      ),
    );
  });

  it("80×24 is the smallest size drawn", () => {
    expect(fitsScreen({ columns: 80, rows: 24 })).toBe(true);
    expect(fitsScreen({ columns: 79, rows: 24 })).toBe(false);
    expect(fitsScreen({ columns: 80, rows: 23 })).toBe(false);
  });
});
