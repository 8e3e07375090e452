/**
 * `forge-loop issue add|list|show|label|close`: manage the local tracker's issues in
 * `<state dir>/local-forge.db` (default `.forge-loop`). Safe to use while an engine runs.
 */
import { existsSync, readFileSync } from "node:fs";
import type { Command } from "commander";
import type { LocalTracker } from "../../engine/forge/local/tracker.js";
import type { Issue, IssueComment } from "../../engine/forge/types.js";
import { UserError } from "../../shared/errors.js";
import { DEFAULT_STATE_DIR, statePaths } from "../../store/paths.js";
import { CONFIG_FILE } from "./init.js";

export interface CommandIo {
  out(text: string): void;
  /** Standard input, for `--body-file -`. */
  readStdin(): Buffer;
}

const processIo: CommandIo = {
  out: (text) => process.stdout.write(text),
  readStdin: () => readFileSync(0),
};

/** The default of the config's `labels.priority_prefix`. */
const PRIORITY_PREFIX = "priority:";

export function register(program: Command, io: CommandIo = processIo): void {
  const issue = program
    .command("issue")
    .description("Manage the local tracker's issues (tracker: local).");

  issue
    .command("add")
    .description("Add an issue.")
    .argument("<title>", "the issue's title")
    .option("--body <text>", "the issue's body")
    .option("--body-file <path>", "read the body from a file (- for standard input)")
    .option("--label <name>", "add a label (repeatable)", collect, [] as string[])
    .option(
      "--priority <pN>",
      `add the priority label pN (p0 first … p3 last): ${PRIORITY_PREFIX}pN, or the config's labels.priority_prefix`,
    )
    .option(
      "--config <file>",
      `the config naming labels.priority_prefix (default: ${CONFIG_FILE} if present)`,
    )
    .option("--json", "print the issue as JSON")
    .option("--dir <path>", "state directory", DEFAULT_STATE_DIR)
    .action(async (title: string, opts: AddOptions) => {
      const body = readBody(opts, io);
      const priority =
        opts.priority === undefined
          ? []
          : [priorityLabel(opts.priority, await priorityPrefix(opts.config))];
      const labels = [...opts.label, ...priority];
      const created = await withTracker(opts.dir, true, (t) => t.create({ title, body, labels }));
      io.out(
        opts.json
          ? `${JSON.stringify(created)}\n`
          : `added #${created.number} ${printable(created.title)}\n`,
      );
    });

  issue
    .command("list")
    .description("List issues (open ones by default).")
    .option("--label <name>", "only issues with this label")
    .option("--state <state>", "open, closed or all", "open")
    .option("--json", "print a JSON array")
    .option("--dir <path>", "state directory", DEFAULT_STATE_DIR)
    .action(async (opts: { label?: string; state: string; json?: boolean; dir: string }) => {
      const state = parseState(opts.state);
      const issues = await withTracker(opts.dir, false, (t) =>
        t.list({ state, ...(opts.label !== undefined ? { label: opts.label } : {}) }),
      );
      io.out(opts.json ? `${JSON.stringify(issues)}\n` : formatList(issues));
    });

  issue
    .command("show")
    .description("Show an issue with its comments.")
    .argument("<number>", "the issue number")
    .option("--json", "print as JSON")
    .option("--dir <path>", "state directory", DEFAULT_STATE_DIR)
    .action(async (number: string, opts: { json?: boolean; dir: string }) => {
      const n = parseIssueNumber(number);
      const found = await withTracker(opts.dir, false, (t) => t.getIssue(n));
      io.out(opts.json ? `${JSON.stringify(found)}\n` : formatIssue(found.issue, found.comments));
    });

  issue
    .command("label")
    .description("Change labels: +name adds, -name removes (a bare name adds).")
    .argument("<number>", "the issue number")
    .argument("<changes...>", "+label or -label (use -- before the first if it starts with -)")
    .option("--dir <path>", "state directory", DEFAULT_STATE_DIR)
    .allowUnknownOption()
    .action(async (number: string, changes: string[], opts: { dir: string }) => {
      const n = parseIssueNumber(number);
      const { add, remove } = parseLabelChanges(changes);
      const labels = await withTracker(opts.dir, false, async (t) => {
        if (add.length > 0) await t.addLabels(n, add);
        for (const label of remove) await t.removeLabel(n, label);
        return (await t.getIssue(n)).issue.labels;
      });
      io.out(`#${n} labels: ${labels.map((label) => printable(label)).join(", ") || "(none)"}\n`);
    });

  issue
    .command("close")
    .description("Close an issue.")
    .argument("<number>", "the issue number")
    .option("--comment <text>", "add this comment when closing")
    .option("--dir <path>", "state directory", DEFAULT_STATE_DIR)
    .action(async (number: string, opts: { comment?: string; dir: string }) => {
      const n = parseIssueNumber(number);
      await withTracker(opts.dir, false, (t) => t.close(n, opts.comment));
      io.out(`closed #${n}\n`);
    });
}

