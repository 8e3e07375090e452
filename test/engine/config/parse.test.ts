import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parseConfigText } from "../../../src/engine/config/load.js";
import { UserError } from "../../../src/shared/errors.js";

const parse = (text: string, env: NodeJS.ProcessEnv = {}) => parseConfigText(text, { env });

/** The message of the UserError `text` produces (fails the test when it parses). */
function errorOf(text: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    parse(text, env);
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as UserError).message;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

describe("defaults", () => {
  it("fills every key but repo", () => {
    expect(parse("repo: .\n")).toEqual({
      repo: ".",
      base_branch: "main",
      tracker: "local",
      platform: "local",
      labels: {
        ready: "loop:ready",
        blocked: "loop:blocked",
        needs_human: "loop:needs-human",
        risk: "risk:high",
        critic_blocking: "critic:blocking",
        priority_prefix: "priority:",
      },
      scheduling: {
        parallel: 3,
        tick_interval_s: 60,
        max_ticks: 0,
        max_attempts: 3,
        cooldown_s: 3600,
      },
      worker: {
        adapter: "claude-code",
        args: [],
        permission_mode: "bypassPermissions",
        max_turns: 100,
        stall_timeout_s: 900,
        worker_timeout_s: 7200,
        env_allow: [],
      },
      critic: {
        enabled: true,
        adapter: "claude-code",
        args: [],
        permission_mode: "default",
        max_turns: 30,
        stall_timeout_s: 600,
        timeout_s: 1800,
        env_allow: [],
        block_on_sev2: false,
        suspicious_approve_lines: 100,
      },
      checks: [],
      checks_timeout_s: 1800,
      merge: { method: "squash", enabled: true },
      paths: { state_dir: ".forge-loop" },
      github: { api_url: "https://api.github.com", push: "token", checks_grace_s: 60 },
      durable_observations: false,
      heartbeat_interval_s: 30,
    });
  });

  it("reads a section whose keys are all commented out as all defaults", () => {
    const config = parse("repo: .\nworker:\n  # model: x\nscheduling:\n");
    expect(config.worker.adapter).toBe("claude-code");
    expect(config.scheduling.parallel).toBe(3);
  });

  it("never shares default arrays between loads", () => {
    const a = parse("repo: .");
    a.worker.args.push("--mutated");
    a.checks.push(["x"]);
    const b = parse("repo: .");
    expect(b.worker.args).toEqual([]);
    expect(b.checks).toEqual([]);
  });

  it("keeps what the file sets", () => {
    const config = parse(`
repo: acme/widgets
base_branch: trunk
tracker: github
platform: github
remote: upstream
labels: { ready: "agent:go", priority_prefix: "prio/" }
scheduling: { parallel: 1, tick_interval_s: 0.5, max_ticks: 10, lease_s: 600 }
worker: { adapter: command, command: ./agent --fast, env_allow: [ANTHROPIC_API_KEY] }
critic: { enabled: false, block_on_sev2: true }
checks:
  - npm test
  - [npm, run, lint, "--", "--max-warnings", "0"]
  - "node -e 'process.exit(0)'"
merge: { method: rebase, enabled: false }
paths: { state_dir: /var/lib/forge, worktree_root: ../wt }
durable_observations: true
`);
    expect(config).toMatchObject({
      repo: "acme/widgets",
      base_branch: "trunk",
      tracker: "github",
      remote: "upstream",
      labels: { ready: "agent:go", blocked: "loop:blocked", priority_prefix: "prio/" },
      scheduling: {
        parallel: 1,
        tick_interval_s: 0.5,
        max_ticks: 10,
        lease_s: 600,
        max_attempts: 3,
      },
      worker: {
        adapter: "command",
        command: ["./agent", "--fast"],
        env_allow: ["ANTHROPIC_API_KEY"],
      },
      critic: { enabled: false, block_on_sev2: true, suspicious_approve_lines: 100 },
      checks: [
        ["npm", "test"],
        ["npm", "run", "lint", "--", "--max-warnings", "0"],
        ["node", "-e", "process.exit(0)"],
      ],
      merge: { method: "rebase", enabled: false },
      paths: { state_dir: "/var/lib/forge", worktree_root: "../wt" },
      durable_observations: true,
    });
    expect(parse("repo: .\nremote: false").remote).toBe(false);
  });
});

