/**
 * The Tracker + Platform contract (the same suite the local forge passes) against the
 * GitHub implementation: the real Octokit client over HTTP to a fake GitHub, branches
 * pushed with the token over git's smart HTTP into a real bare repository, merges made
 * there by the fake.
 */

import { setUpGitHub } from "../../../support/fake-github/fixture.js";
import {
  describeForgeContract,
  type ForgeFixtureFactory,
  makeGitBranch,
  readGitBase,
} from "../../../support/forge-contract.js";

const githubFixture: ForgeFixtureFactory = async ({ checks }) => {
  const setup = await setUpGitHub();
  // CI reports one run per head, still running the first time it is looked at.
  setup.fake.repo.checkPolicy = {
    conclusion: checks === "passing" ? "success" : "failure",
    pendingPolls: 1,
    name: "ci / test",
  };
  const { tracker, platform } = setup.forge;
  return {
    tracker,
    platform,
    base: "main",
    async createIssue(input) {
      const created = setup.fake.repo.createIssue(input);
      return (await tracker.getIssue(created.number)).issue;
    },
    makeBranch: makeGitBranch(setup.repo.repoDir, setup.repo.root),
    readBase: readGitBase(setup.repo.originDir),
    async pullRequestComments(pr) {
      return setup.fake.repo.pullRequestComments(pr);
    },
    cleanup: () => setup.cleanup(),
  };
};

describeForgeContract("GitHub (fake server, token push over http)", githubFixture);
