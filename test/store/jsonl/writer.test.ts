import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listArchives } from "../../../src/store/jsonl/archives.js";
import { readJsonlFile } from "../../../src/store/jsonl/reader.js";
import { formatJsonlLine, JsonlWriter } from "../../../src/store/jsonl/writer.js";
import { ManualClock } from "../../support/manual-clock.js";

// Read by `redact` (through envSecrets) the first time anything is redacted in this process.
const ENV_SECRET = 'hunter2-"quoted"\nand-multiline';
process.env.FORGE_JSONL_TEST_API_KEY = ENV_SECRET;

let dir: string;
let path: string;
let writers: JsonlWriter[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "jsonl-writer-"));
  path = join(dir, "state", "events.jsonl");
  writers = [];
});
afterEach(() => {
  for (const w of writers) w.close();
  rmSync(dir, { recursive: true, force: true });
});

function writer(options: ConstructorParameters<typeof JsonlWriter>[1] = {}): JsonlWriter {
  const w = new JsonlWriter(path, options);
  writers.push(w);
  return w;
}

/** Every record of the stream, archives first (oldest to newest), then the current file. */
function readStream(): { records: Record<string, unknown>[]; malformed: number } {
  const files = [...listArchives(path).map((a) => a.path), path];
  let malformed = 0;
  const records: Record<string, unknown>[] = [];
  for (const file of files) {
    const result = readJsonlFile(file);
    records.push(...result.records);
    malformed += result.malformed.length;
  }
  return { records, malformed };
}

