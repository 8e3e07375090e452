/**
 * Token resolution: GITHUB_TOKEN, then GH_TOKEN, then `gh auth token` (a fake `gh`
 * executable on PATH), and one error naming all three when none works.
 */
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolveGitHubToken } from "../../../../src/engine/forge/github/auth.js";
import { UserError } from "../../../../src/shared/errors.js";
import { tempDir } from "../../../support/temp-git.js";

let bin: string;
let root: string;
beforeEach(() => {
  root = tempDir("forge-gh-auth-");
  bin = join(root, "bin");
  mkdirSync(bin);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A `gh` that records its arguments and prints `stdout` (or fails with `stderr`). */
function fakeGh(script: { stdout?: string; stderr?: string; exit?: number }): void {
  const path = join(bin, "gh");
  writeFileSync(
    path,
    `#!/bin/sh\necho "$@" > "${join(root, "gh-args")}"\n${script.stdout !== undefined ? `printf '%s\\n' '${script.stdout}'\n` : ""}${script.stderr ? `echo '${script.stderr}' >&2\n` : ""}exit ${script.exit ?? 0}\n`,
  );
  chmodSync(path, 0o755);
}

const env = (extra: Record<string, string> = {}) => ({ PATH: bin, ...extra });

describe("resolveGitHubToken", () => {
  it("prefers GITHUB_TOKEN, then GH_TOKEN, and trims them", () => {
    fakeGh({ stdout: "gho_fromghfromghfromghfromgh0000" });
    expect(resolveGitHubToken(env({ GITHUB_TOKEN: " ghp_one ", GH_TOKEN: "ghp_two" }))).toEqual({
      token: "ghp_one",
      source: "GITHUB_TOKEN",
    });
    expect(resolveGitHubToken(env({ GITHUB_TOKEN: "", GH_TOKEN: "ghp_two" }))).toEqual({
      token: "ghp_two",
      source: "GH_TOKEN",
    });
  });

  it("falls back to `gh auth token`", () => {
    fakeGh({ stdout: "gho_fromghfromghfromghfromgh0000" });
    expect(resolveGitHubToken(env())).toEqual({
      token: "gho_fromghfromghfromghfromgh0000",
      source: "gh auth token",
    });
  });

  it("asks gh for the Enterprise host's token", () => {
    fakeGh({ stdout: "gho_enterpriseenterprise000000" });
    resolveGitHubToken(env(), "ghe.example.com");
    expect(readFileSync(join(root, "gh-args"), "utf8").trim()).toBe(
      "auth token --hostname ghe.example.com",
    );
  });

  it("names all three places when none has a token, and why gh gave none", () => {
    fakeGh({ stderr: "no oauth token found for github.com", exit: 1 });
    const err = (() => {
      try {
        resolveGitHubToken(env());
      } catch (e) {
        return e;
      }
    })() as UserError;
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toBe(
      "no GitHub token: GITHUB_TOKEN is not set, GH_TOKEN is not set, `gh auth token` failed (no oauth token found for github.com)",
    );
    expect(err.hint).toMatch(/GITHUB_TOKEN.*gh auth login/);
  });

  it("says so when gh is not installed", () => {
    expect(() => resolveGitHubToken(env())).toThrow(
      /GITHUB_TOKEN is not set, GH_TOKEN is not set, `gh auth token` could not run: gh is not installed/,
    );
  });

  it("refuses a variable that is not a token rather than send it as a header", () => {
    expect(() => resolveGitHubToken(env({ GITHUB_TOKEN: "ghp_abc\r\nX-Injected: 1" }))).toThrow(
      /GITHUB_TOKEN is set but does not look like a token/,
    );
    fakeGh({ stdout: "two words" });
    expect(() => resolveGitHubToken(env())).toThrow(/printed something that is not a token/);
  });

  it("does not repeat a token gh printed in its error output", () => {
    fakeGh({
      stdout: "gho_leakedleakedleakedleaked00",
      stderr: "warning: gho_leakedleakedleakedleaked00",
      exit: 1,
    });
    expect(() => resolveGitHubToken(env())).toThrow(/failed \(warning: \[REDACTED\]\)/);
  });
});
