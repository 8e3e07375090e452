/**
 * A GitHub forge wired to a fake GitHub over a real repository with a bare origin: what
 * the GitHub tests start from. Waits are real but capped at a few milliseconds, and every
 * wait the client announces is recorded.
 */
import {
  type GitHubForge,
  type GitHubForgeOptions,
  openGitHubForge,
} from "../../../src/engine/forge/github/github-forge.js";
import type { WaitPolicy } from "../../../src/engine/forge/github/waits.js";
import { makeRepo, type TempRepo } from "../temp-git.js";
import { type FakeGitHub, type FakeGitHubOptions, startFakeGitHub } from "./server.js";

export interface GitHubSetup {
  repo: TempRepo & { originDir: string };
  fake: FakeGitHub;
  forge: GitHubForge;
  waits: { message: string; ms: number }[];
  /** What `sleep` was asked for (the real sleep is capped). */
  slept: number[];
  cleanup(): Promise<void>;
}

export function fastWaits(slept: number[] = []): Partial<WaitPolicy> {
  return {
    sleep: (ms) => {
      slept.push(ms);
      return new Promise((resolve) => setTimeout(resolve, Math.min(ms, 5)));
    },
  };
}

export async function setUpGitHub(
  options: { fake?: Partial<FakeGitHubOptions>; forge?: Partial<GitHubForgeOptions> } = {},
): Promise<GitHubSetup> {
  const repo = makeRepo({ origin: true }) as TempRepo & { originDir: string };
  const fake = await startFakeGitHub({ bare: repo.originDir, ...options.fake });
  const waits: { message: string; ms: number }[] = [];
  const slept: number[] = [];
  const forge = openGitHubForge({
    token: { token: fake.token, source: "GITHUB_TOKEN" },
    apiUrl: fake.url,
    repo: { owner: fake.repo.owner, repo: fake.repo.name },
    push: { kind: "token", url: fake.gitUrl },
    base: "main",
    checksGraceMs: 0,
    onWait: (message, ms) => waits.push({ message, ms }),
    waits: fastWaits(slept),
    ...options.forge,
  });
  return {
    repo,
    fake,
    forge,
    waits,
    slept,
    async cleanup() {
      forge.close();
      await fake.close();
      repo.cleanup();
    },
  };
}
