import { join } from "node:path";
import { openLocalForge } from "../../../../src/engine/forge/local/local-forge.js";
import {
  describeForgeContract,
  type ForgeFixtureFactory,
} from "../../../support/forge-contract.js";
import { ManualClock } from "../../../support/manual-clock.js";
import { commitAll, gitSync, makeRepo, writeFile } from "../../../support/temp-git.js";

/** Checks that prove they run in a checkout of the PR head (README.md is in every head). */
export const passingChecks = [[process.execPath, "-e", "require('fs').accessSync('README.md')"]];
export const failingChecks = [
  [
    process.execPath,
    "-e",
    "require('fs').accessSync('README.md'); console.error('2 tests failed'); process.exit(1)",
  ],
];

function localFixture(withRemote: boolean): ForgeFixtureFactory {
  return async ({ checks }) => {
    const repo = makeRepo({ origin: withRemote });
    const forge = openLocalForge(join(repo.repoDir, ".forge-loop", "local-forge.db"), {
      repoDir: repo.repoDir,
      remote: withRemote ? "origin" : false,
      base: "main",
      checks: checks === "passing" ? passingChecks : failingChecks,
      checkTimeoutMs: 60_000,
      clock: new ManualClock(),
    });
    // The merge target: the bare remote, or the repository itself.
    const target = withRemote ? repo.originDir! : repo.repoDir;
    return {
      tracker: forge.tracker,
      platform: forge.platform,
      base: "main",
      createIssue: (input) => forge.tracker.create(input),
      async makeBranch(branch, commits) {
        const worktree = join(repo.root, `wt-${branch.replace(/\//g, "-")}`);
        gitSync(repo.repoDir, ["worktree", "add", "--quiet", "-b", branch, worktree, "main"]);
        commits.forEach((files, i) => {
          for (const [path, content] of Object.entries(files)) writeFile(worktree, path, content);
          commitAll(worktree, `commit ${i + 1}`);
        });
        return { worktree };
      },
      async readBase() {
        const sha = gitSync(target, ["rev-parse", "refs/heads/main"]);
        const parents =
          gitSync(target, ["rev-list", "--parents", "-n", "1", sha]).split(" ").length - 1;
        const subjects = gitSync(target, ["log", "--first-parent", "--format=%s", sha]).split("\n");
        const files: Record<string, string> = {};
        for (const path of gitSync(target, ["ls-tree", "-r", "--name-only", sha]).split("\n")) {
          files[path] = `${gitSync(target, ["show", `${sha}:${path}`])}\n`;
        }
        return { sha, parents, subjects, files };
      },
      async pullRequestComments(pr) {
        return forge.platform.comments(pr);
      },
      async cleanup() {
        forge.close();
        repo.cleanup();
      },
    };
  };
}

describeForgeContract("local forge, merging into a bare origin", localFixture(true));
describeForgeContract("local forge, merging into the repository itself", localFixture(false));
