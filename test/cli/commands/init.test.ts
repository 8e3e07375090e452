import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { afterEach, describe, expect, it } from "vitest";
import { register } from "../../../src/cli/commands/init.js";
import { loadConfig } from "../../../src/engine/config/load.js";
import { makeRepo, type TempRepo } from "../../support/temp-git.js";

let repo: TempRepo | undefined;
afterEach(() => repo?.cleanup());

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

describe("forge-loop init", () => {
  it("writes a commented config that loads, and refuses to overwrite it without --force", async () => {
    repo = makeRepo({ origin: true });
    const path = join(repo.repoDir, "forge-loop.yaml");
    expect(await init(["--config", path])).toBe(`wrote ${path}\n`);
    const text = readFileSync(path, "utf8");
    expect(text).toMatch(/^# forge-loop configuration/);
    const loaded = await loadConfig(path, {});
    expect(loaded.config).toMatchObject({
      repo: ".",
      tracker: "local",
      remote: "origin",
      scheduling: { parallel: 3 },
    });

    writeFileSync(path, "repo: .\n# my edits\n");
    await expect(init(["--config", path])).rejects.toThrow(/already exists/);
    expect(readFileSync(path, "utf8")).toBe("repo: .\n# my edits\n");
    await init(["--config", path, "--force", "--tracker", "github", "--repo", "acme/widgets"]);
    expect(readFileSync(path, "utf8")).toContain("tracker: github");
    expect(readFileSync(path, "utf8")).toContain("platform: github");
  });

  it("with --create-labels on the local tracker, says there is nothing to do", async () => {
    repo = makeRepo();
    const path = join(repo.repoDir, "forge-loop.yaml");
    const out = await init(["--config", path, "--create-labels"]);
    expect(out).toContain(`wrote ${path}`);
    expect(out).toContain("the local tracker needs no label setup");
    // Run again: the existing config is kept and labels are (not) set up again.
    expect(await init(["--config", path, "--create-labels"])).toContain(
      `kept the existing ${path}`,
    );
  });

  it("refuses an unknown tracker", async () => {
    repo = makeRepo();
    await expect(
      init(["--config", join(repo.repoDir, "forge-loop.yaml"), "--tracker", "jira"]),
    ).rejects.toThrow(/--tracker must be local or github/);
  });
});
