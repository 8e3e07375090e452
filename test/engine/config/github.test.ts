/**
 * The `github:` section of forge-loop.yaml: defaults, environment overrides, and URLs that
 * would put a credential in the file refused with the key named.
 */
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../../src/engine/config/load.js";

const parse = (text: string, env: NodeJS.ProcessEnv = {}) => parseConfigText(text, { env });

function errorOf(text: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    parse(text, env);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

describe("config: github", () => {
  it("defaults to api.github.com, a token push and a minute's grace for missing checks", () => {
    expect(parse("repo: acme/widgets\n").github).toEqual({
      api_url: "https://api.github.com",
      push: "token",
      checks_grace_s: 60,
    });
  });

  it("takes an Enterprise API, a push URL and overrides from the environment", () => {
    const config = parse(
      "repo: acme/widgets\ngithub:\n  api_url: https://ghe.example.com/api/v3\n  push_url: https://ghe.example.com/acme/widgets.git\n",
      { FORGE_LOOP_GITHUB_PUSH: "remote", FORGE_LOOP_GITHUB_CHECKS_GRACE_S: "5" },
    );
    expect(config.github).toEqual({
      api_url: "https://ghe.example.com/api/v3",
      push_url: "https://ghe.example.com/acme/widgets.git",
      push: "remote",
      checks_grace_s: 5,
    });
    expect(
      parse("repo: x/y\n", { FORGE_LOOP_GITHUB_API_URL: "http://127.0.0.1:8080" }).github.api_url,
    ).toBe("http://127.0.0.1:8080");
  });

  it("refuses a URL with credentials in it, or one that is not http(s)", () => {
    const rule =
      "must be an http(s) URL without credentials (the token comes from the environment)";
    expect(
      errorOf(
        "repo: x/y\ngithub: { push_url: 'https://x-access-token:ghp_secret@github.com/x/y.git' }\n",
      ),
    ).toContain(`forge-loop.yaml: github.push_url: ${rule}`);
    for (const bad of [
      "ftp://github.com",
      "github.com",
      "https://api.github.com/ with space",
      "",
    ]) {
      expect(errorOf(`repo: x/y\ngithub: { api_url: '${bad}' }\n`), bad).toContain(
        `github.api_url: ${rule}`,
      );
    }
    expect(errorOf("repo: x/y\ngithub: { push: ssh }\n")).toContain(
      "github.push: must be one of token, remote",
    );
    expect(errorOf("repo: x/y\ngithub: { api: x }\n")).toMatch(/github.*api/);
  });
});
