/**
 * One row per pull request, keyed by its number (or its URL when a legacy record gives
 * only a URL without one): opened, platform checks, merged or blocked.
 */
import type { FoldEvent } from "../../contract/envelope.js";
import { arrayField, booleanField, head, isRecord, issueOf, prOf, stringField } from "../fields.js";
import { blockReasonOf, effectiveKind } from "../legacy.js";
import type { Projection } from "../projection.js";
import type { PrRow } from "../types.js";

const routedKinds = new Set(["pr.opened", "pr.checks_changed", "pr.merged", "merge.blocked"]);
const maxChecks = 100;

export const prsProjection: Projection<"prs"> = {
  name: "prs",
  route(event) {
    if (!routedKinds.has(effectiveKind(event))) return [];
    const pr = prOf(event.payload);
    if (pr?.number !== undefined) return [String(pr.number)];
    return pr?.url === undefined ? [] : [pr.url];
  },
  reduce(row, event) {
    const pr = prOf(event.payload);
    const next: PrRow = row
      ? { ...row, updatedAt: event.occurredAt }
      : { pr: pr?.number ?? 0, issue: 0, state: "open", checks: [], updatedAt: event.occurredAt };
    const issue = issueOf(event);
    if (issue !== undefined) next.issue = issue;
    if (pr?.url !== undefined) next.url = head(pr.url, 500);
    switch (effectiveKind(event)) {
      case "pr.opened":
        opened(next, event);
        break;
      case "pr.checks_changed":
        checksChanged(next, event);
        break;
      case "pr.merged":
        next.state = "merged";
        next.blockedReason = undefined;
        setIfString(next, "mergedSha", head(stringField(event.payload, "sha"), 100));
        setIfString(next, "mergeMethod", head(stringField(event.payload, "method"), 40));
        break;
      case "merge.blocked":
        if (next.state !== "merged") {
          next.state = "blocked";
          next.blockedReason = blockReasonOf(event);
        }
        break;
    }
    return next;
  },
};

function opened(row: PrRow, event: FoldEvent): void {
  const p = event.payload;
  row.openedAt ??= event.occurredAt;
  if (row.state !== "merged") {
    row.state = "open";
    row.blockedReason = undefined;
  }
  setIfString(row, "branch", head(stringField(p, "branch"), 300));
  setIfString(row, "base", head(stringField(p, "base"), 300));
  const draft = booleanField(p, "draft");
  if (draft !== undefined) row.draft = draft;
}

function checksChanged(row: PrRow, event: FoldEvent): void {
  const state = event.payload.state;
  if (state === "pending" || state === "passing" || state === "failing") row.checksState = state;
  const checks: PrRow["checks"] = [];
  for (const item of arrayField(event.payload, "checks")) {
    if (checks.length >= maxChecks) break;
    if (!isRecord(item)) continue;
    checks.push({
      name: head(stringField(item, "name"), 200) ?? "",
      state: head(stringField(item, "state"), 40) ?? "unknown",
    });
  }
  row.checks = checks;
}

function setIfString<K extends "mergedSha" | "mergeMethod" | "branch" | "base">(
  row: PrRow,
  field: K,
  value: string | undefined,
): void {
  if (value !== undefined) row[field] = value;
}
