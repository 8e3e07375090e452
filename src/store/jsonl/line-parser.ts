/**
 * The one JSONL line parser behind every reader (whole buffer, file, stream, tail) and the
 * tailer. It is fed bytes in chunks of any size and never throws on content: each
 * non-blank line becomes either a record (a JSON object) or a malformed-line report.
 *
 * - Works on bytes: finds "\n" with memchr-speed `indexOf`, so offsets are byte offsets
 *   and a line longer than `maxLineBytes` is skipped without ever being joined or decoded.
 * - A line split across chunks is held (copied) until its newline arrives; `end()` treats
 *   what is held as a last line without a newline.
 * - Invalid UTF-8 makes a line malformed: our writer and the Python runner only ever write
 *   valid UTF-8 (Python escapes to ASCII), so bad bytes mean corruption. The excerpt is
 *   decoded leniently (U+FFFD) so the operator can see what was there.
 * - Absurd nesting is reported, not returned: V8 parses any depth, but the consumers of a
 *   record (JSON.stringify, the UI, recursive folds) would overflow the stack on it. A
 *   RangeError from JSON.parse itself is reported the same way.
 */
import { isUtf8 } from "node:buffer";
import { redact } from "../../shared/redact.js";

export type JsonlRecord = Record<string, unknown>;

export interface MalformedLine {
  /** 1-based line number, counted from where reading began (line 1 = offset 0 of a file). */
  line: number;
  /** Byte offset of the line's first byte. */
  offset: number;
  reason: string;
  /** The line's first characters: lenient UTF-8, control characters escaped, secrets redacted. */
  excerpt: string;
}

export interface JsonlBatch {
  records: JsonlRecord[];
  malformed: MalformedLine[];
  /** The 1-based line of each record, when the reader was asked for them (`lineNumbers`). */
  recordLines?: number[];
}

/** A line over this many bytes is reported, never parsed (default 1 MiB). */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;
/** Far deeper than any payload (they nest three or four levels), far below stack limits. */
export const MAX_DEPTH = 64;
const EXCERPT_CHARS = 80;
/** Enough bytes for EXCERPT_CHARS characters, and for a secret starting inside them to be recognised. */
const EXCERPT_BYTES = 4 * EXCERPT_CHARS;

export interface LineParserOptions {
  /** Byte offset of the first byte that will be pushed (default 0). */
  startOffset?: number;
  maxLineBytes?: number;
}

export function emptyBatch(lineNumbers = false): JsonlBatch {
  return lineNumbers
    ? { records: [], malformed: [], recordLines: [] }
    : { records: [], malformed: [] };
}

export class JsonlLineParser {
  private readonly maxLineBytes: number;
  /** Offset of the first byte of the line being assembled: everything before it is consumed. */
  private lineOffset: number;
  private lineNumber = 1;
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** Set once the held line passed maxLineBytes: then only its first bytes are kept. */
  private overlongPrefix: Buffer | undefined;

  constructor(options: LineParserOptions = {}) {
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.lineOffset = options.startOffset ?? 0;
  }

  /** Offset just past the last complete line (after `end()`, past everything pushed). */
  get offset(): number {
    return this.lineOffset;
  }

  /** Parses every complete line in `chunk` (with what was held before) into `out`. */
  push(chunk: Uint8Array, out: JsonlBatch): void {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const first = bytes.indexOf(0x0a);
    if (first === -1) {
      this.hold(bytes);
      return;
    }
    this.completeLine(bytes, 0, first, out);
    // The lines wholly inside this chunk are checked for UTF-8 in one call: "\n" never
    // occurs inside a multi-byte sequence, so each of them is valid if the run is.
    const last = bytes.lastIndexOf(0x0a);
    const valid = last > first && isUtf8(bytes.subarray(first + 1, last + 1));
    let start = first + 1;
    while (start <= last) {
      const newline = bytes.indexOf(0x0a, start);
      this.completeLine(bytes, start, newline, out, 1, valid);
      start = newline + 1;
    }
    if (start < bytes.length) this.hold(bytes.subarray(start));
  }

  /** Treats the held bytes, if any, as a final line that has no newline. */
  end(out: JsonlBatch): void {
    if (this.heldBytes === 0) return;
    const reported = out.malformed.length;
    this.completeLine(Buffer.alloc(0), 0, 0, out, 0);
    const last = out.malformed[reported];
    if (last) last.reason = `${last.reason} (last line, no newline: torn write?)`;
  }

