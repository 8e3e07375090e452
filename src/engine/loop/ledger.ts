/**
 * The attempt ledger: one issue comment per attempt with a marker line, a sentence for
 * humans, and a JSON block the engine (or a person) can read back.
 */

export const LEDGER_MARKER = "<!-- forge-loop:attempt -->";

export interface LedgerEntry {
  issue: number;
  attempt: number;
  status: string;
  reason?: string;
  pr?: number;
  duration_ms: number;
  fingerprint?: string;
  cost_usd?: number;
}

export function ledgerComment(entry: LedgerEntry): string {
  const sentence =
    entry.status === "merged"
      ? `forge-loop attempt ${entry.attempt} merged PR #${entry.pr}.`
      : entry.status === "needs_human"
        ? `forge-loop attempt ${entry.attempt} opened PR #${entry.pr} and left it for a human (risk-gated).`
        : `forge-loop attempt ${entry.attempt} ended: ${entry.status}${entry.reason ? ` (${entry.reason})` : ""}.`;
  return `${LEDGER_MARKER}\n${sentence}\n\n\`\`\`json\n${JSON.stringify(entry)}\n\`\`\`\n`;
}

/** Reads ledger entries back from comment bodies; anything else is ignored. */
export function readLedger(bodies: readonly string[]): LedgerEntry[] {
  const entries: LedgerEntry[] = [];
  for (const body of bodies) {
    if (!body.startsWith(LEDGER_MARKER)) continue;
    const match = /```json\n([\s\S]*?)\n```/.exec(body);
    if (!match?.[1]) continue;
    try {
      const value = JSON.parse(match[1]) as LedgerEntry;
      if (typeof value.issue === "number" && typeof value.attempt === "number") entries.push(value);
    } catch {
      // A hand-edited ledger comment is not ours to trust.
    }
  }
  return entries;
}
