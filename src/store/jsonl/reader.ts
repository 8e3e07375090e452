/**
 * Reading the operator stream. Every reader returns the records (JSON objects) and the
 * malformed lines (line, offset, reason, excerpt) and never throws on content; only I/O
 * errors (a missing file, no permission) throw. Files are read in chunks, so no reader
 * holds a whole large file as one buffer or string.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { emptyBatch, type JsonlBatch, JsonlLineParser } from "./line-parser.js";

export type { JsonlBatch, JsonlRecord, MalformedLine } from "./line-parser.js";

export interface JsonlReadOptions {
  /** Start reading at this byte offset (default 0). Line numbers count from here. */
  fromOffset?: number;
  /** Longer lines are reported as malformed without being decoded (default 1 MiB). */
  maxLineBytes?: number;
  /**
   * Leave an unterminated last line unread (it may still be being written) instead of
   * treating it as a line. `endOffset` then points at its start, where a later read resumes.
   */
  holdPartialLine?: boolean;
  /** Give each record's line number too (`recordLines`), for errors that name it. */
  lineNumbers?: boolean;
}

export interface JsonlReadResult extends JsonlBatch {
  /** Offset just past what was consumed: where a later read of the same file resumes. */
  endOffset: number;
}

export interface JsonlTailResult extends JsonlReadResult {
  /** Offset where the scanned window began; malformed line numbers count from here. */
  startOffset: number;
}

const CHUNK_BYTES = 1024 * 1024;
const TAIL_BLOCK_BYTES = 64 * 1024;

/** Parses JSONL held in memory; offsets are byte offsets into `input` (UTF-8 for a string). */
export function parseJsonl(
  input: Uint8Array | string,
  options: Omit<JsonlReadOptions, "fromOffset"> = {},
): JsonlReadResult {
  const parser = newParser(0, options);
  const out = emptyBatch(options.lineNumbers);
  parser.push(typeof input === "string" ? Buffer.from(input) : input, out);
  if (!options.holdPartialLine) parser.end(out);
  return { ...out, endOffset: parser.offset };
}

/** Reads a file from `fromOffset` to its end, in chunks. */
export function readJsonlFile(path: string, options: JsonlReadOptions = {}): JsonlReadResult {
  const fromOffset = options.fromOffset ?? 0;
  const parser = newParser(fromOffset, options);
  const out = emptyBatch(options.lineNumbers);
  const fd = openSync(path, "r");
  try {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    let position = fromOffset;
    for (;;) {
      const read = readSync(fd, chunk, 0, chunk.length, position);
      if (read === 0) break;
      parser.push(chunk.subarray(0, read), out);
      position += read;
    }
  } finally {
    closeSync(fd);
  }
  if (!options.holdPartialLine) parser.end(out);
  return { ...out, endOffset: parser.offset };
}

/**
 * Reads a file in chunks, yielding what each chunk completed, so a 200 MB file never needs
 * 200 MB in memory at once. Each result's `endOffset` is the resume point so far.
 * Synchronous like the other readers (`for await` takes it too), so a caller can keep one
 * SQLite transaction open across chunks: the legacy mirror commits every few dozen.
 */
export function* streamJsonlFile(
  path: string,
  options: JsonlReadOptions & { chunkBytes?: number } = {},
): Generator<JsonlReadResult> {
  const fromOffset = options.fromOffset ?? 0;
  const parser = newParser(fromOffset, options);
  const fd = openSync(path, "r");
  try {
    const chunk = Buffer.allocUnsafe(options.chunkBytes ?? CHUNK_BYTES);
    let position = fromOffset;
    for (;;) {
      const bytesRead = readSync(fd, chunk, 0, chunk.length, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const out = emptyBatch(options.lineNumbers);
      parser.push(chunk.subarray(0, bytesRead), out);
      if (out.records.length > 0 || out.malformed.length > 0) {
        yield { ...out, endOffset: parser.offset };
      }
    }
  } finally {
    closeSync(fd);
  }
  const out = emptyBatch(options.lineNumbers);
  if (!options.holdPartialLine) parser.end(out);
  yield { ...out, endOffset: parser.offset };
}

/**
 * The last `maxRecords` records of a file, read backwards from its end so a cold start on
 * a 200 MB stream touches only the last few hundred kilobytes. An unterminated last line
 * is left for a tailer: `endOffset` points at its start (hand it to `JsonlTailer`).
 * Malformed lines are those found in the scanned window.
 */
export function readTail(
  path: string,
  maxRecords: number,
  options: Pick<JsonlReadOptions, "maxLineBytes"> = {},
): JsonlTailResult {
  const fd = openSync(path, "r");
  try {
    const end = lastLineEnd(fd, fstatSync(fd).size);
    let lines = maxRecords;
    for (;;) {
      const start = startOfLastLines(fd, end, lines);
      const out = readRange(fd, start, end, options);
      if (out.records.length >= maxRecords || start === 0) {
        const records = out.records.slice(Math.max(0, out.records.length - maxRecords));
        return { records, malformed: out.malformed, startOffset: start, endOffset: end };
      }
      // Blank or malformed lines in the window: widen it and parse again.
      lines = lines * 2 + 1;
    }
  } finally {
    closeSync(fd);
  }
}

/** Offset just past the last "\n" before `size` (0 when there is none). */
export function lastLineEnd(fd: number, size: number): number {
  const block = Buffer.allocUnsafe(TAIL_BLOCK_BYTES);
  for (let blockEnd = size; blockEnd > 0; ) {
    const blockStart = Math.max(0, blockEnd - block.length);
    const read = readSync(fd, block, 0, blockEnd - blockStart, blockStart);
    const newline = block.subarray(0, read).lastIndexOf(0x0a);
    if (newline !== -1) return blockStart + newline + 1;
    blockEnd = blockStart;
  }
  return 0;
}

/** Where the last `lines` lines ending at `end` (just past a "\n") begin. */
function startOfLastLines(fd: number, end: number, lines: number): number {
  if (lines === 0 || end === 0) return end;
  const block = Buffer.allocUnsafe(TAIL_BLOCK_BYTES);
  // The newline at end - 1 closes the last line; each earlier one starts a line after it.
  let found = 0;
  let blockEnd = end - 1;
  while (blockEnd > 0) {
    const blockStart = Math.max(0, blockEnd - block.length);
    const read = readSync(fd, block, 0, blockEnd - blockStart, blockStart);
    let index = read;
    for (;;) {
      index = index === 0 ? -1 : block.subarray(0, index).lastIndexOf(0x0a);
      if (index === -1) break;
      found += 1;
      if (found === lines) return blockStart + index + 1;
    }
    blockEnd = blockStart;
  }
  return 0;
}

function readRange(
  fd: number,
  start: number,
  end: number,
  options: Pick<JsonlReadOptions, "maxLineBytes">,
): JsonlBatch {
  const parser = newParser(start, options);
  const out = emptyBatch();
  const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(1, end - start)));
  for (let position = start; position < end; ) {
    const read = readSync(fd, chunk, 0, Math.min(chunk.length, end - position), position);
    if (read === 0) break;
    parser.push(chunk.subarray(0, read), out);
    position += read;
  }
  return out;
}

function newParser(
  startOffset: number,
  options: Pick<JsonlReadOptions, "maxLineBytes">,
): JsonlLineParser {
  return new JsonlLineParser({
    startOffset,
    ...(options.maxLineBytes === undefined ? {} : { maxLineBytes: options.maxLineBytes }),
  });
}
