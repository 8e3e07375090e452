/**
 * Lines as the Python runner writes them: `json.dumps(record)`, i.e. ", " and ": "
 * separators and every non-ASCII character escaped as \uXXXX.
 */
import { asciiEscapeJson } from "../../src/store/contract/canonical-json.js";

export function pyDumps(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pyDumps).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).map(([k, v]) => `${pyDumps(k)}: ${pyDumps(v)}`);
    return `{${entries.join(", ")}}`;
  }
  return asciiEscapeJson(JSON.stringify(value));
}

/** A JSONL file body: one `pyDumps` line per record, each ending in "\n". */
export function pyJsonl(records: readonly Record<string, unknown>[]): string {
  return records.map((r) => `${pyDumps(r)}\n`).join("");
}

/** A small but complete runner history: one run, two ticks, every common record shape. */
export function runnerHistory(start = Date.UTC(2026, 5, 5, 9, 0, 0)): Record<string, unknown>[] {
  let ms = start;
  const ts = () => {
    ms += 1000;
    return new Date(ms).toISOString();
  };
  const pr = "https://github.com/acme/app/pull/12";
  return [
    { ts: ts(), kind: "loop_start", parallel: 2, tick_interval: 60, runner_id: "host-1" },
    { ts: ts(), kind: "tick_start", tick: 1, issues: [41, 42] },
    { ts: ts(), kind: "po_done", tick: 1, expanded: [41], skipped: [42], outcomes: [] },
    {
      ts: ts(),
      kind: "worker_start",
      tick: 1,
      issue: 41,
      branch: "loop/41",
      worktree: "/wt/41",
      title: "Résumé “fix”",
    },
    {
      ts: ts(),
      kind: "worker_session_transition",
      session_id: "s-41",
      issue: 41,
      prior_state: "",
      new_state: "DISPATCHED",
      reason: "fresh dispatch",
      pr_url: null,
    },
    { ts: ts(), kind: "watchdog_worker_stuck", issue: 41, idle_s: 930, stuck_after_s: 900 },
    {
      ts: ts(),
      kind: "worker_done",
      tick: 1,
      issue: 41,
      status: "open",
      pr_url: pr,
      duration_s: 812.0,
    },
    {
      ts: ts(),
      kind: "critic_done",
      issue: 41,
      pr,
      verdict: "blocked",
      reasons: ["sev2: no test"],
      duration_s: 40.1,
      sev_counts: { sev1: 0, sev2: 1, sev3: 0 },
      parse_retries: 0,
    },
    {
      ts: ts(),
      kind: "tick_done",
      tick: 1,
      merged: [],
      outcomes: [
        {
          issue: 41,
          title: "Résumé “fix”",
          pr_url: pr,
          status: "open",
          duration_s: 812.0,
          error: null,
        },
      ],
    },
    { ts: ts(), kind: "sprint_consolidated", tick: 1, merged: 0 },
    { ts: ts(), kind: "tick_start", tick: 2, issues: [41] },
    {
      ts: ts(),
      kind: "critic_done",
      issue: 41,
      pr,
      verdict: "approved",
      reasons: [],
      duration_s: 30.0,
      sev_counts: { sev1: 0, sev2: 0, sev3: 0 },
      parse_retries: 0,
    },
    {
      ts: ts(),
      kind: "post_critic_automerge_enabled",
      issue: 41,
      pr,
      method: "squash",
      detail: null,
    },
    {
      ts: ts(),
      kind: "tick_done",
      tick: 2,
      merged: [41],
      outcomes: [{ issue: 41, pr_url: pr, status: "merged", duration_s: 5.0, error: null }],
    },
    { ts: ts(), kind: "worktree_reaped", issue: 41, status: "merged" },
    { ts: ts(), kind: "loop_stop", tick: 2 },
  ];
}