  private completeLine(
    chunk: Buffer,
    start: number,
    newline: number,
    out: JsonlBatch,
    terminatorBytes = 1,
    knownUtf8 = false,
  ): void {
    const length = this.heldBytes + (newline - start);
    const offset = this.lineOffset;
    const line = this.lineNumber;
    if (this.overlongPrefix || length > this.maxLineBytes) {
      const rest = chunk.subarray(start, newline);
      const prefix = this.overlongPrefix
        ? extendPrefix(this.overlongPrefix, rest)
        : this.joinHeld(chunk, start, newline, EXCERPT_BYTES);
      out.malformed.push(
        malformedLine(
          line,
          offset,
          `line is ${length} bytes, over the ${this.maxLineBytes}-byte limit`,
          prefix,
        ),
      );
    } else if (this.heldBytes === 0) {
      parseLine(chunk, start, newline, knownUtf8, line, offset, out);
    } else {
      const joined = this.joinHeld(chunk, start, newline, length);
      parseLine(joined, 0, joined.length, false, line, offset, out);
    }
    if (this.heldBytes > 0) this.held = [];
    this.heldBytes = 0;
    this.overlongPrefix = undefined;
    this.lineOffset = offset + length + terminatorBytes;
    this.lineNumber = line + 1;
  }

  /** The held bytes followed by chunk[start, newline), at most `limit` bytes of it. */
  private joinHeld(chunk: Buffer, start: number, newline: number, limit: number): Buffer {
    const tail = chunk.subarray(start, newline);
    if (this.heldBytes === 0) return tail.subarray(0, limit);
    return Buffer.concat([...this.held, tail]).subarray(0, limit);
  }

  private hold(rest: Buffer): void {
    this.heldBytes += rest.length;
    if (this.overlongPrefix) {
      this.overlongPrefix = extendPrefix(this.overlongPrefix, rest);
    } else if (this.heldBytes > this.maxLineBytes) {
      this.overlongPrefix = extendPrefix(Buffer.alloc(0), Buffer.concat([...this.held, rest]));
      this.held = [];
    } else {
      // Copied: the caller may reuse its chunk buffer for the next read.
      this.held.push(Buffer.from(rest));
    }
  }
}

/** The first EXCERPT_BYTES of `prefix` + `more`, as a copy. */
function extendPrefix(prefix: Buffer, more: Buffer): Buffer {
  if (prefix.length >= EXCERPT_BYTES) return prefix;
  return Buffer.concat([prefix, more.subarray(0, EXCERPT_BYTES - prefix.length)]);
}

/** Parses bytes[start, end) (a line without its "\n") into `out`. */
function parseLine(
  bytes: Buffer,
  start: number,
  end: number,
  knownUtf8: boolean,
  line: number,
  offset: number,
  out: JsonlBatch,
): void {
  const stop = end > start && bytes[end - 1] === 0x0d ? end - 1 : end;
  if (stop === start) return;
  const report = (reason: string) =>
    out.malformed.push(malformedLine(line, offset, reason, bytes.subarray(start, stop)));
  if (!knownUtf8 && !isUtf8(bytes.subarray(start, stop))) {
    report("invalid UTF-8");
    return;
  }
  const text = bytes.toString("utf8", start, stop);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    if (isBlank(text)) return;
    report(
      err instanceof RangeError
        ? `too deeply nested to parse (${err.message})`
        : `not JSON: ${(err as Error).message}`,
    );
    return;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    report(`not an object: ${describe(value)}`);
  } else if (nestedDeeperThan(value, MAX_DEPTH)) {
    report(`nested deeper than ${MAX_DEPTH} levels`);
  } else {
    out.records.push(value as JsonlRecord);
    out.recordLines?.push(line);
  }
}

/** Recursion bounded by `levels`, so the check itself cannot overflow. */
function nestedDeeperThan(value: object, levels: number): boolean {
  if (levels === 0) return true;
  for (const key in value) {
    const child = (value as Record<string, unknown>)[key];
    if (child !== null && typeof child === "object" && nestedDeeperThan(child, levels - 1)) {
      return true;
    }
  }
  return false;
}

/** Only JSON whitespace: what JSON.parse rejects as empty input. */
function isBlank(text: string): boolean {
  return /^[ \t\r\n]*$/.test(text);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

function malformedLine(line: number, offset: number, reason: string, bytes: Buffer): MalformedLine {
  return {
    line,
    offset,
    reason: clean(reason, 200),
    excerpt: clean(bytes.subarray(0, EXCERPT_BYTES).toString("utf8"), EXCERPT_CHARS),
  };
}

/**
 * Safe to show in a terminal and to log: secrets redacted before cutting (so a secret
 * cut short cannot slip past the patterns), then control characters escaped.
 */
function clean(text: string, maxChars: number): string {
  return redact(text)
    .slice(0, maxChars)
    .replace(
      /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
      (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
}
