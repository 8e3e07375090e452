/**
 * Briefs are text templates with `{{name}}` placeholders, no logic. The operator can
 * override the bundled ones by putting `worker.md` / `critic.md` in `<state_dir>/briefs/`.
 * A template's digest feeds the issue fingerprint, so editing a brief lets cooled-down
 * issues try again.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { criticTemplate, workerTemplate } from "./templates.js";

export type BriefName = "worker" | "critic";

export interface BriefTemplate {
  name: BriefName;
  text: string;
  digest: string;
  /** Where it came from: the operator's file or the bundled default. */
  source: string;
}

const bundled: Record<BriefName, string> = { worker: workerTemplate, critic: criticTemplate };

export function loadBriefTemplate(name: BriefName, briefsDir: string): BriefTemplate {
  const override = join(briefsDir, `${name}.md`);
  const fromOperator = existsSync(override);
  const text = fromOperator ? readFileSync(override, "utf8") : bundled[name];
  return {
    name,
    text,
    digest: briefDigest(text),
    source: fromOperator ? override : `bundled ${name} brief`,
  };
}

/** Fills `{{name}}` placeholders; unknown placeholders render empty. Values are inserted verbatim. */
export function renderBrief(
  template: BriefTemplate,
  values: Record<string, string | number>,
): string {
  return template.text.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (_, key: string) =>
    Object.hasOwn(values, key) ? String(values[key]) : "",
  );
}

export function briefDigest(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}
