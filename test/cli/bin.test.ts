/**
 * The built bin (`npm test` builds first): esbuild bundles it, with every command's action
 * in chunks of its own. Its modules must still find what they look for relative to
 * themselves (package.json here; the demo's engine and agent in test/e2e), and errors must
 * keep their class across chunks.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/program.js";

const cli = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

beforeAll(() => {
  if (!existsSync(cli))
    throw new Error(`${cli} is missing: run \`npm run build\` first (npm test does it).`);
});

describe("the built forge-loop bin", () => {
  it("starts and lists every command in --help", async () => {
    const { stdout, exitCode } = await execa(process.execPath, [cli, "--help"]);
    expect(exitCode).toBe(0);
    const names = buildProgram().commands.map((c) => c.name());
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) expect(stdout).toMatch(new RegExp(`^\\s+${name}\\b`, "m"));
  });

  it("reports the package's version", async () => {
    const { stdout } = await execa(process.execPath, [cli, "--version"]);
    expect(stdout.trim()).toBe(pkg.version);
  });

  it("says an operator error from a lazily loaded command plainly, without a stack", async () => {
    const run = await execa(process.execPath, [cli, "status", "--dir", "/nowhere/at/all"], {
      reject: false,
    });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/^forge-loop: /);
    expect(run.stderr).not.toMatch(/unexpected error|\n\s+at /);
  });
});
