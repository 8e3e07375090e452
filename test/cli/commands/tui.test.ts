import { describe, expect, it } from "vitest";
import { buildProgram } from "../../../src/cli/program.js";
import { UserError } from "../../../src/shared/errors.js";

describe("forge-loop tui", () => {
  it("refuses to run without an interactive terminal, saying what to use instead", async () => {
    // Under the test runner stdout is a pipe, not a terminal.
    const run = buildProgram()
      .exitOverride()
      .parseAsync(["node", "forge-loop", "tui", "--dir", "/nowhere"]);
    await expect(run).rejects.toThrow(UserError);
    await expect(run).rejects.toMatchObject({
      message: "forge-loop tui needs an interactive terminal",
      hint: expect.stringContaining("terminal or tmux pane"),
    });
  });

  it("does not take --dir and --db together", async () => {
    const program = buildProgram().exitOverride();
    program.commands
      .find((c) => c.name() === "tui")
      ?.exitOverride()
      .configureOutput({ writeErr: () => {} });
    await expect(
      program.parseAsync(["node", "forge-loop", "tui", "--dir", "a", "--db", "b.db"]),
    ).rejects.toThrow(/cannot be used with/);
  });
});
