/**
 * Appends the operator stream (EVENTS.md "The JSONL operator stream"): one JSON object per
 * line, `{"ts", "kind", "seq"?, ...payload}`, secrets redacted.
 *
 * Several processes may write the same file (the engine, the Python runner, a second
 * tool), so every append runs under the stream's lock (`lock.ts`) and, inside it:
 * 1. checks that the path still names the file this writer has open (another writer may
 *    have rotated it) and reopens it if not;
 * 2. repairs a torn last line left by a crashed writer by appending "\n", so the fragment
 *    stays its own (malformed) line and the new line is whole;
 * 3. rotates before a line would take the file past `maxBytes`, to a unique archive name,
 *    keeping the newest `keepArchives`;
 * 4. writes the line with one append.
 * The file descriptor stays open between appends and nothing is fsynced: this stream is
 * for watching; the durable record is the SQLite log.
 */
import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  statSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import { type Clock, isoAt, systemClock } from "../../shared/clock.js";
import { envSecrets, redact } from "../../shared/redact.js";
import { nextArchivePath, pruneArchives } from "./archives.js";
import { FileLock } from "./lock.js";

export const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
export const DEFAULT_KEEP_ARCHIVES = 5;

export interface JsonlWriterOptions {
  /** Rotate before a line would take the file past this many bytes (default 10 MiB). */
  maxBytes?: number;
  /** Archives kept after a rotation (default 5). */
  keepArchives?: number;
  /** Source of `ts` when an entry has none, and of archive names. */
  clock?: Clock;
  /** See `FileLockOptions`. */
  lockStaleMs?: number;
  lockWaitMs?: number;
}

export interface JsonlEntry {
  kind: string;
  /** The durable event's sequence; absent for stream-only records (worker observations). */
  seq?: number;
  /** ISO-8601 time; defaults to the writer's clock. */
  ts?: string;
  /** Spread into the line after the envelope; `ts`, `kind` and `seq` keys here are ignored. */
  payload?: Record<string, unknown>;
}

interface OpenFile {
  fd: number;
  ino: number;
  dev: number;
  /** The size right after this writer's last append: the file then ended in "\n". */
  endAfterOwnWrite?: number;
}

const NEWLINE = Buffer.from("\n");
/** Shorter strings cannot hold anything `redact` recognises. */
const MIN_SECRET_CHARS = 8;

export class JsonlWriter {
  private readonly maxBytes: number;
  private readonly keepArchives: number;
  private readonly clock: Clock;
  private readonly lock: FileLock;
  private file: OpenFile | undefined;

  constructor(
    readonly path: string,
    options: JsonlWriterOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.keepArchives = options.keepArchives ?? DEFAULT_KEEP_ARCHIVES;
    this.clock = options.clock ?? systemClock;
    this.lock = new FileLock(`${path}.lock`, {
      ...(options.lockStaleMs === undefined ? {} : { staleMs: options.lockStaleMs }),
      ...(options.lockWaitMs === undefined ? {} : { waitMs: options.lockWaitMs }),
    });
    mkdirSync(dirname(path), { recursive: true });
  }

  append(entry: JsonlEntry): void {
    const line = Buffer.from(`${formatJsonlLine(entry, this.clock)}\n`);
    this.lock.withLock(() => this.appendLocked(line));
  }

  /** Closes the file and removes this writer's lock token; a later append reopens both. */
  close(): void {
    this.closeFile();
    this.lock.close();
  }

  private closeFile(): void {
    if (this.file) closeSync(this.file.fd);
    this.file = undefined;
  }

  private appendLocked(line: Buffer): void {
    let { file, size } = this.currentFile();
    if (size > 0 && size !== file.endAfterOwnWrite && !endsWithNewline(file.fd, size)) {
      writeAll(file.fd, NEWLINE);
      size += 1;
    }
    if (size > 0 && size + line.length > this.maxBytes) {
      file = this.rotate();
      size = 0;
    }
    writeAll(file.fd, line);
    file.endAfterOwnWrite = size + line.length;
  }

  /** The file the path names now, reopened when another writer rotated it away. */
  private currentFile(): { file: OpenFile; size: number } {
    const onDisk = statSync(this.path, { throwIfNoEntry: false });
    const file = this.file;
    if (file && onDisk && onDisk.ino === file.ino && onDisk.dev === file.dev) {
      return { file, size: onDisk.size };
    }
    const reopened = this.reopen();
    return { file: reopened, size: fstatSync(reopened.fd).size };
  }

  private reopen(): OpenFile {
    this.closeFile();
    // a+ rather than a: the torn-line check reads the last byte through the same descriptor.
    const fd = openSync(this.path, "a+");
    const { ino, dev } = fstatSync(fd);
    this.file = { fd, ino, dev };
    return this.file;
  }

  private rotate(): OpenFile {
    renameSync(this.path, nextArchivePath(this.path, this.clock.now()));
    const file = this.reopen();
    pruneArchives(this.path, this.keepArchives);
    return file;
  }
}

/**
 * The line for `entry`, without its newline. Envelope fields come first and win over
 * payload keys of the same name. Every string value is redacted; JSON.stringify escapes
 * newlines and lone surrogates, so the line is one line of valid UTF-8.
 */
export function formatJsonlLine(entry: JsonlEntry, clock: Clock = systemClock): string {
  const ts = entry.ts ?? isoAt(clock.now());
  const record: Record<string, unknown> = Object.assign(
    { ts, kind: entry.kind, seq: entry.seq },
    entry.payload,
  );
  record.ts = ts;
  record.kind = entry.kind;
  record.seq = entry.seq;
  // One redact() call per line in the usual case: the strings joined with NUL, which no
  // secret contains and which can only make a pattern match more, never less. If the
  // joined text has nothing to redact, neither has any string in it; otherwise each string
  // is redacted on its own.
  const strings: string[] = [];
  const line = JSON.stringify(record, (_key, value: unknown) => {
    if (typeof value === "string" && value.length >= MIN_SECRET_CHARS) strings.push(value);
    return value;
  });
  const secrets = envSecrets();
  const joined = strings.join("\0");
  if (redact(joined, secrets) === joined) return line;
  return JSON.stringify(record, (_key, value: unknown) =>
    typeof value === "string" && value.length >= MIN_SECRET_CHARS ? redact(value, secrets) : value,
  );
}

function endsWithNewline(fd: number, size: number): boolean {
  const last = Buffer.alloc(1);
  return readSync(fd, last, 0, 1, size - 1) === 1 && last[0] === 0x0a;
}

/** One write in practice; the loop covers the partial writes POSIX allows. */
function writeAll(fd: number, bytes: Buffer): void {
  let written = 0;
  while (written < bytes.length) {
    written += writeSync(fd, bytes, written, bytes.length - written);
  }
}
