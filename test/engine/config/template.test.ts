import { describe, expect, it } from "vitest";
import { leafPaths } from "../../../src/engine/config/keys.js";
import { parseConfigText } from "../../../src/engine/config/load.js";
import { renderConfigTemplate, settingDocs } from "../../../src/engine/config/template.js";

describe("the init template", () => {
  it("loads to exactly the defaults", () => {
    const text = renderConfigTemplate({ repo: ".", tracker: "local", platform: "local" });
    expect(parseConfigText(text, { env: {} })).toEqual(parseConfigText("repo: .", { env: {} }));
  });

  it("keeps the tracker, platform and an awkward repo value", () => {
    const repo = './my repo: "quoted" #not-a-comment';
    const text = renderConfigTemplate({ repo, tracker: "github", platform: "local" });
    expect(parseConfigText(text, { env: {} })).toMatchObject({
      repo,
      tracker: "github",
      platform: "local",
    });
  });

  it("documents every setting, and shows the optional ones commented out", () => {
    const text = renderConfigTemplate({ repo: ".", tracker: "local", platform: "local" });
    for (const path of leafPaths())
      expect(settingDocs[path.join(".")], path.join(".")).toBeTruthy();
    for (const line of [
      "# remote: origin",
      "  # lease_s: 1200",
      "  # model: claude-sonnet-4-5",
      "  # worktree_root: ../.forge-loop-worktrees",
    ]) {
      expect(text).toContain(line);
    }
    // Every commented-out setting loads when uncommented.
    const uncommented = text.replace(
      /^(\s*)# (remote|lease_s|command|model|worktree_root): /gm,
      "$1$2: ",
    );
    expect(parseConfigText(uncommented, { env: {} })).toMatchObject({
      remote: "origin",
      scheduling: { lease_s: 1200 },
      worker: { command: ["claude"], model: "claude-sonnet-4-5" },
      paths: { worktree_root: "../.forge-loop-worktrees" },
    });
  });
});
