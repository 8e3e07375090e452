/**
 * `forge-loop.yaml` as a zod schema: every key but `repo` has a default, unknown keys are
 * rejected, and every rule carries the sentence an operator reads when it is broken
 * (`scheduling.parallel: must be an integer ≥ 1 (got "three")`). The `Config` type is
 * inferred from here and nowhere else.
 */
import { z } from "zod";
import { isValidLabel, LABEL_RULE } from "../forge/labels.js";
import { isValidBranchName } from "../git/refs.js";
import { splitCommandLine } from "./command-line.js";

const rule = (text: string) => ({ error: text });

function integer(min: number) {
  const text = `must be an integer ≥ ${min}`;
  return z.number(rule(text)).int(rule(text)).min(min, rule(text));
}

function seconds() {
  const text = "must be a number of seconds ≥ 0";
  return z.number(rule(text)).min(0, rule(text));
}

function text(what = "a non-empty string") {
  return z.string(rule(`must be ${what}`)).min(1, rule(`must be ${what}`));
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, rule(`must be one of ${values.join(", ")}`));
}

const flag = () => z.boolean(rule("must be true or false"));

const label = () => z.string(rule(LABEL_RULE)).refine(isValidLabel, rule(LABEL_RULE));

const branchName = () =>
  z
    .string(rule("must be a git branch name"))
    .refine(isValidBranchName, rule("must be a valid git branch name (see git check-ref-format)"));

const remoteRule = "must be a git remote name, or false to merge into the repository itself";
const remote = z.union(
  [z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, rule(remoteRule)), z.literal(false)],
  rule(remoteRule),
);

/** Credentials in a URL would end up in the config file and in logs: they come from the environment. */
const urlRule = "must be an http(s) URL without credentials (the token comes from the environment)";
function isHttpUrl(value: string): boolean {
  if (/\s/.test(value) || !URL.canParse(value)) return false;
  const url = new URL(value);
  return ["http:", "https:"].includes(url.protocol) && url.username === "" && url.password === "";
}
const httpUrl = () => z.string(rule(urlRule)).refine(isHttpUrl, rule(urlRule));

const stringList = () =>
  z.array(z.string(rule("must be a string")), rule("must be a list of strings"));

const envNameRule = "must be an environment variable name (letters, digits, _)";
const envNames = () =>
  z.array(
    z.string(rule(envNameRule)).regex(/^[A-Za-z_][A-Za-z0-9_]*$/, rule(envNameRule)),
    rule("must be a list of environment variable names"),
  );

/**
 * A command to run without a shell: an argv list (`["npm", "test"]`) or a string split
 * into one by `splitCommandLine` (quotes group words; no variables, globs or operators).
 */
const commandRule =
  'must be a command: an argv list like ["npm", "test"] or a string like "npm test"';
export const commandSchema = z
  .union([z.string(), z.array(z.string())], rule(commandRule))
  .transform((value, ctx) => {
    const argv =
      typeof value === "string" ? splitCommandLine(value) : { ok: true as const, argv: value };
    const problem = !argv.ok
      ? `must be a command: the string ${argv.error}`
      : argv.argv.length === 0 || argv.argv.some((arg) => arg.length === 0)
        ? "must be a command: a non-empty list of non-empty strings"
        : argv.argv.some((arg) => arg.includes("\0"))
          ? "must be a command: arguments cannot contain NUL characters"
          : undefined;
    if (problem || !argv.ok) {
      ctx.issues.push({ code: "custom", message: problem ?? commandRule, input: value });
      return z.NEVER;
    }
    return argv.argv;
  });

export const adapterNames = ["claude-code", "codex", "command"] as const;
export const permissionModes = [
  "default",
  "acceptEdits",
  "bypassPermissions",
  "plan",
  "dontAsk",
] as const;

/** Fields shared by the worker and the critic: both are agent processes. */
function agentFields(defaults: {
  permissionMode: (typeof permissionModes)[number];
  maxTurns: number;
  stallTimeoutS: number;
}) {
  return {
    adapter: oneOf(adapterNames).default("claude-code"),
    /** The executable (default `claude` / `codex`); for `command`, the whole argv. */
    command: commandSchema.optional(),
    model: text().optional(),
    args: stringList().default(() => []),
    permission_mode: oneOf(permissionModes).default(defaults.permissionMode),
    max_turns: integer(1).default(defaults.maxTurns),
    stall_timeout_s: integer(1).default(defaults.stallTimeoutS),
    env_allow: envNames().default(() => []),
  };
}

