/**
 * Reading a critic's verdict and deciding whether it blocks (EVENTS.md "Critic verdict").
 * The critic is an agent: its output is untrusted text, so parsing never throws and a
 * verdict that cannot be read becomes a blocking `error` verdict upstream.
 */
import {
  type Finding,
  type SevCounts,
  type Verdict,
  verdictSchema,
} from "../../store/contract/kinds.js";

export interface BlockingPolicy {
  blockOnSev2: boolean;
  suspiciousApproveLines: number;
}

/** The last JSON object in `text` that is a valid verdict, or why there is none. */
export function extractVerdict(text: string): { verdict: Verdict } | { error: string } {
  const candidates = jsonObjectCandidates(text);
  let lastProblem = "no JSON object found in the critic's output";
  for (let i = candidates.length - 1; i >= 0; i--) {
    let value: unknown;
    try {
      value = JSON.parse(candidates[i] as string);
    } catch {
      continue;
    }
    const parsed = verdictSchema.safeParse(value);
    if (parsed.success) return { verdict: parsed.data };
    lastProblem = `last JSON object is not a verdict: ${parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join(".") || "(root)"} ${issue.message}`)
      .join("; ")}`;
  }
  return { error: lastProblem };
}

/**
 * Balanced top-level `{…}` spans, scanning strings correctly so braces inside string
 * literals do not confuse it. Bounded: only the last 256 KiB of output is scanned.
 */
function jsonObjectCandidates(fullText: string): string[] {
  const text = fullText.length > 262_144 ? fullText.slice(-262_144) : fullText;
  const spans: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === "\\") escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"' && depth > 0) inString = true;
    else if (ch === "{") {
      if (depth === 0) start = i;
      depth++;
    } else if (ch === "}" && depth > 0) {
      depth--;
      if (depth === 0) spans.push(text.slice(start, i + 1));
    }
  }
  return spans;
}

export function countSeverities(findings: readonly Finding[]): SevCounts {
  const counts: SevCounts = { sev1: 0, sev2: 0, sev3: 0 };
  for (const finding of findings) counts[finding.severity]++;
  return counts;
}

/** The blocking rule of EVENTS.md, with the reason it blocks (undefined = does not block). */
export function blockingReason(
  verdict: Verdict,
  changedLines: number,
  policy: BlockingPolicy,
): string | undefined {
  const counts = countSeverities(verdict.findings);
  if (verdict.overall === "block") return "critic verdict is block";
  if (counts.sev1 > 0) return `${counts.sev1} sev1 finding(s)`;
  if (verdict.overall === "request_changes" && counts.sev2 > 0) {
    return `request_changes with ${counts.sev2} sev2 finding(s)`;
  }
  if (policy.blockOnSev2 && counts.sev2 > 0)
    return `${counts.sev2} sev2 finding(s) (block_on_sev2)`;
  if (
    verdict.overall === "approve" &&
    verdict.findings.length === 0 &&
    changedLines > policy.suspiciousApproveLines
  ) {
    return `approve with no findings on ${changedLines} changed lines (over ${policy.suspiciousApproveLines}): suspicious`;
  }
  return undefined;
}