describe("JsonlWriter", () => {
  it("writes one whole line per entry, envelope first, and reads back the same", () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 20, 14, 2, 11, 5));
    const w = writer({ clock });
    w.append({ kind: "tick.started", seq: 7, payload: { tick: 3, candidates: [] } });
    w.append({ kind: "worker.observation", payload: { issue: 42, summary: "ran\nnpm test" } });
    w.append({ kind: "loop.resumed", ts: "2026-01-01T00:00:00.000Z", payload: { by: "op" } });
    const text = readFileSync(path, "utf8");
    expect(text.split("\n")).toEqual([
      '{"ts":"2026-11-20T14:02:11.005Z","kind":"tick.started","seq":7,"tick":3,"candidates":[]}',
      '{"ts":"2026-11-20T14:02:11.005Z","kind":"worker.observation","issue":42,"summary":"ran\\nnpm test"}',
      '{"ts":"2026-01-01T00:00:00.000Z","kind":"loop.resumed","by":"op"}',
      "",
    ]);
    expect(readJsonlFile(path)).toMatchObject({ malformed: [], endOffset: text.length });
  });

  it("lets envelope fields win over payload keys of the same name", () => {
    const line = formatJsonlLine({
      kind: "real",
      ts: "T",
      payload: { kind: "fake", ts: "fake", seq: 99, other: 1 },
    });
    expect(line).toBe('{"ts":"T","kind":"real","other":1}');
  });

  it("redacts secrets in every string, even ones JSON would escape", () => {
    const token = `ghp_${"a1".repeat(20)}`;
    writer().append({
      kind: "worker.observation",
      payload: { summary: `pushed with ${token}`, nested: { args: [`--key=${ENV_SECRET}`] } },
    });
    const text = readFileSync(path, "utf8");
    expect(text).not.toContain(token);
    expect(text).not.toContain("hunter2");
    const [record] = readJsonlFile(path).records;
    expect(record).toMatchObject({
      summary: "pushed with [REDACTED]",
      nested: { args: ["--key=[REDACTED]"] },
    });
  });

  it("leaves alone strings that only look secret when read together", () => {
    const payload = { a: "http://user:", b: "password123@host", c: "Bearer" };
    expect(formatJsonlLine({ kind: "k", ts: "T", payload })).toBe(
      JSON.stringify({ ts: "T", kind: "k", ...payload }),
    );
  });

  it("keeps lines whole with lone surrogates and line separators in strings", () => {
    writer().append({ kind: "k", payload: { s: "a\ud800b\u2028c\r\n" } });
    const result = readJsonlFile(path);
    expect(result.malformed).toEqual([]);
    expect(result.records[0]?.s).toBe("a\ud800b\u2028c\r\n");
  });

  it("repairs a torn last line so the fragment stays its own line and the new one is whole", () => {
    const w = writer();
    w.append({ kind: "first" });
    // Another writer crashed half-way through its line.
    writeFileSync(path, `${readFileSync(path, "utf8")}{"kind":"torn","pa`);
    w.append({ kind: "after" });
    const result = readJsonlFile(path);
    expect(result.records.map((r) => r.kind)).toEqual(["first", "after"]);
    expect(result.malformed).toHaveLength(1);
    expect(result.malformed[0]).toMatchObject({ line: 2, excerpt: '{"kind":"torn","pa' });
    expect(readFileSync(path, "utf8").endsWith("\n")).toBe(true);
  });

  it("repairs a torn file it opens for the first time", () => {
    const w = writer();
    writeFileSync(path, '{"kind":"ok"}\n{"kind":"to');
    w.append({ kind: "after", ts: "T" });
    expect(readFileSync(path, "utf8")).toBe(
      '{"kind":"ok"}\n{"kind":"to\n{"ts":"T","kind":"after"}\n',
    );
  });

  it("repairs a torn last line before rotating it away", () => {
    const w = writer({ maxBytes: 40, keepArchives: 5 });
    writeFileSync(path, '{"kind":"ok"}\n{"kind":"to');
    w.append({ kind: "after", ts: "T" });
    const [archive] = listArchives(path);
    expect(readFileSync(archive!.path, "utf8")).toBe('{"kind":"ok"}\n{"kind":"to\n');
    expect(readFileSync(path, "utf8")).toBe('{"ts":"T","kind":"after"}\n');
  });

  it("rotates before a line would pass maxBytes, keeping every line in order", () => {
    const w = writer({ maxBytes: 500, keepArchives: 100 });
    for (let n = 0; n < 100; n++) w.append({ kind: "line", payload: { n } });
    const archives = listArchives(path);
    expect(archives.length).toBeGreaterThan(5);
    for (const file of [...archives.map((a) => a.path), path]) {
      expect(statSync(file).size).toBeLessThanOrEqual(500);
      expect(readFileSync(file, "utf8").endsWith("\n")).toBe(true);
    }
    const stream = readStream();
    expect(stream.malformed).toBe(0);
    expect(stream.records.map((r) => r.n)).toEqual([...Array(100).keys()]);
  });

  it("gives every rotation in the same millisecond its own name", () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 20, 14, 2, 11, 123));
    const w = writer({ clock, maxBytes: 1, keepArchives: 100 });
    for (let n = 0; n < 25; n++) w.append({ kind: "line", payload: { n } });
    const names = listArchives(path).map((a) => basename(a.path));
    expect(names).toHaveLength(24);
    expect(new Set(names).size).toBe(24);
    expect(names[0]).toBe("events.20261120T140211123Z-1.jsonl");
    expect(names[23]).toBe("events.20261120T140211123Z-24.jsonl");
    expect(readStream().records.map((r) => r.n)).toEqual([...Array(25).keys()]);
  });

  it("keeps only the newest archives", () => {
    const clock = new ManualClock();
    const w = writer({ clock, maxBytes: 1, keepArchives: 5 });
    for (let n = 0; n < 30; n++) {
      w.append({ kind: "line", payload: { n } });
      clock.advance(1);
    }
    expect(listArchives(path)).toHaveLength(5);
    expect(readStream().records.map((r) => r.n)).toEqual([24, 25, 26, 27, 28, 29]);
  });

  it("writes a line larger than maxBytes whole, into a file of its own", () => {
    const w = writer({ maxBytes: 100, keepArchives: 10 });
    w.append({ kind: "small" });
    w.append({ kind: "big", payload: { pad: "x".repeat(300) } });
    w.append({ kind: "small" });
    expect(readStream().records.map((r) => r.kind)).toEqual(["small", "big", "small"]);
    expect(listArchives(path)).toHaveLength(2);
  });

  it("follows another writer's rotation instead of writing into the archive", () => {
    const a = writer({ maxBytes: 200, keepArchives: 10 });
    const b = writer({ maxBytes: 200, keepArchives: 10 });
    a.append({ kind: "a0" });
    for (let n = 0; n < 10; n++) b.append({ kind: "b", payload: { n } });
    a.append({ kind: "a1" });
    const current = readJsonlFile(path).records.map((r) => r.kind);
    expect(current.at(-1)).toBe("a1");
    expect(readStream().records.map((r) => r.kind)).toEqual(["a0", ...Array(10).fill("b"), "a1"]);
  });

  it("recreates the stream if it is deleted, and reopens after close", () => {
    const w = writer();
    w.append({ kind: "one" });
    unlinkSync(path);
    w.append({ kind: "two" });
    w.close();
    w.append({ kind: "three" });
    expect(readJsonlFile(path).records.map((r) => r.kind)).toEqual(["two", "three"]);
    w.close();
    expect(readdirSync(dirname(path))).toEqual(["events.jsonl"]);
  });
});
