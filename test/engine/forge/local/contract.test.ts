import { join } from "node:path";
import { openLocalForge } from "../../../../src/engine/forge/local/local-forge.js";
import {
  describeForgeContract,
  type ForgeFixtureFactory,
  makeGitBranch,
  readGitBase,
} from "../../../support/forge-contract.js";
import { ManualClock } from "../../../support/manual-clock.js";
import { makeRepo } from "../../../support/temp-git.js";

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
      makeBranch: makeGitBranch(repo.repoDir, repo.root),
      readBase: readGitBase(target),
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
