import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  archiveStamp,
  listArchives,
  nextArchivePath,
  pruneArchives,
} from "../../../src/store/jsonl/archives.js";

let dir: string;
let stream: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "jsonl-archives-"));
  stream = join(dir, "events.jsonl");
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const T = Date.UTC(2026, 10, 20, 14, 2, 11, 123);

describe("archives", () => {
  it("stamps UTC time in a file-name-safe form", () => {
    expect(archiveStamp(T)).toBe("20261120T140211123Z");
    expect(basename(nextArchivePath(stream, T))).toBe("events.20261120T140211123Z-1.jsonl");
  });

  it("numbers archives made in the same millisecond and lists them in rotation order", () => {
    const names: string[] = [];
    for (let i = 0; i < 12; i++) {
      const path = nextArchivePath(stream, T);
      writeFileSync(path, "");
      names.push(basename(path));
    }
    expect(new Set(names).size).toBe(12);
    expect(names.at(-1)).toBe("events.20261120T140211123Z-12.jsonl");
    // Numeric, not lexical, order: -10 comes after -9.
    expect(listArchives(stream).map((a) => basename(a.path))).toEqual(names);
  });

  it("keeps names in rotation order when the clock goes backwards", () => {
    writeFileSync(nextArchivePath(stream, T), "");
    const earlier = nextArchivePath(stream, T - 3_600_000);
    expect(basename(earlier)).toBe("events.20261120T140211123Z-2.jsonl");
    writeFileSync(earlier, "");
    writeFileSync(nextArchivePath(stream, T + 1), "");
    expect(listArchives(stream).map((a) => basename(a.path))).toEqual([
      "events.20261120T140211123Z-1.jsonl",
      "events.20261120T140211123Z-2.jsonl",
      "events.20261120T140211124Z-1.jsonl",
    ]);
  });

  it("ignores files that only look similar, and prunes the oldest", () => {
    for (const name of [
      "events.jsonl",
      "events.jsonl.lock",
      "other.20261120T140211123Z-1.jsonl",
      "events.20261120T140211123Z-x.jsonl",
      "events.2026-11-20-1.jsonl",
    ]) {
      writeFileSync(join(dir, name), "");
    }
    for (let i = 0; i < 7; i++) writeFileSync(nextArchivePath(stream, T + i), "");
    const removed = pruneArchives(stream, 5);
    expect(removed.map((p) => basename(p))).toEqual([
      "events.20261120T140211123Z-1.jsonl",
      "events.20261120T140211124Z-1.jsonl",
    ]);
    expect(listArchives(stream)).toHaveLength(5);
    expect(readdirSync(dir)).toHaveLength(10);
  });

  it("lists nothing when the directory does not exist", () => {
    expect(listArchives(join(dir, "missing", "events.jsonl"))).toEqual([]);
  });
});
