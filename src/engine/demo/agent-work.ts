/**
 * What the demo agent writes for each scenario and attempt: real source files and tests
 * in the worktree, committed with git, so the real checks and critic gates judge them.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ScenarioName } from "./scenarios.js";

export interface FileChange {
  path: string;
  content: string;
}

const implementations: Record<string, { fn: string; good: string; bad?: string; test: string }> = {
  slugify: {
    fn: "slugify",
    good: 'return String(text).toLowerCase().split(/[^a-z0-9]+/).filter(Boolean).join("-");',
    test: 'assert.equal(slugify("Hello, World!"), "hello-world");\n  assert.equal(slugify(""), "");',
  },
  "word-count": {
    fn: "wordCount",
    good: "return String(text).split(/\\s+/).filter(Boolean).length;",
    bad: 'return String(text).split(" ").length;',
    test: 'assert.equal(wordCount("two  words"), 2);\n  assert.equal(wordCount(""), 0);',
  },
  "title-case": {
    fn: "titleCase",
    good: "return String(text).replace(/(^|\\s)(\\S)/g, (_, space, ch) => space + ch.toUpperCase());",
    test: 'assert.equal(titleCase("hello world"), "Hello World");\n  assert.equal(titleCase(""), "");\n  assert.equal(titleCase("it\'s ok!"), "It\'s Ok!");',
  },
  truncate: {
    fn: "truncate",
    good: "return text.length > max ? text.slice(0, Math.max(0, max - 1)) + '…' : text;",
    test: 'assert.equal(truncate("abcdef", 4), "abc…");\n  assert.equal(truncate("ab", 4), "ab");',
  },
  "reverse-words": {
    fn: "reverseWords",
    good: 'return String(text).split(/\\s+/).filter(Boolean).reverse().join(" ");',
    test: 'assert.equal(reverseWords("one two  three"), "three two one");',
  },
  "config-loader": {
    fn: "loadConfig",
    good: 'return { ...defaults, ...Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith("APP_"))) };',
    test: 'assert.deepEqual(loadConfig({ a: 1 }, { APP_X: "y" }), { a: 1, APP_X: "y" });',
  },
};

/** The files an attempt writes: attempt 1 of some scenarios is deliberately flawed. */
export function changesFor(module: string, scenario: ScenarioName, attempt: number): FileChange[] {
  const impl = implementations[module];
  if (!impl) return [];
  const params =
    module === "truncate" ? "text, max" : module === "config-loader" ? "defaults, env" : "text";
  const body = scenario === "checks-retry" && attempt === 1 && impl.bad ? impl.bad : impl.good;
  const source = `export function ${impl.fn}(${params}) {\n  ${body}\n}\n`;
  const changes: FileChange[] = [{ path: `src/${module}.js`, content: source }];
  const skipTests = scenario === "critic-retry" && attempt === 1;
  if (!skipTests) {
    changes.push({
      path: `test/${module}.test.js`,
      content: `import assert from "node:assert/strict";\nimport { test } from "node:test";\nimport { ${impl.fn} } from "../src/${module}.js";\n\ntest("${impl.fn}", () => {\n  ${impl.test}\n});\n`,
    });
  }
  return changes;
}

export function applyChanges(cwd: string, changes: readonly FileChange[]): void {
  for (const change of changes) {
    const path = join(cwd, change.path);
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, change.content);
  }
}

export function commit(cwd: string, message: string): void {
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: "forge-loop demo agent",
    GIT_AUTHOR_EMAIL: "demo-agent@localhost",
    GIT_COMMITTER_NAME: "forge-loop demo agent",
    GIT_COMMITTER_EMAIL: "demo-agent@localhost",
  };
  execFileSync("git", ["add", "--all"], { cwd, env, stdio: "ignore" });
  execFileSync("git", ["commit", "--no-verify", "--quiet", "-m", message], {
    cwd,
    env,
    stdio: "ignore",
  });
}
