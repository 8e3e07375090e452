/**
 * The `forge-loop` command: builds the commander program from one module per command.
 * Each command module exports `register(program)`.
 */
import { readFileSync } from "node:fs";
import { Command } from "commander";

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command("forge-loop")
    .description("Let coding agents work your repository's issue backlog, and watch them do it.")
    .version(packageVersion(), "-V, --version")
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: true });
  return program;
}
