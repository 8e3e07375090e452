import { describe, expect, it } from "vitest";
import { workerEnv } from "../../../src/engine/workers/worker-env.js";

const engineEnv = {
  PATH: "/usr/bin:/bin",
  HOME: "/home/op",
  LANG: "en_US.UTF-8",
  TERM: "xterm-256color",
  GITHUB_TOKEN: "ghp_secretsecretsecretsecret1234",
  ANTHROPIC_API_KEY: "sk-ant-secret",
  NODE_OPTIONS: "--inspect",
  ALLOWED: "yes",
};

describe("workerEnv", () => {
  it("passes a minimal base and nothing else by default", () => {
    expect(workerEnv({ envAllow: [] }, engineEnv)).toEqual({
      PATH: "/usr/bin:/bin",
      HOME: "/home/op",
      LANG: "en_US.UTF-8",
      TERM: "dumb",
    });
  });

  it("passes allowed names through, and only those", () => {
    const env = workerEnv({ envAllow: ["ANTHROPIC_API_KEY", "ALLOWED", "NOT_SET"] }, engineEnv);
    expect(env.ANTHROPIC_API_KEY).toBe("sk-ant-secret");
    expect(env.ALLOWED).toBe("yes");
    expect("NOT_SET" in env).toBe(false);
    expect("GITHUB_TOKEN" in env).toBe(false);
    expect("NODE_OPTIONS" in env).toBe(false);
  });

  it("layers the worker's own variables, then the adapter's, over the rest", () => {
    const env = workerEnv(
      {
        envAllow: ["ALLOWED"],
        env: { ALLOWED: "overridden", EXTRA: "1", FORGE_LOOP_BRIEF_FILE: "spoofed" },
      },
      engineEnv,
      { FORGE_LOOP_BRIEF_FILE: "/logs/brief.md" },
    );
    expect(env).toMatchObject({
      ALLOWED: "overridden",
      EXTRA: "1",
      FORGE_LOOP_BRIEF_FILE: "/logs/brief.md",
    });
  });

  it("fills in a usable base when the engine's environment lacks one", () => {
    const env = workerEnv({ envAllow: [] }, {});
    expect(env.PATH).toContain("/usr/bin");
    expect(env.HOME).toBeTruthy();
    expect(env.LANG).toBe("C.UTF-8");
  });
});
