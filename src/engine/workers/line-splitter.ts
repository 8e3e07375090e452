/**
 * Splits a byte stream into lines without ever holding more than `maxBytes` of one line:
 * a worker printing a 50 MB line costs us `maxBytes`, and the rest is only counted.
 * Splitting happens on bytes, so a multi-byte character is never cut by a chunk boundary;
 * invalid UTF-8 decodes to U+FFFD.
 */

export interface Line {
  /** The line's text (its first `maxBytes` bytes when truncated), without the newline. */
  text: string;
  /** The line's full length in bytes. */
  bytes: number;
  truncated: boolean;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export class LineSplitter {
  private parts: Buffer[] = [];
  private kept = 0;
  private total = 0;

  constructor(private readonly maxBytes: number) {}

  /** The lines this chunk completes. */
  push(chunk: Uint8Array): Line[] {
    const lines: Line[] = [];
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline === -1 ? chunk.length : newline;
      this.append(chunk.subarray(start, end));
      if (newline === -1) break;
      lines.push(this.take());
      start = newline + 1;
    }
    return lines;
  }

  /** The unterminated last line, if the stream ended inside one. */
  end(): Line | undefined {
    return this.total > 0 ? this.take() : undefined;
  }

  private append(bytes: Uint8Array): void {
    this.total += bytes.length;
    const room = this.maxBytes - this.kept;
    if (room <= 0 || bytes.length === 0) return;
    // Copy: a slice would keep the whole (64 KiB) chunk it came from alive.
    const part = Buffer.from(bytes.subarray(0, room));
    this.parts.push(part);
    this.kept += part.length;
  }

  private take(): Line {
    let buffer = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts);
    const truncated = this.total > this.kept;
    let bytes = this.total;
    if (!truncated && buffer.at(-1) === CARRIAGE_RETURN) {
      buffer = buffer.subarray(0, -1);
      bytes -= 1;
    }
    this.parts = [];
    this.kept = 0;
    this.total = 0;
    return { text: buffer.toString("utf8"), bytes, truncated };
  }
}
