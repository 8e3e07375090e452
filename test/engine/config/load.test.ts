import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/engine/config/load.js";
import { UserError } from "../../../src/shared/errors.js";
import { gitSync, makeRepo, type TempRepo, tempDir } from "../../support/temp-git.js";

let repo: TempRepo | undefined;
afterEach(() => repo?.cleanup());

function writeConfig(dir: string, text: string): string {
  const path = join(dir, "forge-loop.yaml");
  writeFileSync(path, text);
  return path;
}

describe("loadConfig", () => {
  it("resolves paths against the checkout and picks origin when it exists", async () => {
    repo = makeRepo({ origin: true });
    const loaded = await loadConfig(writeConfig(repo.repoDir, "repo: .\n"), {});
    expect(loaded.repoDir).toBe(repo.repoDir);
    expect(loaded.repoSlug).toBeUndefined();
    expect(loaded.config.remote).toBe("origin");
    expect(loaded.config.paths).toEqual({
      state_dir: join(repo.repoDir, ".forge-loop"),
      worktree_root: join(repo.root, ".forge-loop-worktrees"),
    });
    expect(loaded.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it("merges into the repository itself when there is no remote, or when told to", async () => {
    repo = makeRepo();
    expect((await loadConfig(writeConfig(repo.repoDir, "repo: .\n"), {})).config.remote).toBe(
      false,
    );
    const withOrigin = makeRepo({ origin: true });
    try {
      const path = writeConfig(withOrigin.repoDir, "repo: .\nremote: false\n");
      expect((await loadConfig(path, {})).config.remote).toBe(false);
    } finally {
      withOrigin.cleanup();
    }
  });

  it("names a configured remote that does not exist", async () => {
    repo = makeRepo({ origin: true });
    const err = await loadConfig(
      writeConfig(repo.repoDir, "repo: .\nremote: upstream\n"),
      {},
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toBe(
      `forge-loop.yaml: remote: ${repo.repoDir} has no git remote named "upstream" (remotes: origin)`,
    );
  });

  it("finds the checkout from a subdirectory path and takes owner/name as a GitHub slug", async () => {
    repo = makeRepo();
    mkdirSync(join(repo.repoDir, "config"));
    const nested = await loadConfig(
      writeConfig(join(repo.repoDir, "config"), "repo: ..\nworker: { adapter: codex }\n"),
      {},
    );
    expect(nested.repoDir).toBe(repo.repoDir);
    const slug = await loadConfig(
      writeConfig(repo.repoDir, "repo: acme/widgets\ntracker: github\n"),
      {},
    );
    expect(slug.repoSlug).toBe("acme/widgets");
    expect(slug.repoDir).toBe(repo.repoDir);
  });

  it("refuses a repo that is not a directory or not a git repository", async () => {
    const dir = tempDir();
    await expect(loadConfig(writeConfig(dir, "repo: ./nope\n"), {})).rejects.toThrow(
      /repo: .*nope is not a directory/,
    );
    await expect(loadConfig(writeConfig(dir, "repo: .\n"), {})).rejects.toThrow(
      /is not inside a git repository/,
    );
  });

  it("says how to create a missing config", async () => {
    const err = await loadConfig(join(tempDir(), "forge-loop.yaml"), {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).hint).toMatch(/forge-loop init/);
  });

  it("digests the resolved config: equal configs agree, any change differs", async () => {
    repo = makeRepo();
    const path = writeConfig(repo.repoDir, "repo: .\n");
    const a = await loadConfig(path, {});
    const b = await loadConfig(
      writeConfig(repo.repoDir, "# same, reordered\nscheduling: { parallel: 3 }\nrepo: .\n"),
      {},
    );
    expect(b.digest).toBe(a.digest);
    const c = await loadConfig(path, { FORGE_LOOP_SCHEDULING_PARALLEL: "4" });
    expect(c.digest).not.toBe(a.digest);
    gitSync(repo.repoDir, ["remote", "add", "origin", repo.root]);
    expect((await loadConfig(path, {})).digest).not.toBe(a.digest);
  });
});
