#!/usr/bin/env node
/**
 * Entry point: wires the rooms (ui, engine → store) behind one command.
 */
import { buildProgram } from "./cli/program.js";
import { runMain } from "./cli/run-main.js";

await runMain(buildProgram(), process.argv);
