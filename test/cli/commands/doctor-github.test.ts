/**
 * `forge-loop doctor --config` as an operator runs it (the built CLI in a child process):
 * the config's state directory, and GitHub when the config uses it (the fake GitHub).
 */
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { openEventLog } from "../../../src/store/log/sqlite-event-log.js";
import { type FakeGitHub, startFakeGitHub } from "../../support/fake-github/server.js";
import { makeRepo, type TempRepo } from "../../support/temp-git.js";

const cli = fileURLToPath(new URL("../../../dist/cli.js", import.meta.url));

beforeAll(() => {
  if (!existsSync(cli))
    throw new Error(`${cli} is missing: run \`npm run build\` first (npm test does it).`);
});

let repo: TempRepo | undefined;
let fake: FakeGitHub | undefined;
afterEach(async () => {
  await fake?.close();
  repo?.cleanup();
  fake = undefined;
});

/** A PATH with git and node on it, and no `gh`. */
function toolsOnly(root: string): string {
  const bin = join(root, "tools");
  mkdirSync(bin);
  for (const tool of ["git", "node"]) {
    const dir = (process.env.PATH ?? "")
      .split(delimiter)
      .find((d) => d && existsSync(join(d, tool)));
    if (dir) symlinkSync(join(dir, tool), join(bin, tool));
  }
  return bin;
}

async function githubProject(): Promise<{ config: string; fake: FakeGitHub }> {
  repo = makeRepo({ origin: true });
  fake = await startFakeGitHub({ bare: repo.originDir!, scopes: "repo" });
  const config = join(repo.repoDir, "forge-loop.yaml");
  writeFileSync(
    config,
    `repo: octo/widgets\ntracker: github\nplatform: github\ngithub:\n  api_url: ${fake.url}\n  push_url: ${fake.gitUrl}\n`,
  );
  return { config, fake };
}

function doctor(args: string[], env: Record<string, string>) {
  return execa(process.execPath, [cli, "doctor", ...args], {
    cwd: repo!.repoDir,
    env: { PATH: toolsOnly(repo!.root), HOME: process.env.HOME ?? "/tmp", ...env },
    extendEnv: false,
    reject: false,
  });
}

describe("forge-loop doctor --config", () => {
  it("checks GitHub for a github config before the engine ever ran, and exits 0", async () => {
    const { config, fake: github } = await githubProject();
    const result = await doctor(["--config", config], { GITHUB_TOKEN: github.token });
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/- event log +none yet: the engine has not run with this config/);
    expect(result.stdout).toMatch(
      /✔ github auth +GitHub accepts the token from GITHUB_TOKEN \(forge-bot\); scopes: repo/,
    );
    expect(result.stdout).toMatch(/✔ github push +a dry-run push to .* was accepted/);
    expect(result.stdout).toMatch(/\nhealthy$/);
    expect(result.stdout).not.toContain(github.token);
  });

  it("exits 1 naming the three token sources when none has a token", async () => {
    const { config } = await githubProject();
    const result = await doctor(["--config", config, "--json"], {});
    expect(result.exitCode).toBe(1);
    const report = JSON.parse(result.stdout) as {
      healthy: boolean;
      checks: { name: string; status: string; summary: string }[];
    };
    expect(report.healthy).toBe(false);
    expect(report.checks.find((c) => c.name === "github token")).toMatchObject({
      status: "fail",
      summary: expect.stringMatching(
        /^no GitHub token: GITHUB_TOKEN is not set, GH_TOKEN is not set, `gh auth token` could not run/,
      ),
    });
  });

  it("checks a local config's event log and asks nothing of GitHub", async () => {
    repo = makeRepo();
    const config = join(repo.repoDir, "forge-loop.yaml");
    writeFileSync(config, "repo: .\n");
    mkdirSync(join(repo.repoDir, ".forge-loop"));
    openEventLog(join(repo.repoDir, ".forge-loop", "events.db"), { mode: "writer" }).close();
    const result = await doctor(["--config", config], {});
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/chain/);
    expect(result.stdout).not.toMatch(/github/);
  });

  it("refuses --config together with --db", async () => {
    repo = makeRepo();
    const result = await doctor(["--config", "forge-loop.yaml", "--db", "x.db"], {});
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/cannot be used with/);
  });
});
