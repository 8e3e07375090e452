import { z } from "zod";
import { UserError } from "../../../shared/errors.js";
import type { StreamParser, StreamSummary, WorkerAdapter } from "../adapter.js";
import { parseJsonObject } from "../json-line.js";
import { oneLine, TextTail } from "../text.js";
import type { WorkerProgress } from "../types.js";

/** The variable naming the file that holds the brief. */
const briefFileVariable = "FORGE_LOOP_BRIEF_FILE";

/** How much of a command's output is kept as its final text (critic verdicts live there). */
const finalTextChars = 64 * 1024;

/**
 * Any program: `spec.command` is the whole argv. The brief arrives on stdin and in the
 * file named by `$FORGE_LOOP_BRIEF_FILE`; every stdout line is progress, and a last line
 * `{"status": …, "note": …}` is the result.
 */
export const commandAdapter: WorkerAdapter = {
  invocation({ spec, brief, briefFile }) {
    const [file, ...args] = spec.command;
    if (file === undefined || file === "") {
      throw new UserError(
        "the command worker has no command to run",
        "set the worker's `command` in forge-loop.yaml to the program and its arguments",
      );
    }
    return { file, args, stdin: brief, env: { [briefFileVariable]: briefFile } };
  },
  createParser: () => new CommandStreamParser(),
};

const statusLineSchema = z.looseObject({
  status: z.string(),
  note: z.string().optional().catch(undefined),
});

export class CommandStreamParser implements StreamParser {
  private readonly output = new TextTail(finalTextChars);
  /** A status line stays pending until another line shows it was not the last. */
  private pending: { text: string; status: string; note?: string } | undefined;

  line(text: string): WorkerProgress[] {
    if (text.trim() === "") return [];
    const progress = this.settlePending();
    const status = statusLineSchema.safeParse(parseJsonObject(text));
    if (status.success) {
      this.pending = { text, status: status.data.status, note: status.data.note };
      return progress;
    }
    this.output.push(text);
    progress.push(message(text));
    return progress;
  }

  summary(): StreamSummary {
    return {
      turns: 0,
      toolUses: 0,
      finalText: this.output.text(),
      status: this.pending?.status,
      note: this.pending?.note,
    };
  }

  private settlePending(): WorkerProgress[] {
    const pending = this.pending;
    if (!pending) return [];
    this.pending = undefined;
    this.output.push(pending.text);
    return [message(pending.text)];
  }
}

function message(text: string): WorkerProgress {
  return { type: "observation", what: "message", summary: oneLine(text) };
}
