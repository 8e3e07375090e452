/**
 * Which forge a config opens, and the configs that cannot work refused up front with
 * the key to fix (before any token lookup or request).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/engine/config/load.js";
import { githubTarget } from "../../../src/engine/forge/github/settings.js";
import { openForge } from "../../../src/engine/forge/open.js";
import { UserError } from "../../../src/shared/errors.js";
import { makeRepo, type TempRepo } from "../../support/temp-git.js";

let repo: TempRepo | undefined;
afterEach(() => repo?.cleanup());

async function load(yaml: string, origin = true) {
  repo = makeRepo({ origin });
  const path = join(repo.repoDir, "forge-loop.yaml");
  writeFileSync(path, yaml);
  return loadConfig(path, {});
}

const token = { PATH: "/nonexistent", GITHUB_TOKEN: "ghp_testtesttesttesttesttesttest0000" };

describe("openForge", () => {
  it("opens the local forge by default", async () => {
    const forge = openForge(await load("repo: .\n"));
    expect([forge.tracker.kind, forge.platform.kind]).toEqual(["local", "local"]);
    forge.close();
  });

  it("opens GitHub for both, with the token from the environment", async () => {
    const forge = openForge(await load("repo: acme/widgets\ntracker: github\nplatform: github\n"), {
      env: token,
    });
    expect([forge.tracker.kind, forge.platform.kind]).toEqual(["github", "github"]);
    forge.close();
  });

  it("opens GitHub issues with local pull requests", async () => {
    const forge = openForge(await load("repo: acme/widgets\ntracker: github\nplatform: local\n"), {
      env: token,
    });
    expect([forge.tracker.kind, forge.platform.kind]).toEqual(["github", "local"]);
    forge.close();
  });

  it("refuses local issues with GitHub pull requests: Closes #N would name the wrong issue", async () => {
    const loaded = await load("repo: acme/widgets\ntracker: local\nplatform: github\n");
    expect(() => openForge(loaded, { env: token })).toThrow(
      /tracker: local with platform: github is not supported/,
    );
  });

  it("needs repo: owner/name for GitHub", async () => {
    const loaded = await load("repo: .\ntracker: github\nplatform: github\n");
    const err = (() => {
      try {
        openForge(loaded, { env: token });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toBe(
      'tracker: github needs repo: owner/name (got repo: ".")',
    );
    expect((err as UserError).hint).toMatch(/repo: acme\/widgets/);
  });

  it("needs a git remote for platform: github, and for push: remote", async () => {
    const noRemote = await load(
      "repo: acme/widgets\ntracker: github\nplatform: github\nremote: false\n",
    );
    expect(() => openForge(noRemote, { env: token })).toThrow(
      /platform: github needs a git remote to fetch the base branch from/,
    );
    repo?.cleanup();
    const pushRemote = await load(
      "repo: acme/widgets\ntracker: github\nplatform: local\nremote: false\ngithub: { push: remote }\n",
    );
    expect(() => openForge(pushRemote, { env: token })).toThrow(
      /github.push: remote needs a git remote to push to/,
    );
  });

  it("stops on a missing token before any request", async () => {
    const loaded = await load("repo: acme/widgets\ntracker: github\nplatform: github\n");
    expect(() => openForge(loaded, { env: { PATH: "/nonexistent" } })).toThrow(
      /^no GitHub token: GITHUB_TOKEN is not set/,
    );
  });
});

describe("githubTarget", () => {
  it("pushes to github.com for the public API, and to the Enterprise host for GHES", async () => {
    const dotcom = await load("repo: acme/widgets\ntracker: github\nplatform: github\n");
    expect(githubTarget(dotcom)).toMatchObject({
      apiUrl: "https://api.github.com",
      host: "github.com",
      repo: { owner: "acme", repo: "widgets" },
      push: { kind: "token", url: "https://github.com/acme/widgets.git" },
      checksGraceMs: 60_000,
    });
    repo?.cleanup();
    const ghes = await load(
      "repo: acme/widgets\ntracker: github\nplatform: github\ngithub: { api_url: 'https://ghe.example.com:8443/api/v3', checks_grace_s: 5 }\n",
    );
    expect(githubTarget(ghes)).toMatchObject({
      host: "ghe.example.com:8443",
      push: { kind: "token", url: "https://ghe.example.com:8443/acme/widgets.git" },
      checksGraceMs: 5000,
    });
    repo?.cleanup();
    const viaRemote = await load(
      "repo: acme/widgets\ntracker: github\nplatform: github\ngithub: { push: remote }\n",
    );
    expect(githubTarget(viaRemote).push).toEqual({ kind: "remote", remote: "origin" });
  });
});
