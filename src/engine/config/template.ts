/**
 * The commented `forge-loop.yaml` that `forge-loop init` writes: every key with its
 * default value (taken from the schema, so the file cannot drift from it) and a comment
 * saying what it does; optional keys without a default appear commented out.
 */
import { Document, isMap, isScalar, type Pair, stringify } from "yaml";
import { keysAt } from "./keys.js";
import { type Config, configSchema } from "./schema.js";

/** One line of documentation per setting (a test checks every setting has one). */
export const settingDocs: Record<string, string> = {
  repo: "The repository: a path (relative to this file) or owner/name on GitHub.",
  base_branch: "The branch pull requests target and merges land on.",
  tracker: "Where issues come from: local (.forge-loop/local-forge.db) or github.",
  platform: "Where pull requests live: local (real git branches and merges) or github.",
  remote:
    "The git remote branches are pushed to and merges land in; default origin when it exists. false merges into this repository itself (never into a dirty checkout).",
  labels: "Labels the loop reads and writes.",
  "labels.ready": "Issues with this label are picked up.",
  "labels.blocked": "Set after max_attempts failed attempts.",
  "labels.needs_human": "Set when an attempt needs a person (risk-gated, merge disabled).",
  "labels.risk": "Issues with this label are worked, but their PR is left for a human to merge.",
  "labels.critic_blocking": "Set on issues whose last critic verdict blocked.",
  "labels.priority_prefix": "priority:p0 … priority:p3 order the backlog (p0 first).",
  scheduling: "How much work, how often.",
  "scheduling.parallel": "Attempts running at once.",
  "scheduling.tick_interval_s": "Seconds between ticks (the loop wakes early for free slots).",
  "scheduling.max_ticks": "Stop after this many ticks; 0 runs until halted.",
  "scheduling.max_attempts": "Attempts per issue before it is labelled blocked.",
  "scheduling.cooldown_s":
    "Seconds before a failed issue is tried again (a changed issue resets it).",
  "scheduling.lease_s":
    "Seconds a claimed item stays leased without a heartbeat (default: the engine's).",
  worker: "The coding agent that works an issue.",
  "worker.adapter": "claude-code, codex, or command (any argv; the brief arrives on stdin).",
  "worker.command":
    "The executable and leading arguments (default claude / codex; required for command).",
  "worker.model": "Model name passed to the agent.",
  "worker.args": "Extra arguments appended to the agent's command line.",
  "worker.permission_mode":
    "claude-code --permission-mode. bypassPermissions lets the agent run commands unattended; the worktree isolates its changes, it is not a sandbox.",
  "worker.max_turns": "claude-code --max-turns.",
  "worker.stall_timeout_s":
    "No output for this long (and no tool running) ends the attempt as stale.",
  "worker.env_allow": "Environment variables passed through to the agent (others are withheld).",
  "worker.worker_timeout_s": "Wall-clock limit per attempt.",
  critic: "The reviewing agent whose verdict gates the merge.",
  "critic.enabled": "false skips the critic.",
  "critic.adapter": "claude-code, codex, or command.",
  "critic.command": "The executable and leading arguments (required for command).",
  "critic.model": "Model name passed to the critic.",
  "critic.args": "Extra arguments appended to the critic's command line.",
  "critic.permission_mode": "claude-code --permission-mode for the critic.",
  "critic.max_turns": "claude-code --max-turns for the critic.",
  "critic.stall_timeout_s": "No output for this long ends the review as stale.",
  "critic.env_allow": "Environment variables passed through to the critic.",
  "critic.timeout_s": "Wall-clock limit per review.",
  "critic.block_on_sev2": "Block on any sev2 finding, not only with request_changes.",
  "critic.suspicious_approve_lines":
    "An approve with no findings on a diff over this many changed lines blocks.",
  checks:
    'Commands run in the worktree before a PR is opened (and as the local platform\'s PR checks). Each is an argv list like ["npm", "test"] or a string like "npm test" split into words WITHOUT a shell: quotes group words; no variables, globs, pipes or &&. For example: checks: [["npm", "test"], "npm run lint"]',
  checks_timeout_s: "Limit per check command, and for a PR's checks to settle.",
  merge: "How a pull request lands.",
  "merge.method": "merge, squash or rebase.",
  "merge.enabled": "false leaves every PR open for a human.",
  paths: "Where state lives (relative paths are relative to the repository).",
  "paths.state_dir": "Event log, operator stream, transcripts, local forge.",
  "paths.worktree_root":
    "Attempt worktrees (default: .forge-loop-worktrees beside the repository).",
  github:
    "GitHub, when tracker or platform is github (the token comes from GITHUB_TOKEN, GH_TOKEN or `gh auth token`).",
  "github.api_url":
    "The REST API: https://api.github.com, or https://<host>/api/v3 for GitHub Enterprise Server.",
  "github.push":
    "token pushes branches over https with the token (never written to argv or .git/config); remote pushes to the git remote above with your own git credentials.",
  "github.push_url":
    "Where push: token pushes (default https://github.com/<owner>/<name>.git, or the Enterprise host's).",
  "github.checks_grace_s":
    "A pull request whose head reports no checks at all counts as pending this long (CI may not have started yet), then as passing.",
  durable_observations:
    "Keep every worker observation in the durable log, not only in the operator stream.",
  heartbeat_interval_s: "Seconds between an attempt's durable heartbeats.",
};

