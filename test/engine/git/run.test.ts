import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ENGINE_IDENTITY, GitError, git, gitEnv, gitResult } from "../../../src/engine/git/run.js";
import {
  commitAll,
  gitSync,
  makeRepo,
  type TempRepo,
  tempDir,
  writeFile,
} from "../../support/temp-git.js";

let repo: TempRepo | undefined;
afterEach(() => repo?.cleanup());

describe("git runner", () => {
  it("throws GitError naming the command and carrying git's stderr", async () => {
    repo = makeRepo();
    const err = await git(repo.repoDir, ["rev-parse", "--verify", "no-such-ref"]).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).message).toMatch(
      /git rev-parse --verify no-such-ref failed \(exit 128\): fatal: /,
    );
    expect((err as GitError).exitCode).toBe(128);
  });

  it("passes arguments verbatim, never through a shell", async () => {
    repo = makeRepo();
    const hostile = "$(touch pwned) `touch pwned2`; rm -rf /\n\n'quoted' \"double\" $HOME";
    writeFile(repo.repoDir, "f.txt", "x\n");
    gitSync(repo.repoDir, ["add", "f.txt"]);
    await git(repo.repoDir, ["commit", "--quiet", "-m", hostile]);
    expect((await git(repo.repoDir, ["log", "-1", "--format=%B"])).trim()).toBe(hostile);
    expect(existsSync(join(repo.repoDir, "pwned"))).toBe(false);
    expect(gitSync(repo.repoDir, ["status", "--porcelain"])).toBe("");
  });

  it("commits as the engine whatever identity the environment has", async () => {
    repo = makeRepo();
    writeFile(repo.repoDir, "g.txt", "y\n");
    gitSync(repo.repoDir, ["add", "g.txt"]);
    await git(repo.repoDir, ["commit", "--quiet", "-m", "engine commit"]);
    expect(gitSync(repo.repoDir, ["log", "-1", "--format=%an <%ae> / %cn"])).toBe(
      `${ENGINE_IDENTITY.name} <${ENGINE_IDENTITY.email}> / ${ENGINE_IDENTITY.name}`,
    );
  });

  it("ignores inherited variables that would point git at another repository", async () => {
    repo = makeRepo();
    const other = makeRepo();
    try {
      writeFile(other.repoDir, "other.txt", "o\n");
      const otherHead = commitAll(other.repoDir, "other");
      const env = gitEnv({
        PATH: process.env.PATH,
        GIT_DIR: `${other.repoDir}/.git`,
        GIT_WORK_TREE: other.repoDir,
        GIT_SSH_COMMAND: "ssh -v",
      });
      expect(env.GIT_DIR).toBeUndefined();
      expect(env.GIT_WORK_TREE).toBeUndefined();
      expect(env.GIT_SSH_COMMAND).toBe("ssh -v");
      expect(env.GIT_TERMINAL_PROMPT).toBe("0");
      const saved = process.env.GIT_DIR;
      process.env.GIT_DIR = `${other.repoDir}/.git`;
      try {
        expect(await git(repo.repoDir, ["rev-parse", "HEAD"])).not.toBe(otherHead);
      } finally {
        if (saved === undefined) delete process.env.GIT_DIR;
        else process.env.GIT_DIR = saved;
      }
    } finally {
      other.cleanup();
    }
  });

  it("reports a non-repository plainly, and a missing directory as an error", async () => {
    const dir = tempDir();
    const result = await gitResult(dir, ["status"]);
    expect(result.exitCode).toBe(128);
    expect(result.stderr).toMatch(/not a git repository/);
    await expect(git(`${dir}/missing`, ["status"])).rejects.toBeInstanceOf(GitError);
  });

  it("ends a hung command at its timeout", async () => {
    repo = makeRepo();
    // A fetch from a "remote" whose transport never answers.
    const started = Date.now();
    const err = await git(
      repo.repoDir,
      ["-c", "core.sshCommand=sleep 20 #", "fetch", "ssh://example.invalid/x"],
      {
        timeoutMs: 500,
      },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).message).toMatch(/timed out/);
    // Liveness only: it did not wait for the transport's 20 s.
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
