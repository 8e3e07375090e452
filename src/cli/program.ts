/**
 * The `forge-loop` command: builds the commander program from one module per command.
 * Each command module exports `register(program)` and defines only the command (its
 * arguments, options and help); its action imports what it runs (`actions/`, the engine,
 * the store, the UI) when it runs. So `--help` lists everything while loading little, and
 * `forge-loop tui` opens without loading the engine.
 */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { register as registerDemo } from "./commands/demo.js";
import { register as registerDoctor } from "./commands/doctor.js";
import { register as registerEvents } from "./commands/events.js";
import { register as registerInit } from "./commands/init.js";
import { register as registerIssue } from "./commands/issue.js";
import { register as registerMirror } from "./commands/mirror.js";
import { register as registerOperate } from "./commands/operate.js";
import { register as registerReplay } from "./commands/replay.js";
import { register as registerRun } from "./commands/run.js";
import { register as registerStatus } from "./commands/status.js";
import { register as registerTui } from "./commands/tui.js";

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
  registerDemo(program);
  registerDoctor(program);
  registerEvents(program);
  registerInit(program);
  registerIssue(program);
  registerMirror(program);
  registerOperate(program);
  registerReplay(program);
  registerRun(program);
  registerStatus(program);
  registerTui(program);
  return program;
}
