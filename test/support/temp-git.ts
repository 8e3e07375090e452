/**
 * Real git repositories in temp directories for tests: a working repository on `main`
 * with one commit, optionally with a bare `origin` it pushes to. Setup runs git directly
 * (not the engine's runner) so tests check the engine against git itself.
 */
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execaSync } from "execa";

export const testGitEnv: Record<string, string> = {
  GIT_AUTHOR_NAME: "Test Author",
  GIT_AUTHOR_EMAIL: "author@example.com",
  GIT_COMMITTER_NAME: "Test Author",
  GIT_COMMITTER_EMAIL: "author@example.com",
  GIT_CONFIG_NOSYSTEM: "1",
  // Hermetic: a developer's global config (signing, hooks, init.defaultBranch) stays out.
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_TERMINAL_PROMPT: "0",
};

/** Runs git for a test; throws with stderr on failure. */
export function gitSync(cwd: string, args: string[], env: Record<string, string> = {}): string {
  const result = execaSync("git", args, {
    cwd,
    env: { ...testGitEnv, ...env },
    reject: false,
    stdin: "ignore",
  });
  if (result.exitCode !== 0) {
    throw new Error(`git ${args.join(" ")} failed in ${cwd}: ${String(result.stderr)}`);
  }
  return String(result.stdout).trim();
}

export function tempDir(prefix = "forge-loop-test-"): string {
  return realpathSync(mkdtempSync(join(tmpdir(), prefix)));
}

export interface TempRepo {
  root: string;
  /** The operator's checkout, on main. */
  repoDir: string;
  /** The bare remote (`origin`), when made with one. */
  originDir?: string;
  /** Where attempt worktrees go. */
  worktreeRoot: string;
  cleanup(): void;
}

export function makeRepo({ origin = false }: { origin?: boolean } = {}): TempRepo {
  const root = tempDir();
  const repoDir = join(root, "project");
  mkdirSync(repoDir);
  gitSync(repoDir, ["init", "--quiet", "-b", "main"]);
  writeFile(repoDir, "README.md", "# project\n");
  commitAll(repoDir, "initial commit");
  let originDir: string | undefined;
  if (origin) {
    originDir = join(root, "origin.git");
    gitSync(root, ["init", "--quiet", "--bare", "-b", "main", originDir]);
    gitSync(repoDir, ["remote", "add", "origin", originDir]);
    gitSync(repoDir, ["push", "--quiet", "origin", "main"]);
  }
  return {
    root,
    repoDir,
    ...(originDir ? { originDir } : {}),
    worktreeRoot: join(root, "worktrees"),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

export function writeFile(dir: string, path: string, content: string): void {
  const full = join(dir, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, content);
}

export function readFile(dir: string, path: string): string {
  return readFileSync(join(dir, path), "utf8");
}

export function commitAll(dir: string, message: string): string {
  gitSync(dir, ["add", "--all"]);
  gitSync(dir, ["commit", "--quiet", "--no-verify", "-m", message]);
  return gitSync(dir, ["rev-parse", "HEAD"]);
}

/** A second clone of the remote, to move its base as another developer would. */
export function pushFromClone(
  originDir: string,
  root: string,
  files: Record<string, string>,
  message: string,
): string {
  const clone = mkdtempSync(join(root, "clone-"));
  gitSync(root, ["clone", "--quiet", originDir, clone]);
  for (const [path, content] of Object.entries(files)) writeFile(clone, path, content);
  const sha = commitAll(clone, message);
  gitSync(clone, ["push", "--quiet", "origin", "HEAD:main"]);
  rmSync(clone, { recursive: true, force: true });
  return sha;
}
