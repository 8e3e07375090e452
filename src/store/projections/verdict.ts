/**
 * A critic verdict as a row, read leniently from `critique.issued`: ours carry `overall`,
 * `blocking`, `findings` and `sev_counts`; legacy `critic_done` records carry `verdict`,
 * `reasons` and `sev_counts`, and `critic_verdict_*` records name the outcome in their kind.
 * Shared by the tasks, verdicts and scorecard projections so they always agree.
 */
import type { FoldEvent } from "../contract/envelope.js";
import {
  type Finding,
  findingCategorySchema,
  type SevCounts,
  severitySchema,
} from "../contract/kinds.js";
import {
  arrayField,
  booleanField,
  durationMsOf,
  head,
  intField,
  isRecord,
  prOf,
  recordField,
  stringField,
} from "./fields.js";
import type { VerdictRow } from "./types.js";

/** Rows stay small whatever a critic printed. */
const maxFindings = 100;
const maxText = 2000;

const severities = new Set<string>(severitySchema.options);
const categories = new Set<string>(findingCategorySchema.options);

export function verdictOf(event: FoldEvent, issue: number, attempt: number): VerdictRow {
  const payload = event.payload;
  const findings = findingsOf(arrayField(payload, "findings"));
  const sevCounts = sevCountsOf(recordField(payload, "sev_counts"), findings);
  const overall = overallOf(event);
  const row: VerdictRow = {
    issue,
    attempt,
    seq: event.sequence,
    at: event.occurredAt,
    overall,
    blocking: booleanField(payload, "blocking") ?? isBlocking(event, overall, sevCounts),
    findings,
    sevCounts,
  };
  const summary = head(stringField(payload, "summary") ?? reasonsOf(payload), maxText);
  if (summary !== undefined) row.summary = summary;
  const durationMs = durationMsOf(payload);
  if (durationMs !== undefined) row.durationMs = durationMs;
  const parseRetries = intField(payload, "parse_retries");
  if (parseRetries !== undefined) row.parseRetries = parseRetries;
  const pr = prOf(payload)?.number;
  if (pr !== undefined) row.pr = pr;
  return row;
}

/** Whether a `critique.issued` blocks, without building the whole row. */
export function isBlockingVerdict(event: FoldEvent): boolean {
  const stated = booleanField(event.payload, "blocking");
  if (stated !== undefined) return stated;
  const raw = recordField(event.payload, "sev_counts");
  const counts =
    raw === undefined
      ? sevCountsOf(undefined, findingsOf(arrayField(event.payload, "findings")))
      : sevCountsOf(raw, []);
  return isBlocking(event, overallOf(event), counts);
}

const legacyOutcomes = new Map([
  ["critic_verdict_merged", "approve"],
  ["critic_verdict_blocked", "block"],
  ["critic_verdict_revising", "request_changes"],
  ["critic_verdict_unknown", "error"],
]);

function overallOf(event: FoldEvent): string {
  const payload = event.payload;
  const named =
    stringField(payload, "overall", "verdict") ??
    stringField(recordField(payload, "verdict") ?? {}, "overall");
  if (named !== undefined) return head(named.toLowerCase(), 40) ?? "error";
  const legacy = payload.legacy_kind;
  return (typeof legacy === "string" && legacyOutcomes.get(legacy)) || "error";
}

/** EVENTS.md's blocking rule, as far as the event tells (no diff size, no config here). */
function isBlocking(event: FoldEvent, overall: string, counts: SevCounts): boolean {
  if (event.payload.legacy_kind === "critic_verdict_blocked") return true;
  if (overall === "block" || overall === "blocked" || overall === "error") return true;
  return counts.sev1 > 0 || (overall === "request_changes" && counts.sev2 > 0);
}

function reasonsOf(payload: Record<string, unknown>): string | undefined {
  const reasons = arrayField(payload, "reasons").filter((r) => typeof r === "string");
  return reasons.length > 0 ? reasons.join("; ") : undefined;
}

function findingsOf(raw: readonly unknown[]): Finding[] {
  const findings: Finding[] = [];
  for (const item of raw) {
    if (findings.length >= maxFindings) break;
    if (isRecord(item)) findings.push(findingOf(item));
    else if (typeof item === "string")
      findings.push({
        severity: "sev3",
        category: "correctness",
        message: head(item, maxText) ?? "",
      });
  }
  return findings;
}

function findingOf(item: Record<string, unknown>): Finding {
  const finding: Finding = {
    severity: severityOf(stringField(item, "severity", "sev")),
    category: categoryOf(stringField(item, "category")),
    message: head(stringField(item, "message", "summary", "description", "title"), maxText) ?? "",
  };
  const file = head(stringField(item, "file", "path"), 500);
  if (file !== undefined) finding.file = file;
  const line = intField(item, "line");
  if (line !== undefined && line > 0) finding.line = line;
  const fix = head(stringField(item, "fix", "suggestion"), maxText);
  if (fix !== undefined) finding.fix = fix;
  return finding;
}

/** Known severities as they are; a few common spellings mapped; anything else counts as sev3. */
function severityOf(text: string | undefined): Finding["severity"] {
  const value = text?.trim().toLowerCase() ?? "";
  if (severities.has(value)) return value as Finding["severity"];
  const numbered = /^(?:sev\s*-?\s*)?([123])$/.exec(value);
  if (numbered) return `sev${numbered[1]}` as Finding["severity"];
  if (value === "critical" || value === "blocker" || value === "high") return "sev1";
  if (value === "major" || value === "medium") return "sev2";
  return "sev3";
}

function categoryOf(text: string | undefined): Finding["category"] {
  const value = text?.trim().toLowerCase() ?? "";
  return categories.has(value) ? (value as Finding["category"]) : "correctness";
}

/** `sev_counts` when given (non-negative integers), else counted from the findings. */
function sevCountsOf(raw: Record<string, unknown> | undefined, findings: Finding[]): SevCounts {
  if (raw !== undefined) {
    return {
      sev1: intField(raw, "sev1") ?? 0,
      sev2: intField(raw, "sev2") ?? 0,
      sev3: intField(raw, "sev3") ?? 0,
    };
  }
  const counts: SevCounts = { sev1: 0, sev2: 0, sev3: 0 };
  for (const finding of findings) counts[finding.severity] += 1;
  return counts;
}
