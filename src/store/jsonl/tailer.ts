/**
 * Follows a growing JSONL file by byte offset and hands each batch of new records (and
 * malformed lines) to a callback: the UI's live Events view and `mirror --follow`.
 *
 * - Wakes on `fs.watch` of the file's directory (a directory watch still fires after the
 *   file is renamed away and a new one created), plus a slow poll as a safety net for
 *   file systems where watching is unreliable. Idle costs one stat per poll, nothing else.
 * - A partial last line is held by the parser until its newline arrives.
 * - Truncation (the file is shorter than what was read) restarts at offset 0, flagged
 *   `reset: "truncated"`. Truncation that is followed by regrowth past the old size before
 *   the next look cannot be told from appends, as with `tail -F`.
 * - Rotation (the path names another file): the old file is read to its end through the
 *   descriptor still open on it, then the new file is followed from 0, flagged
 *   `reset: "rotated"`.
 * - Reads are synchronous, at most READ_BUDGET_BYTES per turn of the event loop, so a
 *   large backlog is delivered in slices and never blocks the UI for long.
 */
import { closeSync, type FSWatcher, fstatSync, openSync, readSync, statSync, watch } from "node:fs";
import { basename, dirname } from "node:path";
import { listArchives } from "./archives.js";
import { emptyBatch, type JsonlBatch, JsonlLineParser } from "./line-parser.js";
import { errorCode } from "./lock.js";
import { lastLineEnd, readJsonlFile } from "./reader.js";

export type TailFrom = "start" | "end" | { offset: number };

export interface TailBatch extends JsonlBatch {
  /** Offset just past the last complete line of the file being followed. */
  endOffset: number;
  /** On the first batch after the file was truncated or replaced by another file. */
  reset?: "truncated" | "rotated";
}

export interface JsonlTailerOptions {
  /**
   * Where to begin in the file present at start (default "start"). "end" begins after its
   * last complete line, so a line being written is still delivered once complete. An offset
   * past the end of the file counts as truncation. A file that appears later, or replaces
   * this one, is always read from its start.
   */
  from?: TailFrom;
  maxLineBytes?: number;
  /** The safety-net poll (default 1000 ms). */
  pollMs?: number;
  onBatch(batch: TailBatch): void;
  /** I/O errors and errors thrown by `onBatch` (default: a process warning). */
  onError?(err: unknown): void;
}

interface TailedFile {
  fd: number;
  ino: number;
  dev: number;
  /** Bytes read so far; the parser may hold the last partial line of them. */
  readPos: number;
  parser: JsonlLineParser;
}

const CHUNK_BYTES = 256 * 1024;
const READ_BUDGET_BYTES = 4 * 1024 * 1024;

export class JsonlTailer {
  private readonly chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private running = false;
  private openedBefore = false;
  private file: TailedFile | undefined;
  private pendingReset: TailBatch["reset"];
  private watcher: FSWatcher | undefined;
  private poll: NodeJS.Timeout | undefined;
  private scheduled: NodeJS.Immediate | undefined;

  constructor(
    readonly path: string,
    private readonly options: JsonlTailerOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.watch();
    this.poll = setInterval(() => {
      this.watch();
      this.schedule();
    }, this.options.pollMs ?? 1000);
    this.schedule();
  }

  /** Stops watching and closes every handle; no callback runs after this returns. */
  stop(): void {
    this.running = false;
    this.watcher?.close();
    this.watcher = undefined;
    clearInterval(this.poll);
    this.poll = undefined;
    clearImmediate(this.scheduled);
    this.scheduled = undefined;
    this.closeFile();
  }

  private watch(): void {
    if (this.watcher || !this.running) return;
    const name = basename(this.path);
    try {
      this.watcher = watch(dirname(this.path), (_event, filename) => {
        if (!filename || filename === name) this.schedule();
      });
    } catch (err) {
      // The directory does not exist yet: the poll keeps trying.
      if (errorCode(err) !== "ENOENT") this.reportError(err);
      return;
    }
    this.watcher.on("error", (err) => {
      this.watcher?.close();
      this.watcher = undefined;
      if (errorCode(err) !== "ENOENT") this.reportError(err);
    });
  }

  private schedule(): void {
    if (!this.running || this.scheduled) return;
    this.scheduled = setImmediate(() => {
      this.scheduled = undefined;
      try {
        this.pump();
      } catch (err) {
        this.reportError(err);
      }
    });
  }

