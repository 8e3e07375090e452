import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import {
  type CommandIo,
  parseIssueNumber,
  printable,
  register,
} from "../../../src/cli/commands/issue.js";
import { UserError } from "../../../src/shared/errors.js";
import { tempDir } from "../../support/temp-git.js";

/** Runs `forge-loop issue …` through commander, as the binary does, capturing stdout. */
async function run(dir: string, args: string[], stdin = ""): Promise<string> {
  let out = "";
  const io: CommandIo = {
    out: (text) => {
      out += text;
    },
    readStdin: () => Buffer.from(stdin),
  };
  const program = new Command("forge-loop")
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  register(program, io);
  const [sub, ...rest] = args;
  await program.parseAsync(["issue", sub as string, ...rest, "--dir", dir], { from: "user" });
  return out;
}

describe("forge-loop issue", () => {
  it("adds, lists, shows, labels and closes issues", async () => {
    const dir = join(tempDir(), "state");
    expect(
      await run(dir, [
        "add",
        "Fix the parser",
        "--body",
        "It drops tokens.",
        "--label",
        "loop:ready",
        "--priority",
        "p1",
      ]),
    ).toBe("added #1 Fix the parser\n");
    await run(dir, ["add", "Second"]);
    const list = await run(dir, ["list"]);
    expect(list).toBe(
      "#1  open    Fix the parser  [loop:ready, priority:p1]\n#2  open    Second\n",
    );
    expect(await run(dir, ["list", "--label", "loop:ready", "--json"])).toMatch(/^\[\{"number":1,/);

    expect(await run(dir, ["label", "1", "+loop:blocked", "-loop:ready", "risk:high"])).toBe(
      "#1 labels: loop:blocked, priority:p1, risk:high\n",
    );
    expect(await run(dir, ["close", "#2", "--comment", "duplicate of #1"])).toBe("closed #2\n");
    expect(await run(dir, ["list"])).toBe(
      "#1  open    Fix the parser  [loop:blocked, priority:p1, risk:high]\n",
    );
    expect(await run(dir, ["list", "--state", "closed"])).toBe("#2  closed  Second\n");

    const shown = await run(dir, ["show", "2"]);
    expect(shown).toContain("#2 Second\nstate: closed   labels: (none)");
    expect(shown).toContain("comments (1):");
    expect(shown).toContain("duplicate of #1");
    const json = JSON.parse(await run(dir, ["show", "1", "--json"])) as { issue: { body: string } };
    expect(json.issue.body).toBe("It drops tokens.");
  });

  it("reads the body from a file or standard input, refusing invalid UTF-8", async () => {
    const root = tempDir();
    const dir = join(root, "state");
    const file = join(root, "body.md");
    writeFileSync(file, "## Steps\n\n1. run `$(whoami)`\n");
    await run(dir, ["add", "From file", "--body-file", file]);
    await run(dir, ["add", "From stdin", "--body-file", "-"], "piped body ✓");
    const issues = JSON.parse(await run(dir, ["list", "--json"])) as { body: string }[];
    expect(issues.map((i) => i.body)).toEqual(["## Steps\n\n1. run `$(whoami)`\n", "piped body ✓"]);

    writeFileSync(file, Buffer.from([0x66, 0x6f, 0xff, 0xfe, 0x6f]));
    await expect(run(dir, ["add", "Bad", "--body-file", file])).rejects.toThrow(/not valid UTF-8/);
    await expect(run(dir, ["add", "Missing", "--body-file", join(root, "nope")])).rejects.toThrow(
      /cannot read the body file/,
    );
    await expect(run(dir, ["add", "Both", "--body", "x", "--body-file", file])).rejects.toThrow(
      /not both/,
    );
    expect(JSON.parse(await run(dir, ["list", "--json"]))).toHaveLength(2);
  });

  it("shows hostile titles without letting them drive the terminal", async () => {
    const dir = join(tempDir(), "state");
    await run(dir, [
      "add",
      "evil \u001b]0;pwned\u0007 \u001b[2J title",
      "--body",
      "line1\n\u001b[31mred\u001b[0m",
    ]);
    const list = await run(dir, ["list"]);
    expect(list).not.toContain("\u001b");
    expect(list).toContain("evil \\u001b]0;pwned\\u0007 \\u001b[2J title");
    const shown = await run(dir, ["show", "1"]);
    expect(shown).not.toContain("\u001b");
    expect(shown).toContain("line1\n\\u001b[31mred");
    // JSON keeps the exact text (escaped by JSON itself).
    expect(
      (JSON.parse(await run(dir, ["list", "--json"])) as { title: string }[])[0]?.title,
    ).toContain("\u001b]0;pwned");
  });

  it("names the priority with the config's labels.priority_prefix, the engine's ordering key", async () => {
    const dir = join(tempDir(), "state");
    const config = join(tempDir(), "forge-loop.yaml");
    writeFileSync(config, "repo: .\nlabels:\n  priority_prefix: 'prio/'\n");
    await run(dir, ["add", "Configured", "--priority", "p0", "--config", config]);
    await run(dir, ["add", "Default", "--priority", "p2"]);
    expect(await run(dir, ["list"])).toBe(
      "#1  open    Configured  [prio/p0]\n#2  open    Default  [priority:p2]\n",
    );
    await expect(
      run(dir, ["add", "x", "--priority", "p1", "--config", join(dir, "missing.yaml")]),
    ).rejects.toThrow(/cannot read the config .*missing\.yaml/);
    writeFileSync(config, "repo: .\nlabels:\n  priority_prefix: 7\n");
    await expect(run(dir, ["add", "x", "--priority", "p1", "--config", config])).rejects.toThrow(
      /invalid configuration/,
    );
    expect(JSON.parse(await run(dir, ["list", "--json"]))).toHaveLength(2);
  });

  it("explains bad input", async () => {
    const dir = join(tempDir(), "state");
    await expect(run(dir, ["list"])).rejects.toThrow(/no local forge at/);
    await run(dir, ["add", "x"]);
    await expect(run(dir, ["add", "y", "--priority", "urgent"])).rejects.toThrow(
      /--priority must be p0, p1, p2 or p3/,
    );
    await expect(run(dir, ["add", "  "])).rejects.toThrow(/needs a title/);
    await expect(run(dir, ["add", "y", "--label", "a\nb"])).rejects.toThrow(/label name/);
    await expect(run(dir, ["show", "99"])).rejects.toThrow("issue #99 does not exist");
    await expect(run(dir, ["show", "one"])).rejects.toThrow(/not an issue number/);
    await expect(run(dir, ["label", "1", "-"])).rejects.toThrow(/empty label name/);
    await expect(run(dir, ["list", "--state", "merged"])).rejects.toThrow(/--state must be/);
    expect(JSON.parse(await run(dir, ["list", "--json"]))).toHaveLength(1);
  });
});

describe("helpers", () => {
  it("parseIssueNumber takes 12 or #12 and nothing else", () => {
    expect(parseIssueNumber("12")).toBe(12);
    expect(parseIssueNumber("#12")).toBe(12);
    for (const bad of ["0", "-1", "1.5", "1e3", "", "12abc", "9".repeat(20)]) {
      expect(() => parseIssueNumber(bad), bad).toThrow(UserError);
    }
  });

  it("printable escapes C0 and C1 controls, keeping newlines only in multiline text", () => {
    expect(printable("a\u0000b\u009bc\nd")).toBe("a\\u0000b\\u009bc\\u000ad");
    expect(printable("a\nb\tc\u001b", { multiline: true })).toBe("a\nb\tc\\u001b");
  });
});
