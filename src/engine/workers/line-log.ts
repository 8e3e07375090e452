import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { describeError } from "../../shared/errors.js";

/**
 * An append-only log of lines on disk with a size budget: a runaway worker cannot fill
 * the disk through its transcript. Writes honour backpressure (the caller awaits the
 * returned promise, which pauses reading the worker's output), so memory stays bounded
 * however fast the worker prints. A log that cannot be written never fails the run.
 */
export class LineLog {
  private readonly stream: WriteStream;
  private written = 0;
  private droppedLines = 0;
  private failure: string | undefined;

  constructor(
    readonly path: string,
    private readonly limitBytes: number,
  ) {
    this.stream = createWriteStream(path, { flags: "a" });
    this.stream.on("error", (err) => {
      this.failure ??= describeError(err);
    });
  }

  /** Appends one line; returns a promise only when the caller should wait for the disk. */
  write(line: string): Promise<void> | undefined {
    if (this.failure !== undefined) return undefined;
    const size = Buffer.byteLength(line) + 1;
    if (this.written + size > this.limitBytes) {
      this.droppedLines += 1;
      return undefined;
    }
    this.written += size;
    if (this.stream.write(`${line}\n`)) return undefined;
    return once(this.stream, "drain").then(
      () => undefined,
      () => undefined,
    );
  }

  /** Notes any lines dropped over the budget, then flushes and closes the file. */
  async close(): Promise<void> {
    if (this.droppedLines > 0 && this.failure === undefined) {
      this.stream.write(
        `${JSON.stringify({
          type: "forge-loop.log_limit",
          dropped_lines: this.droppedLines,
          limit_bytes: this.limitBytes,
        })}\n`,
      );
    }
    if (this.stream.destroyed) return;
    this.stream.end();
    await once(this.stream, "close").catch(() => undefined);
  }
}
