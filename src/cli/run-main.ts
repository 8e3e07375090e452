import type { Command } from "commander";
import { describeError, UserError } from "../shared/errors.js";
import { redact } from "../shared/redact.js";

/** Runs the program; operator errors print plainly, anything else with its stack. */
export async function runMain(program: Command, argv: string[]): Promise<void> {
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof UserError) {
      process.stderr.write(`forge-loop: ${redact(err.message)}\n`);
      if (err.hint) process.stderr.write(`  ${redact(err.hint)}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    process.stderr.write(`forge-loop: unexpected error: ${redact(describeError(err))}\n`);
    if (err instanceof Error && err.stack) process.stderr.write(`${redact(err.stack)}\n`);
    process.exitCode = 1;
  }
}
