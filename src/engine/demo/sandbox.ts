/**
 * The demo's sandbox: a small real project with its own tests, a bare `origin` it merges
 * into, a config whose worker and critic are the bundled demo agent, and a local tracker
 * seeded with one issue per scenario. Everything lives under one directory.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { UserError } from "../../shared/errors.js";

export interface Sandbox {
  dir: string;
  projectDir: string;
  originDir: string;
  configPath: string;
}

const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: "forge-loop demo",
  GIT_AUTHOR_EMAIL: "demo@localhost",
  GIT_COMMITTER_NAME: "forge-loop demo",
  GIT_COMMITTER_EMAIL: "demo@localhost",
};

function git(cwd: string, args: string[]): void {
  execFileSync("git", args, { cwd, env: gitEnv, stdio: "ignore" });
}

const projectFiles: Record<string, string> = {
  "package.json": `${JSON.stringify({ name: "textkit", version: "1.0.0", type: "module", private: true, scripts: { test: "node --test" } }, null, 2)}\n`,
  "README.md": "# textkit\n\nSmall text helpers. This is the forge-loop demo's sandbox project.\n",
  ".gitignore": ".forge-loop/\nnode_modules/\nforge-loop.yaml\n",
  "src/trim-lines.js":
    'export function trimLines(text) {\n  return String(text).split("\\n").map((line) => line.trim()).join("\\n");\n}\n',
  "test/trim-lines.test.js":
    'import assert from "node:assert/strict";\nimport { test } from "node:test";\nimport { trimLines } from "../src/trim-lines.js";\n\ntest("trimLines", () => {\n  assert.equal(trimLines("  a \\n b"), "a\\nb");\n});\n',
};

/** The compiled demo agent, run by the real claude-code adapter in place of `claude`. */
export function demoAgentPath(): string {
  return fileURLToPath(new URL("./agent.js", import.meta.url));
}

function demoConfig(agentArgv: readonly string[]): string {
  const agent = JSON.stringify(agentArgv);
  return `# forge-loop demo configuration: short timeouts so every path shows within two minutes.
repo: .
base_branch: main
tracker: local
platform: local
scheduling:
  parallel: 3
  tick_interval_s: 1
  max_attempts: 3
  cooldown_s: 2
worker:
  adapter: claude-code
  command: ${agent}
  env_allow: [FORGE_LOOP_DEMO_STEP_MS]
  stall_timeout_s: 4
  worker_timeout_s: 90
critic:
  enabled: true
  adapter: claude-code
  command: ${agent}
  env_allow: [FORGE_LOOP_DEMO_STEP_MS]
  stall_timeout_s: 10
  timeout_s: 60
checks:
  - ["node", "--test"]
checks_timeout_s: 60
merge:
  method: squash
heartbeat_interval_s: 2
`;
}

/** `agent` is the worker and critic argv; tests pass the compiled agent explicitly. */
export function buildSandbox(
  dir: string,
  agent: readonly string[] = [process.execPath, demoAgentPath()],
): Sandbox {
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new UserError(
      `${dir} is not empty`,
      "Pass --dir with a new or empty directory, or leave --dir out for a fresh temporary one.",
    );
  }
  const originDir = join(dir, "origin.git");
  const projectDir = join(dir, "textkit");
  mkdirSync(originDir, { recursive: true });
  git(originDir, ["init", "--quiet", "--bare", "--initial-branch=main"]);
  mkdirSync(projectDir, { recursive: true });
  git(projectDir, ["init", "--quiet", "--initial-branch=main"]);
  for (const [path, content] of Object.entries(projectFiles)) {
    mkdirSync(join(projectDir, path, ".."), { recursive: true });
    writeFileSync(join(projectDir, path), content);
  }
  git(projectDir, ["add", "--all"]);
  git(projectDir, ["commit", "--quiet", "-m", "textkit: first version"]);
  git(projectDir, ["remote", "add", "origin", originDir]);
  git(projectDir, ["push", "--quiet", "origin", "main"]);
  const configPath = join(projectDir, "forge-loop.yaml");
  writeFileSync(configPath, demoConfig(agent));
  return { dir, projectDir, originDir, configPath };
}