/** Shown, commented out, for optional settings without a default. */
const examples: Record<string, unknown> = {
  remote: "origin",
  "scheduling.lease_s": 1200,
  "worker.command": ["claude"],
  "worker.model": "claude-sonnet-4-5",
  "critic.command": ["claude"],
  "critic.model": "claude-sonnet-4-5",
  "paths.worktree_root": "../.forge-loop-worktrees",
  "github.push_url": "https://github.com/owner/name.git",
};

export interface TemplateOptions {
  repo: string;
  tracker: Config["tracker"];
  platform: Config["platform"];
}

export function renderConfigTemplate(options: TemplateOptions): string {
  const values = configSchema.parse({
    repo: options.repo,
    tracker: options.tracker,
    platform: options.platform,
  });
  const document = new Document(values);
  document.commentBefore =
    " forge-loop configuration. Every key but repo is optional; the values below are the\n" +
    " defaults. Environment variables FORGE_LOOP_<SECTION>_<KEY> override any of them\n" +
    " (e.g. FORGE_LOOP_SCHEDULING_PARALLEL=2, FORGE_LOOP_MERGE_ENABLED=false).";
  annotate(document.contents, []);
  return document.toString({ lineWidth: 0 });
}

function annotate(node: unknown, parent: string[]): void {
  if (!isMap(node)) return;
  const keys = keysAt(parent);
  let previous = -1;
  for (const pair of node.items as Pair[]) {
    if (!isScalar(pair.key)) continue;
    const key = String(pair.key.value);
    const index = keys.indexOf(key);
    const path = [...parent, key];
    const doc = settingDocs[path.join(".")];
    const lines = [...commentedOut(parent, keys.slice(previous + 1, index)), ...wrap(doc ?? "")];
    if (lines.length > 0) pair.key.commentBefore = toComment(lines);
    if (parent.length === 0 && previous >= 0) pair.key.spaceBefore = true;
    previous = index;
    annotate(pair.value, path);
  }
  const trailing = commentedOut(parent, keys.slice(previous + 1)).slice(0, -1);
  if (trailing.length > 0) node.comment = toComment(trailing);
}

/** Optional settings with no value, shown commented out with their documentation. */
function commentedOut(parent: string[], absent: string[]): string[] {
  return absent.flatMap((key) => {
    const path = [...parent, key].join(".");
    if (!(path in examples)) return [];
    const value = stringify(examples[path], {
      collectionStyle: "flow",
      flowCollectionPadding: false,
    });
    return [...wrap(settingDocs[path] ?? ""), `${key}: ${value.trim()}`, ""];
  });
}

function toComment(lines: string[]): string {
  return lines.map((line) => (line ? ` ${line}` : "")).join("\n");
}

/** Splits prose into comment lines of at most `width` characters. */
function wrap(text: string, width = 88): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ").filter((w) => w.length > 0)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}