interface AddOptions {
  body?: string;
  bodyFile?: string;
  label: string[];
  priority?: string;
  config?: string;
  json?: boolean;
  dir: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Runs `fn` on the local tracker; the tracker (engine code) is loaded only when a command runs. */
async function withTracker<T>(
  dir: string,
  create: boolean,
  fn: (tracker: LocalTracker) => Promise<T>,
): Promise<T> {
  const [{ openLocalForgeDb }, { LocalTracker }] = await Promise.all([
    import("../../engine/forge/local/db.js"),
    import("../../engine/forge/local/tracker.js"),
  ]);
  const db = openLocalForgeDb(statePaths(dir).localForgeDb, { create });
  try {
    return await fn(new LocalTracker(db, { author: "operator" }));
  } finally {
    db.close();
  }
}

function readBody(opts: AddOptions, io: CommandIo): string {
  if (opts.body !== undefined && opts.bodyFile !== undefined) {
    throw new UserError("give --body or --body-file, not both");
  }
  if (opts.bodyFile === undefined) return opts.body ?? "";
  let bytes: Buffer;
  try {
    bytes = opts.bodyFile === "-" ? io.readStdin() : readFileSync(opts.bodyFile);
  } catch (err) {
    throw new UserError(`cannot read the body file ${opts.bodyFile}: ${(err as Error).message}`);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new UserError(
      `the body file ${opts.bodyFile} is not valid UTF-8`,
      "Convert it to UTF-8 (e.g. with iconv) and try again.",
    );
  }
}

export function priorityLabel(priority: string, prefix = PRIORITY_PREFIX): string {
  if (!/^p[0-3]$/.test(priority)) {
    throw new UserError(`--priority must be p0, p1, p2 or p3 (got ${JSON.stringify(priority)})`);
  }
  return `${prefix}${priority}`;
}

/**
 * The engine orders the backlog by `<labels.priority_prefix>pN`, so the label added must use
 * the configured prefix. The config is read only for that (its repository and paths are not
 * resolved): an explicit `--config` must exist; the default file is used when present.
 */
async function priorityPrefix(configPath: string | undefined): Promise<string> {
  const path = configPath ?? CONFIG_FILE;
  if (configPath === undefined && !existsSync(path)) return PRIORITY_PREFIX;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new UserError(
      `cannot read the config ${path}: ${(err as Error).message}`,
      "Give the path of your forge-loop.yaml with --config, or leave it out for the default prefix.",
    );
  }
  const { parseConfigText } = await import("../../engine/config/load.js");
  return parseConfigText(text, { source: path }).labels.priority_prefix;
}

function parseState(state: string): "open" | "closed" | "all" {
  if (state === "open" || state === "closed" || state === "all") return state;
  throw new UserError(`--state must be open, closed or all (got ${JSON.stringify(state)})`);
}

export function parseIssueNumber(text: string): number {
  const match = /^#?(\d{1,15})$/.exec(text.trim());
  const n = match ? Number(match[1]) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new UserError(
      `not an issue number: ${JSON.stringify(text)}`,
      "Give the number, e.g. 12 or #12.",
    );
  }
  return n;
}

export function parseLabelChanges(changes: string[]): { add: string[]; remove: string[] } {
  const add: string[] = [];
  const remove: string[] = [];
  for (const change of changes) {
    if (change.startsWith("-")) remove.push(change.slice(1));
    else add.push(change.startsWith("+") ? change.slice(1) : change);
  }
  if ([...add, ...remove].some((label) => label.length === 0)) {
    throw new UserError(
      "an empty label name",
      "Write +name to add a label and -name to remove one.",
    );
  }
  if (add.length + remove.length === 0)
    throw new UserError("no label changes given", "e.g. +loop:ready -loop:blocked");
  return { add, remove };
}

/**
 * Issue text is outside input: control characters (a title carrying an escape sequence
 * could rewrite the operator's terminal) are shown as visible escapes.
 */
export function printable(text: string, { multiline = false } = {}): string {
  const pattern = multiline
    ? /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g
    : /[\u0000-\u001f\u007f-\u009f]/g;
  return text.replace(pattern, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function formatList(issues: Issue[]): string {
  if (issues.length === 0) return "no issues\n";
  const width = Math.max(...issues.map((i) => String(i.number).length)) + 1;
  return issues
    .map((i) => {
      const labels =
        i.labels.length > 0 ? `  [${i.labels.map((label) => printable(label)).join(", ")}]` : "";
      return `${`#${i.number}`.padEnd(width)}  ${i.state.padEnd(6)}  ${printable(i.title)}${labels}\n`;
    })
    .join("");
}

function formatIssue(issue: Issue, comments: IssueComment[]): string {
  const lines = [
    `#${issue.number} ${printable(issue.title)}`,
    `state: ${issue.state}   labels: ${issue.labels.map((label) => printable(label)).join(", ") || "(none)"}`,
    `created: ${issue.createdAt}   updated: ${issue.updatedAt}`,
    "",
    issue.body ? printable(issue.body, { multiline: true }) : "(no body)",
  ];
  if (comments.length > 0) {
    lines.push("", `comments (${comments.length}):`);
    for (const c of comments) {
      lines.push(
        "",
        `${printable(c.author)} at ${c.createdAt}:`,
        printable(c.body, { multiline: true }),
      );
    }
  }
  return `${lines.join("\n")}\n`;
}
