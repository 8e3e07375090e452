import fc from "fast-check";
import { render } from "ink-testing-library";
import { describe, expect, it } from "vitest";
import { RowList, windowStart } from "../../../src/ui/components/RowList.js";
import { rowsOf } from "../../../src/ui/select/rows.js";

const rows = rowsOf(
  Array.from({ length: 10_000 }, (_, i) => ({ key: String(i), line: [{ text: `row ${i}` }] })),
);

describe("RowList", () => {
  it("draws only the rows that fit, with the cursor in view", () => {
    const ui = render(<RowList rows={rows} cursor={5000} height={8} width={40} empty="none" />);
    const lines = (ui.lastFrame() ?? "").split("\n");
    expect(lines).toHaveLength(8);
    expect(lines.at(-1)).toBe("row 5000");
    ui.unmount();
  });

  it("says what is missing when there are no rows", () => {
    const ui = render(
      <RowList rows={rowsOf([])} cursor={0} height={8} width={40} empty="no tasks yet" />,
    );
    expect(ui.lastFrame()).toBe("no tasks yet");
    ui.unmount();
  });

  it("moves its window only as far as needed to show the cursor", () => {
    fc.assert(
      fc.property(
        fc.nat(200),
        fc.nat(200),
        fc.integer({ min: 1, max: 50 }),
        fc.nat(300),
        (prev, cursor, height, total) => {
          const c = Math.min(cursor, Math.max(0, total - 1));
          const start = windowStart(prev, c, height, total);
          expect(start).toBeGreaterThanOrEqual(0);
          if (total > 0) {
            expect(c).toBeGreaterThanOrEqual(start);
            expect(c).toBeLessThan(start + height);
          }
          if (c >= prev && c < prev + height && prev + height <= total) expect(start).toBe(prev);
        },
      ),
    );
  });
});
