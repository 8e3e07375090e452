/**
 * The doctor's GitHub checks against the fake GitHub: a healthy setup, each way a token
 * can fall short (missing, rejected, classic without repo, no write access, a probe
 * refused, a push refused), and a config that cannot name a repository.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runChecks } from "../../../src/cli/doctor/doctor.js";
import { GitHubProbe, githubChecks } from "../../../src/cli/doctor/github-checks.js";
import { loadConfig } from "../../../src/engine/config/load.js";
import { type FakeGitHub, faults, startFakeGitHub } from "../../support/fake-github/server.js";
import { makeRepo, type TempRepo } from "../../support/temp-git.js";

let repo: TempRepo | undefined;
let fake: FakeGitHub | undefined;
afterEach(async () => {
  await fake?.close();
  repo?.cleanup();
  fake = undefined;
  repo = undefined;
});

async function doctor(
  options: {
    scopes?: string;
    env?: NodeJS.ProcessEnv;
    yaml?: (fake: FakeGitHub) => string;
    before?: (fake: FakeGitHub) => void;
  } = {},
) {
  repo = makeRepo({ origin: true });
  fake = await startFakeGitHub({
    bare: repo.originDir!,
    ...(options.scopes !== undefined ? { scopes: options.scopes } : {}),
  });
  options.before?.(fake);
  const path = join(repo.repoDir, "forge-loop.yaml");
  const yaml =
    options.yaml?.(fake) ??
    `repo: octo/widgets\ntracker: github\nplatform: github\ngithub:\n  api_url: ${fake.url}\n  push_url: ${fake.gitUrl}\n`;
  writeFileSync(path, yaml);
  const loaded = await loadConfig(path, {});
  const env = options.env ?? { PATH: "/nonexistent", GITHUB_TOKEN: fake.token };
  const results = await runChecks(
    new GitHubProbe(loaded, env, { serverRetries: 0, rateLimitRetries: 0 }),
    githubChecks,
  );
  return Object.fromEntries(results.map((r) => [r.name, r]));
}

describe("doctor: GitHub", () => {
  it("passes a classic token with the repo scope, write access and an accepted dry-run push", async () => {
    const checks = await doctor({ scopes: "repo, workflow" });
    expect(Object.values(checks).map((c) => [c.name, c.status])).toEqual([
      ["github config", "ok"],
      ["github token", "ok"],
      ["github auth", "ok"],
      ["github repository", "ok"],
      ["github issues", "ok"],
      ["github pull requests", "ok"],
      ["github push", "ok"],
    ]);
    expect(checks["github token"]?.summary).toBe("found in GITHUB_TOKEN");
    expect(checks["github auth"]?.summary).toBe(
      "GitHub accepts the token from GITHUB_TOKEN (forge-bot); scopes: repo, workflow",
    );
    expect(checks["github repository"]?.summary).toBe(
      "octo/widgets: write access (push, triage, pull), issues on",
    );
    expect(checks["github push"]?.summary).toMatch(
      /^a dry-run push to http:\/\/127\.0\.0\.1:\d+\/git\/octo\/widgets\.git was accepted$/,
    );
    // The dry run asked receive-pack, with the token, and pushed nothing.
    expect(fake!.gitRequests).toEqual([{ service: "git-receive-pack", authorized: true }]);
  });

  it("reads a fine-grained token's access from the repository, having no scopes to read", async () => {
    const checks = await doctor();
    expect(checks["github auth"]).toMatchObject({
      status: "ok",
      details: [expect.stringMatching(/fine-grained/)],
    });
    expect(checks["github repository"]?.status).toBe("ok");
  });

  it("fails a classic token without the repo scope", async () => {
    const checks = await doctor({ scopes: "read:org, gist" });
    expect(checks["github auth"]).toMatchObject({
      status: "fail",
      summary: expect.stringMatching(/its scopes \(read:org, gist\) lack repo$/),
    });
  });

  it("names all three token sources when there is none, and skips what needs one", async () => {
    const checks = await doctor({ env: { PATH: "/nonexistent" } });
    expect(checks["github token"]).toMatchObject({
      status: "fail",
      summary: expect.stringMatching(
        /GITHUB_TOKEN is not set, GH_TOKEN is not set, `gh auth token` could not run/,
      ),
    });
    for (const name of ["github auth", "github repository", "github issues", "github push"]) {
      expect(checks[name]?.status, name).toBe("skip");
    }
  });

  it("fails a rejected token with the hint, without showing it", async () => {
    const checks = await doctor({
      env: { PATH: "/nonexistent", GH_TOKEN: "ghp_revokedrevokedrevokedrevoked00" },
    });
    expect(checks["github auth"]).toMatchObject({
      status: "fail",
      summary: expect.stringMatching(/401 Bad credentials/),
    });
    expect(checks["github auth"]?.details?.[0]).toMatch(/rejected the token from GH_TOKEN/);
    expect(JSON.stringify(checks)).not.toContain("ghp_revokedrevokedrevokedrevoked00");
    expect(checks["github repository"]?.status).toBe("skip");
  });

  it("fails read-only access, and a probe GitHub refuses", async () => {
    const checks = await doctor({
      before: (f) => {
        f.permissions = { admin: false, maintain: false, push: false, triage: false, pull: true };
        f.inject({ method: "GET", path: /\/pulls$/ }, faults.forbidden());
      },
    });
    expect(checks["github repository"]).toMatchObject({
      status: "fail",
      summary: "the token cannot write to octo/widgets (permissions: pull)",
    });
    expect(checks["github issues"]?.status).toBe("ok");
    expect(checks["github pull requests"]).toMatchObject({
      status: "fail",
      details: expect.arrayContaining([expect.stringMatching(/Pull requests: read and write/)]),
    });
  });

  it("warns when base_branch is not the default branch, and fails a refused push", async () => {
    const checks = await doctor({
      yaml: (f) =>
        `repo: octo/widgets\ntracker: github\nplatform: github\nbase_branch: trunk\ngithub:\n  api_url: ${f.url}\n  push_url: ${f.url}/git/octo/elsewhere.git\n`,
    });
    expect(checks["github repository"]).toMatchObject({
      status: "warn",
      summary: "octo/widgets: base_branch trunk is not the default branch main",
    });
    expect(checks["github push"]).toMatchObject({
      status: "fail",
      summary: expect.stringMatching(/elsewhere\.git was refused$/),
    });
  });

  it("fails a config that names no GitHub repository, and skips the rest", async () => {
    const checks = await doctor({
      yaml: (f) => `repo: .\ntracker: github\nplatform: github\ngithub:\n  api_url: ${f.url}\n`,
    });
    expect(checks["github config"]).toMatchObject({
      status: "fail",
      summary: 'tracker: github needs repo: owner/name (got repo: ".")',
    });
    expect(checks["github token"]?.status).toBe("skip");
    expect(fake!.requests).toEqual([]);
  });
});