  private pump(): void {
    const onDisk = statSync(this.path, { throwIfNoEntry: false });
    if (this.file && !(onDisk && sameFile(onDisk, this.file))) {
      this.finishReplaced(this.file);
      if (!this.running) return;
    }
    const file = this.file ?? (onDisk ? this.openCurrent() : undefined);
    if (!file) return;
    if (fstatSync(file.fd).size < file.readPos) {
      file.readPos = 0;
      file.parser = this.newParser(0);
      this.pendingReset = "truncated";
    }
    const out = emptyBatch();
    const more = this.readAvailable(file, out, READ_BUDGET_BYTES);
    this.deliver(out, file);
    if (more) this.schedule();
  }

  /**
   * The path now names another file (or none): deliver the rest of the old one, then any
   * archives rotated after it that were never followed (several rotations between two
   * looks), then switch to the current file.
   */
  private finishReplaced(old: TailedFile): void {
    const out = emptyBatch();
    while (this.readAvailable(old, out, Number.POSITIVE_INFINITY)) {}
    old.parser.end(out);
    this.deliver(out, old);
    if (!this.running) return;
    this.closeFile();
    this.pendingReset = "rotated";
    // Opened before listing: a rotation after this moment leaves the new file in the
    // archives, where its inode marks it as already followed.
    const current = this.openCurrent();
    for (const archive of archivesAfter(this.path, old, current)) {
      if (!this.running) return;
      this.deliverWholeFile(archive);
    }
  }

  private deliverWholeFile(path: string): void {
    let result: ReturnType<typeof readJsonlFile>;
    try {
      result = readJsonlFile(path, this.parserOptions());
    } catch (err) {
      if (errorCode(err) === "ENOENT") return; // pruned meanwhile
      throw err;
    }
    this.deliver(result, { endOffset: result.endOffset });
  }

  private openCurrent(): TailedFile | undefined {
    let fd: number;
    try {
      fd = openSync(this.path, "r");
    } catch (err) {
      if (errorCode(err) === "ENOENT") return undefined; // renamed away meanwhile
      throw err;
    }
    const { ino, dev, size } = fstatSync(fd);
    const from = this.openedBefore ? "start" : (this.options.from ?? "start");
    this.openedBefore = true;
    let offset = 0;
    if (from === "end") offset = lastLineEnd(fd, size);
    else if (from !== "start" && from.offset <= size) offset = from.offset;
    else if (from !== "start") this.pendingReset = "truncated";
    this.file = { fd, ino, dev, readPos: offset, parser: this.newParser(offset) };
    return this.file;
  }

  /** Reads up to `budget` bytes into `out`; true when the budget ran out first. */
  private readAvailable(file: TailedFile, out: JsonlBatch, budget: number): boolean {
    let taken = 0;
    while (taken < budget) {
      const read = readSync(file.fd, this.chunk, 0, this.chunk.length, file.readPos);
      if (read === 0) return false;
      file.parser.push(this.chunk.subarray(0, read), out);
      file.readPos += read;
      taken += read;
    }
    return true;
  }

  private deliver(out: JsonlBatch, position: TailedFile | { endOffset: number }): void {
    const reset = this.pendingReset;
    if (out.records.length === 0 && out.malformed.length === 0 && !reset) return;
    this.pendingReset = undefined;
    const endOffset = "parser" in position ? position.parser.offset : position.endOffset;
    try {
      this.options.onBatch({
        records: out.records,
        malformed: out.malformed,
        endOffset,
        ...(reset ? { reset } : {}),
      });
    } catch (err) {
      this.reportError(err);
    }
  }

  private newParser(startOffset: number): JsonlLineParser {
    return new JsonlLineParser({ startOffset, ...this.parserOptions() });
  }

  private parserOptions(): { maxLineBytes?: number } {
    const { maxLineBytes } = this.options;
    return maxLineBytes === undefined ? {} : { maxLineBytes };
  }

  private closeFile(): void {
    if (this.file) closeSync(this.file.fd);
    this.file = undefined;
  }

  private reportError(err: unknown): void {
    if (this.options.onError) this.options.onError(err);
    else process.emitWarning(`jsonl tailer (${this.path}): ${String(err)}`);
  }
}

function sameFile(a: { ino: number; dev: number }, b: { ino: number; dev: number }): boolean {
  return a.ino === b.ino && a.dev === b.dev;
}

/** Archives rotated after `old`, oldest first, leaving out `current`; none if `old` is gone. */
function archivesAfter(
  streamPath: string,
  old: TailedFile,
  current: TailedFile | undefined,
): string[] {
  const archives = listArchives(streamPath).flatMap((archive) => {
    const stat = statSync(archive.path, { throwIfNoEntry: false });
    return stat ? [{ path: archive.path, stat }] : [];
  });
  const oldIndex = archives.findIndex((a) => sameFile(a.stat, old));
  if (oldIndex === -1) return [];
  return archives
    .slice(oldIndex + 1)
    .filter((a) => !(current && sameFile(a.stat, current)))
    .map((a) => a.path);
}
