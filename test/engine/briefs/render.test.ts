import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadBriefTemplate, renderBrief } from "../../../src/engine/briefs/render.js";

describe("briefs", () => {
  it("renders the bundled worker and critic templates with every placeholder filled", () => {
    const dir = mkdtempSync(join(tmpdir(), "briefs-"));
    for (const name of ["worker", "critic"] as const) {
      const template = loadBriefTemplate(name, dir);
      expect(template.source).not.toContain(dir);
      const placeholders = [...template.text.matchAll(/\{\{\s*([a-z_]+)\s*\}\}/g)].map(
        (m) => m[1] as string,
      );
      const values = Object.fromEntries(placeholders.map((p) => [p, `<${p}>`]));
      const out = renderBrief(template, values);
      expect(out).not.toMatch(/\{\{/);
      for (const p of placeholders) expect(out).toContain(`<${p}>`);
    }
  });

  it("names the critic's categories and its rules against scaffolding and untested functions", () => {
    const critic = loadBriefTemplate("critic", mkdtempSync(join(tmpdir(), "briefs-"))).text;
    for (const category of [
      "correctness",
      "security",
      "tests",
      "product",
      "performance",
      "architecture",
      "style",
      "docs",
      "spec",
    ]) {
      expect(critic).toContain(category);
    }
    expect(critic).toMatch(/no consumer in the same change is a sev2 `product` finding/);
    expect(critic).toMatch(/public function without an adversarial test .* sev2 `tests` finding/);
  });

  it("uses the operator's override from the briefs folder, with its own digest", () => {
    const dir = mkdtempSync(join(tmpdir(), "briefs-"));
    const bundled = loadBriefTemplate("worker", dir);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "worker.md"), "Fix #{{issue_number}}");
    const custom = loadBriefTemplate("worker", dir);
    expect(custom.source).toBe(join(dir, "worker.md"));
    expect(custom.digest).not.toBe(bundled.digest);
    expect(renderBrief(custom, { issue_number: 42 })).toBe("Fix #42");
  });

  it("inserts hostile issue text verbatim and never re-expands placeholders inside values", () => {
    const template = {
      name: "worker" as const,
      text: "T={{issue_title}} B={{issue_body}}",
      digest: "d",
      source: "x",
    };
    fc.assert(
      fc.property(fc.string(), fc.string(), (title, body) => {
        expect(renderBrief(template, { issue_title: title, issue_body: body })).toBe(
          `T=${title} B=${body}`,
        );
      }),
    );
    expect(
      renderBrief(template, { issue_title: "{{issue_body}} $(rm -rf /) `x`", issue_body: "b" }),
    ).toBe("T={{issue_body}} $(rm -rf /) `x` B=b");
  });
});