describe("errors name the key path and the rule", () => {
  it.each([
    [
      "scheduling: { parallel: three }",
      'forge-loop.yaml: scheduling.parallel: must be an integer ≥ 1 (got "three")',
    ],
    [
      "scheduling: { parallel: 0 }",
      "forge-loop.yaml: scheduling.parallel: must be an integer ≥ 1 (got 0)",
    ],
    [
      "scheduling: { parallel: 2.5 }",
      "forge-loop.yaml: scheduling.parallel: must be an integer ≥ 1 (got 2.5)",
    ],
    [
      "scheduling: { max_ticks: -1 }",
      "forge-loop.yaml: scheduling.max_ticks: must be an integer ≥ 0 (got -1)",
    ],
    [
      "scheduling: { tick_interval_s: -2 }",
      "forge-loop.yaml: scheduling.tick_interval_s: must be a number of seconds ≥ 0 (got -2)",
    ],
    ["scheduling: 5", "forge-loop.yaml: scheduling: must be a mapping of settings (got 5)"],
    ["tracker: jira", 'forge-loop.yaml: tracker: must be one of local, github (got "jira")'],
    [
      "merge: { method: fast-forward }",
      'forge-loop.yaml: merge.method: must be one of merge, squash, rebase (got "fast-forward")',
    ],
    [
      "merge: { enabled: 'yes' }",
      'forge-loop.yaml: merge.enabled: must be true or false (got "yes")',
    ],
    [
      "base_branch: 'a..b'",
      'forge-loop.yaml: base_branch: must be a valid git branch name (see git check-ref-format) (got "a..b")',
    ],
    [
      "remote: '-x'",
      'forge-loop.yaml: remote: must be a git remote name, or false to merge into the repository itself (got "-x")',
    ],
    [
      "remote: true",
      "forge-loop.yaml: remote: must be a git remote name, or false to merge into the repository itself (got true)",
    ],
    [
      "labels: { ready: '' }",
      'forge-loop.yaml: labels.ready: must be a label name: 1–50 characters, no line breaks or control characters (got "")',
    ],
    [
      "worker: { adapter: command }",
      "forge-loop.yaml: worker.command: is required when adapter is command",
    ],
    [
      "worker: { args: --verbose }",
      'forge-loop.yaml: worker.args: must be a list of strings (got "--verbose")',
    ],
    ["worker: { args: [1] }", "forge-loop.yaml: worker.args[0]: must be a string (got 1)"],
    [
      "worker: { env_allow: [A-B] }",
      'forge-loop.yaml: worker.env_allow[0]: must be an environment variable name (letters, digits, _) (got "A-B")',
    ],
    [
      "critic: { suspicious_approve_lines: many }",
      'forge-loop.yaml: critic.suspicious_approve_lines: must be an integer ≥ 0 (got "many")',
    ],
    ["checks: npm test", 'forge-loop.yaml: checks: must be a list of commands (got "npm test")'],
    [
      "checks: [npm test && npm run lint]",
      'forge-loop.yaml: checks[0]: must be a command: the string contains the shell character "&"',
    ],
    [
      "checks: ['echo $HOME']",
      'forge-loop.yaml: checks[0]: must be a command: the string contains the shell character "$"',
    ],
    [
      'checks: ["npm \'test"]',
      "forge-loop.yaml: checks[0]: must be a command: the string has an unclosed ' quote",
    ],
    [
      "checks: [[]]",
      "forge-loop.yaml: checks[0]: must be a command: a non-empty list of non-empty strings (got [])",
    ],
    [
      "checks: [['npm', '']]",
      "forge-loop.yaml: checks[0]: must be a command: a non-empty list of non-empty strings",
    ],
    ["checks: [5]", "forge-loop.yaml: checks[0]: must be a command: an argv list like"],
    ["paths: { state_dir: '' }", 'forge-loop.yaml: paths.state_dir: must be a path (got "")'],
    [
      "heartbeat_interval_s: 0",
      "forge-loop.yaml: heartbeat_interval_s: must be an integer ≥ 1 (got 0)",
    ],
  ])("%s", (yaml, expected) => {
    expect(errorOf(`repo: .\n${yaml}\n`)).toContain(expected);
  });

  it("asks for repo when it is missing, and for a mapping when the file is not one", () => {
    expect(errorOf("")).toContain(
      "forge-loop.yaml: repo: is required: the repository (a path such as . or owner/name)",
    );
    expect(errorOf("# only a comment\n")).toContain("repo: is required");
    expect(errorOf("- a\n- b\n")).toContain(
      'forge-loop.yaml: must be a mapping of settings, with at least `repo:` (got ["a","b"])',
    );
    expect(errorOf("just text")).toContain("must be a mapping of settings");
    expect(errorOf("repo: ''")).toContain("forge-loop.yaml: repo: must be a path or owner/name");
  });

  it("rejects unknown keys with a did-you-mean", () => {
    expect(errorOf("repo: .\nscheduling: { paralel: 2 }")).toContain(
      "forge-loop.yaml: scheduling.paralel: unknown key (did you mean parallel?)",
    );
    expect(errorOf("repo: .\nbase_brnach: dev")).toContain(
      "forge-loop.yaml: base_brnach: unknown key (did you mean base_branch?)",
    );
    expect(errorOf("repo: .\nmerge: { zzz: 1 }")).toContain(
      "forge-loop.yaml: merge.zzz: unknown key (known keys: method, enabled)",
    );
    expect(errorOf("repo: .\n__proto__: { polluted: true }")).toContain("__proto__: unknown key");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("reports every problem at once, one per line", () => {
    const message = errorOf("repo: .\ntracker: x\nscheduling: { parallel: 0, cooldown_s: soon }\n");
    expect(
      message.split("\n").filter((line) => line.startsWith("  forge-loop.yaml: ")),
    ).toHaveLength(3);
  });

  it("gives YAML syntax errors with line and column", () => {
    expect(errorOf("repo: .\nscheduling:\n  parallel: [1, 2\n")).toMatch(
      /^forge-loop\.yaml:\d+:\d+: invalid YAML: /,
    );
    expect(errorOf("repo: .\n\tparallel: 3\n")).toMatch(/^forge-loop\.yaml:2:1: invalid YAML: /);
    expect(errorOf("repo: .\nrepo: ..\n")).toMatch(
      /^forge-loop\.yaml:2:1: invalid YAML: Map keys must be unique/,
    );
    expect(errorOf("repo: .\n---\nrepo: .\n")).toMatch(/invalid YAML/);
    const bomb =
      "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\nrepo: .\n";
    expect(errorOf(bomb)).toMatch(/invalid YAML/);
  });
});

describe("environment overrides", () => {
  it("override the file, coerced to each setting's type", () => {
    const config = parse("repo: .\nscheduling: { parallel: 5 }\n", {
      FORGE_LOOP_SCHEDULING_PARALLEL: "2",
      FORGE_LOOP_MERGE_ENABLED: "false",
      FORGE_LOOP_CRITIC_BLOCK_ON_SEV2: "yes",
      FORGE_LOOP_BASE_BRANCH: "trunk",
      FORGE_LOOP_WORKER_MODEL: "12345",
      FORGE_LOOP_CHECKS: '[["npm", "test"], "npm run lint"]',
      FORGE_LOOP_WORKER_COMMAND: "my-agent --flag",
      FORGE_LOOP_REMOTE: "false",
      FORGE_LOOP_SCHEDULING_TICK_INTERVAL_S: "0.25",
    });
    expect(config.scheduling.parallel).toBe(2);
    expect(config.merge.enabled).toBe(false);
    expect(config.critic.block_on_sev2).toBe(true);
    expect(config.base_branch).toBe("trunk");
    expect(config.worker.model).toBe("12345");
    expect(config.checks).toEqual([
      ["npm", "test"],
      ["npm", "run", "lint"],
    ]);
    expect(config.worker.command).toEqual(["my-agent", "--flag"]);
    expect(config.remote).toBe(false);
    expect(config.scheduling.tick_interval_s).toBe(0.25);
  });

  it("can supply repo itself, and an empty value counts as unset", () => {
    expect(parse("", { FORGE_LOOP_REPO: "/srv/checkout" }).repo).toBe("/srv/checkout");
    expect(parse("repo: .\n", { FORGE_LOOP_SCHEDULING_PARALLEL: "" }).scheduling.parallel).toBe(3);
  });

  it("name the variable when its value breaks the rule", () => {
    expect(errorOf("repo: .", { FORGE_LOOP_SCHEDULING_PARALLEL: "three" })).toContain(
      'FORGE_LOOP_SCHEDULING_PARALLEL (scheduling.parallel): must be an integer ≥ 1 (got "three")',
    );
    expect(errorOf("repo: .", { FORGE_LOOP_MERGE_ENABLED: "maybe" })).toContain(
      'FORGE_LOOP_MERGE_ENABLED (merge.enabled): must be true or false (got "maybe")',
    );
    expect(errorOf("repo: .", { FORGE_LOOP_CHECKS: "[unclosed" })).toContain(
      "FORGE_LOOP_CHECKS (checks): must be a list of commands",
    );
    expect(errorOf("repo: .", { FORGE_LOOP_CHECKS: '["a && b"]' })).toContain(
      "FORGE_LOOP_CHECKS (checks[0]): must be a command: the string contains the shell character",
    );
  });

  it("reject misspelt variables with a suggestion, and ignore other FORGE_LOOP_ variables", () => {
    expect(errorOf("repo: .", { FORGE_LOOP_SCHEDULING_PARALEL: "2" })).toContain(
      "FORGE_LOOP_SCHEDULING_PARALEL: not a forge-loop setting (did you mean FORGE_LOOP_SCHEDULING_PARALLEL?)",
    );
    expect(errorOf("repo: .", { FORGE_LOOP_BASE_BRANC: "x" })).toContain(
      "did you mean FORGE_LOOP_BASE_BRANCH?",
    );
    expect(
      parse("repo: .", { FORGE_LOOP_BRIEF_FILE: "/tmp/brief.md", FORGE_LOOP_SOMETHING_ELSE: "1" })
        .repo,
    ).toBe(".");
  });

  it("apply over a section the file does not have", () => {
    expect(parse("repo: .", { FORGE_LOOP_PATHS_WORKTREE_ROOT: "/wt" }).paths).toEqual({
      state_dir: ".forge-loop",
      worktree_root: "/wt",
    });
  });
});

describe("hostile input", () => {
  it("arbitrary YAML documents yield a config or a UserError, never a crash", () => {
    const value = fc.letrec((tie) => ({
      leaf: fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null)),
      node: fc.oneof(
        { depthSize: "small" },
        tie("leaf"),
        fc.array(tie("node"), { maxLength: 4 }),
        fc.dictionary(
          fc.oneof(
            fc.string(),
            fc.constantFrom(
              "repo",
              "scheduling",
              "parallel",
              "checks",
              "worker",
              "__proto__",
              "constructor",
            ),
          ),
          tie("node"),
          { maxKeys: 5 },
        ),
      ),
    }));
    fc.assert(
      fc.property(value.node, fc.boolean(), (doc, withRepo) => {
        const text = stringify(
          withRepo && doc && typeof doc === "object" && !Array.isArray(doc)
            ? { repo: ".", ...doc }
            : doc,
        );
        try {
          parse(text);
        } catch (err) {
          expect(err).toBeInstanceOf(UserError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("arbitrary text yields a config or a UserError, never a crash", () => {
    const yamlish = fc.array(
      fc.constantFrom(
        "repo: .",
        "scheduling:",
        "  parallel: 2",
        "- x",
        "[",
        "{",
        "&a",
        "*a",
        "!!binary",
        "%YAML 1.2",
        "---",
        "\t",
        ": ",
        '"',
        "'",
        "#",
      ),
      { maxLength: 10 },
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "binary", maxLength: 200 }),
          yamlish.map((lines) => lines.join("\n")),
        ),
        (text) => {
          try {
            parse(text);
          } catch (err) {
            expect(err).toBeInstanceOf(UserError);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it("arbitrary environment values yield a config or a UserError", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          "FORGE_LOOP_SCHEDULING_PARALLEL",
          "FORGE_LOOP_CHECKS",
          "FORGE_LOOP_REMOTE",
          "FORGE_LOOP_MERGE_ENABLED",
          "FORGE_LOOP_WORKER_ARGS",
          "FORGE_LOOP_LABELS_READY",
        ),
        fc.string({ maxLength: 40 }),
        (name, value) => {
          try {
            parse("repo: .", { [name]: value });
          } catch (err) {
            expect(err).toBeInstanceOf(UserError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