function requireCommandForCommandAdapter(
  section: { adapter: string; command?: string[] | undefined },
  ctx: z.RefinementCtx,
): void {
  if (section.adapter === "command" && !section.command) {
    ctx.addIssue({
      code: "custom",
      path: ["command"],
      message: "is required when adapter is command (the argv to run, e.g. [./my-agent])",
    });
  }
}

const mapping = rule("must be a mapping of settings");

export const configSchema = z.strictObject(
  {
    repo: z
      .string({
        error: (issue) =>
          issue.input === undefined
            ? "is required: the repository (a path such as . or owner/name)"
            : "must be a path or owner/name",
      })
      .min(1, rule("must be a path or owner/name")),
    base_branch: branchName().default("main"),
    tracker: oneOf(["local", "github"]).default("local"),
    platform: oneOf(["local", "github"]).default("local"),
    /** Where merges land and branches are pushed; default `origin` when it exists. */
    remote: remote.optional(),
    labels: z
      .strictObject(
        {
          ready: label().default("loop:ready"),
          blocked: label().default("loop:blocked"),
          needs_human: label().default("loop:needs-human"),
          risk: label().default("risk:high"),
          critic_blocking: label().default("critic:blocking"),
          priority_prefix: label().default("priority:"),
        },
        mapping,
      )
      .prefault({}),
    scheduling: z
      .strictObject(
        {
          parallel: integer(1).default(3),
          tick_interval_s: seconds().default(60),
          max_ticks: integer(0).default(0),
          max_attempts: integer(1).default(3),
          cooldown_s: integer(0).default(3600),
          /** How long a claimed queue item stays leased without a heartbeat (engine default when absent). */
          lease_s: integer(1).optional(),
        },
        mapping,
      )
      .prefault({}),
    worker: z
      .strictObject(
        {
          ...agentFields({
            permissionMode: "bypassPermissions",
            maxTurns: 100,
            stallTimeoutS: 900,
          }),
          worker_timeout_s: integer(1).default(7200),
        },
        mapping,
      )
      .prefault({})
      .superRefine(requireCommandForCommandAdapter),
    critic: z
      .strictObject(
        {
          enabled: flag().default(true),
          ...agentFields({ permissionMode: "default", maxTurns: 30, stallTimeoutS: 600 }),
          timeout_s: integer(1).default(1800),
          block_on_sev2: flag().default(false),
          suspicious_approve_lines: integer(0).default(100),
        },
        mapping,
      )
      .prefault({})
      .superRefine(requireCommandForCommandAdapter),
    checks: z.array(commandSchema, rule("must be a list of commands")).default(() => []),
    /** Per check command (and the wait for a PR's platform checks). */
    checks_timeout_s: integer(1).default(1800),
    merge: z
      .strictObject(
        {
          method: oneOf(["merge", "squash", "rebase"]).default("squash"),
          enabled: flag().default(true),
        },
        mapping,
      )
      .prefault({}),
    paths: z
      .strictObject(
        {
          state_dir: text("a path").default(".forge-loop"),
          worktree_root: text("a path").optional(),
        },
        mapping,
      )
      .prefault({}),
    /** Used when tracker or platform is github. */
    github: z
      .strictObject(
        {
          api_url: httpUrl().default("https://api.github.com"),
          /** token: push over https with the token; remote: push to the git remote as configured. */
          push: oneOf(["token", "remote"]).default("token"),
          /** Where `push: token` pushes; default derived from api_url and repo. */
          push_url: httpUrl().optional(),
          /** How long a head that reports no checks at all counts as pending. */
          checks_grace_s: integer(0).default(60),
        },
        mapping,
      )
      .prefault({}),
    durable_observations: flag().default(false),
    heartbeat_interval_s: integer(1).default(30),
  },
  rule("must be a mapping of settings, with at least `repo:`"),
);

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
