/**
 * `forge-loop init --create-labels` with tracker: github creates the loop's labels in the
 * repository (the fake GitHub), and a second run finds them there.
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { Command } from "commander";
import { afterEach, describe, expect, it } from "vitest";
import { register } from "../../../src/cli/commands/init.js";
import { type FakeGitHub, startFakeGitHub } from "../../support/fake-github/server.js";
import { makeRepo, type TempRepo } from "../../support/temp-git.js";

let repo: TempRepo | undefined;
let fake: FakeGitHub | undefined;
const saved = { ...process.env };
afterEach(async () => {
  process.env = { ...saved };
  await fake?.close();
  repo?.cleanup();
});

async function init(args: string[]): Promise<string> {
  let out = "";
  const program = new Command("forge-loop")
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  register(program, {
    out: (text) => {
      out += text;
    },
  });
  await program.parseAsync(["init", ...args], { from: "user" });
  return out;
}

/** A PATH with git on it and nothing else (so no `gh`, wherever this runs). */
function pathWithOnlyGit(root: string): string {
  const bin = join(root, "only-git");
  mkdirSync(bin);
  const dir = (saved.PATH ?? "").split(delimiter).find((d) => d && existsSync(join(d, "git")));
  if (!dir) throw new Error("git is not on PATH");
  symlinkSync(join(dir, "git"), join(bin, "git"));
  return bin;
}

const loopLabels = [
  "loop:ready",
  "loop:blocked",
  "loop:needs-human",
  "risk:high",
  "critic:blocking",
  "priority:p0",
  "priority:p1",
  "priority:p2",
  "priority:p3",
];

describe("forge-loop init --create-labels on GitHub", () => {
  it("creates the loop's labels that are missing, then finds them all", async () => {
    repo = makeRepo({ origin: true });
    fake = await startFakeGitHub({ bare: repo.originDir!, owner: "acme", name: "widgets" });
    fake.repo.createLabel("Loop:Ready", "00ff00", "made by a person");
    const path = join(repo.repoDir, "forge-loop.yaml");
    await init(["--config", path, "--tracker", "github", "--repo", "acme/widgets"]);
    writeFileSync(
      path,
      readFileSync(path, "utf8").replace("api_url: https://api.github.com", `api_url: ${fake.url}`),
    );
    process.env.GITHUB_TOKEN = fake.token;

    const out = await init(["--config", path, "--create-labels"]);
    expect(out).toBe(
      `kept the existing ${path}\ncreated labels: ${loopLabels.slice(1).join(", ")}\nlabels already there: loop:ready\n`,
    );
    expect(fake.repo.labels.map((l) => l.name).sort()).toEqual(
      ["Loop:Ready", ...loopLabels.slice(1)].sort(),
    );
    expect(await init(["--config", path, "--create-labels"])).toBe(
      `kept the existing ${path}\nlabels already there: ${loopLabels.join(", ")}\n`,
    );
  });

  it("stops with the token error when there is no token", async () => {
    repo = makeRepo({ origin: true });
    const path = join(repo.repoDir, "forge-loop.yaml");
    await init(["--config", path, "--tracker", "github", "--repo", "acme/widgets"]);
    process.env = { PATH: pathWithOnlyGit(repo.root), HOME: saved.HOME ?? "/tmp" };
    await expect(init(["--config", path, "--create-labels"])).rejects.toThrow(
      /no GitHub token: GITHUB_TOKEN is not set, GH_TOKEN is not set, `gh auth token` could not run/,
    );
  });
});
