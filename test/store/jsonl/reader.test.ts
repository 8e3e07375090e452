import { isUtf8 } from "node:buffer";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { emptyBatch, JsonlLineParser, MAX_DEPTH } from "../../../src/store/jsonl/line-parser.js";
import {
  type JsonlReadResult,
  parseJsonl,
  readJsonlFile,
  readTail,
  streamJsonlFile,
} from "../../../src/store/jsonl/reader.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "jsonl-reader-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function fileWith(content: string | Uint8Array, name = "events.jsonl"): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe("parseJsonl", () => {
  it("returns objects in order, skips blank lines, tolerates CRLF", () => {
    const result = parseJsonl('{"a":1}\r\n\n   \r\n{"b":"x"}\n\t\n{"c":[1,{"d":null}]}\r\n');
    expect(result.records).toEqual([{ a: 1 }, { b: "x" }, { c: [1, { d: null }] }]);
    expect(result.malformed).toEqual([]);
  });

  it("reports every non-object JSON value with its line, offset and kind", () => {
    const input = '[1,2]\n42\nnull\n"text"\ntrue\n{"ok":1}\n';
    const result = parseJsonl(input);
    expect(result.records).toEqual([{ ok: 1 }]);
    expect(result.malformed.map((m) => [m.line, m.offset, m.reason])).toEqual([
      [1, 0, "not an object: an array"],
      [2, 6, "not an object: a number"],
      [3, 9, "not an object: null"],
      [4, 14, "not an object: a string"],
      [5, 21, "not an object: a boolean"],
    ]);
  });

  it("reports lines that are not JSON with an excerpt and keeps going", () => {
    const result = parseJsonl('{"a":1}\n{"a":\nnot json at all\n{"b":2}\n');
    expect(result.records).toEqual([{ a: 1 }, { b: 2 }]);
    expect(result.malformed).toHaveLength(2);
    expect(result.malformed[0]).toMatchObject({ line: 2, offset: 8, excerpt: '{"a":' });
    expect(result.malformed[0]?.reason).toMatch(/^not JSON: /);
    expect(result.malformed[1]).toMatchObject({ line: 3, excerpt: "not json at all" });
  });

  it("reports invalid UTF-8, showing the bytes leniently decoded", () => {
    const bad = Buffer.concat([
      Buffer.from('{"a":1}\n{"b":"'),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('"}\n{"c":3}\n'),
    ]);
    const result = parseJsonl(bad);
    expect(result.records).toEqual([{ a: 1 }, { c: 3 }]);
    expect(result.malformed).toEqual([
      { line: 2, offset: 8, reason: "invalid UTF-8", excerpt: '{"b":"\ufffd\ufffd\ufffd"}' },
    ]);
  });

  it("treats an unterminated last line as torn unless asked to hold it", () => {
    const input = '{"a":1}\n{"b":';
    const final = parseJsonl(input);
    expect(final.records).toEqual([{ a: 1 }]);
    expect(final.malformed[0]?.reason).toMatch(/no newline/);
    expect(final.endOffset).toBe(Buffer.byteLength(input));

    const held = parseJsonl(input, { holdPartialLine: true });
    expect(held.records).toEqual([{ a: 1 }]);
    expect(held.malformed).toEqual([]);
    expect(held.endOffset).toBe(8);

    // A complete object without its newline (a hand-written file) is still a record.
    expect(parseJsonl('{"a":1}\n{"b":2}').records).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it("reports absurd nesting instead of returning a record that would overflow consumers", () => {
    const depth = 100_000;
    const deepObject = `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
    const deepArray = `{"x":${"[".repeat(depth)}${"]".repeat(depth)}}`;
    const justDeepEnough = `${'{"a":'.repeat(MAX_DEPTH - 1)}{}${"}".repeat(MAX_DEPTH - 1)}`;
    const result = parseJsonl(`${deepObject}\n${deepArray}\n${justDeepEnough}\n{"ok":1}\n`, {
      maxLineBytes: 16 * 1024 * 1024,
    });
    expect(result.malformed.map((m) => m.reason)).toEqual([
      `nested deeper than ${MAX_DEPTH} levels`,
      `nested deeper than ${MAX_DEPTH} levels`,
    ]);
    expect(result.records).toHaveLength(2);
    expect(result.records[1]).toEqual({ ok: 1 });
  });

  it("escapes control characters and redacts secrets in excerpts and reasons", () => {
    const token = `ghp_${"A".repeat(36)}`;
    const result = parseJsonl(`\u001b[31mred ${token} \u0007\n`);
    const [bad] = result.malformed;
    expect(bad?.excerpt).toBe("\\u001b[31mred [REDACTED] \\u0007");
    expect(bad?.reason).not.toMatch(/\u001b/);
    expect(JSON.stringify(result.malformed)).not.toContain(token);
  });

  it("reports a line over maxLineBytes as too long with a short excerpt", () => {
    const long = `{"pad":"${"x".repeat(500)}"}`;
    const result = parseJsonl(`{"a":1}\n${long}\n{"b":2}\n`, { maxLineBytes: 100 });
    expect(result.records).toEqual([{ a: 1 }, { b: 2 }]);
    expect(result.malformed).toEqual([
      {
        line: 2,
        offset: 8,
        reason: `line is ${long.length} bytes, over the 100-byte limit`,
        excerpt: long.slice(0, 80),
      },
    ]);
  });
});

describe("readJsonlFile", () => {
  it("reads from an offset and reports where to resume", () => {
    const path = fileWith('{"a":1}\n{"b":2}\n{"c":');
    const first = readJsonlFile(path, { holdPartialLine: true });
    expect(first.records).toEqual([{ a: 1 }, { b: 2 }]);
    expect(first.endOffset).toBe(16);
    writeFileSync(path, '{"a":1}\n{"b":2}\n{"c":3}\n');
    const next = readJsonlFile(path, { fromOffset: first.endOffset });
    expect(next.records).toEqual([{ c: 3 }]);
    expect(next.endOffset).toBe(24);
  });

  it("reports a 10 MB line as too long and keeps the lines around it", () => {
    const huge = `{"blob":"${"y".repeat(10 * 1024 * 1024)}"}`;
    const path = fileWith(`{"a":1}\n${huge}\n{"b":2}\n`);
    const result = readJsonlFile(path);
    expect(result.records).toEqual([{ a: 1 }, { b: 2 }]);
    expect(result.malformed).toHaveLength(1);
    expect(result.malformed[0]?.reason).toBe(
      `line is ${huge.length} bytes, over the ${1024 * 1024}-byte limit`,
    );
    expect(result.malformed[0]?.excerpt).toBe(huge.slice(0, 80));
  });

  it("throws a plain I/O error for a missing file", () => {
    expect(() => readJsonlFile(join(dir, "absent.jsonl"))).toThrow(/ENOENT/);
  });
});

describe("streamJsonlFile", () => {
  it("yields the same records and malformed lines as a whole-file read, chunk by chunk", async () => {
    const huge = `{"blob":"${"z".repeat(300_000)}"}`;
    const lines = [];
    for (let i = 0; i < 2000; i++) lines.push(i % 97 === 0 ? "garbage" : JSON.stringify({ i }));
    lines.splice(1000, 0, huge);
    const path = fileWith(`${lines.join("\n")}\n{"torn":`);
    const whole = readJsonlFile(path, { maxLineBytes: 100_000 });
    const streamed: JsonlReadResult = { records: [], malformed: [], endOffset: 0 };
    let batches = 0;
    for await (const batch of streamJsonlFile(path, { maxLineBytes: 100_000, chunkBytes: 4096 })) {
      streamed.records.push(...batch.records);
      streamed.malformed.push(...batch.malformed);
      streamed.endOffset = batch.endOffset;
      batches++;
    }
    expect(batches).toBeGreaterThan(5);
    expect(streamed).toEqual(whole);
    expect(whole.malformed.some((m) => m.reason.startsWith("line is 300011 bytes"))).toBe(true);
  });
});

describe("line numbers (lineNumbers)", () => {
  it("give each record its line, past blank, malformed, overlong and CRLF lines, in every reader", () => {
    const body = `{"i":1}\n\n  \ngarbage\r\n{"i":2}\r\n{"big":"${"x".repeat(300)}"}\n{"i":3}\n{"i":4}`;
    const path = fileWith(body);
    const options = { lineNumbers: true, maxLineBytes: 100 };
    const expected = {
      records: [{ i: 1 }, { i: 2 }, { i: 3 }, { i: 4 }],
      recordLines: [1, 5, 7, 8],
    };
    expect(parseJsonl(body, options)).toMatchObject(expected);
    expect(readJsonlFile(path, options)).toMatchObject(expected);
    const streamed = { records: [] as unknown[], recordLines: [] as number[] };
    for (const batch of streamJsonlFile(path, { ...options, chunkBytes: 7 })) {
      streamed.records.push(...batch.records);
      streamed.recordLines.push(...(batch.recordLines ?? []));
    }
    expect(streamed).toEqual(expected);
    expect(readJsonlFile(path).recordLines).toBeUndefined();
  });
});

describe("readTail", () => {
  it("returns the last records and the offset a tailer should resume from", () => {
    const lines = Array.from({ length: 1000 }, (_, i) => JSON.stringify({ i }));
    const path = fileWith(`${lines.join("\n")}\n{"partial":`);
    const tail = readTail(path, 3);
    expect(tail.records).toEqual([{ i: 997 }, { i: 998 }, { i: 999 }]);
    expect(tail.malformed).toEqual([]);
    expect(tail.endOffset).toBe(Buffer.byteLength(`${lines.join("\n")}\n`));
    expect(tail.startOffset).toBe(Buffer.byteLength(`${lines.slice(0, 997).join("\n")}\n`));
  });

  it("widens the window past blank and malformed lines", () => {
    const path = fileWith('{"i":1}\n{"i":2}\n\n\ngarbage\n[1]\n\n{"i":3}\n');
    const tail = readTail(path, 2);
    expect(tail.records).toEqual([{ i: 2 }, { i: 3 }]);
    expect(tail.malformed.map((m) => m.excerpt)).toEqual(["garbage", "[1]"]);
  });

  it("handles files with no complete line, and zero requested records", () => {
    expect(readTail(fileWith(""), 5)).toEqual({
      records: [],
      malformed: [],
      startOffset: 0,
      endOffset: 0,
    });
    expect(readTail(fileWith('{"a":'), 5).endOffset).toBe(0);
    expect(readTail(fileWith('{"a":1}\n'), 0).records).toEqual([]);
  });

  it("skips a line too long to parse while reading backwards", () => {
    const huge = `{"blob":"${"q".repeat(200_000)}"}`;
    const path = fileWith(`{"i":1}\n${huge}\n{"i":2}\n`);
    const tail = readTail(path, 2, { maxLineBytes: 1000 });
    expect(tail.records).toEqual([{ i: 1 }, { i: 2 }]);
    expect(tail.malformed).toHaveLength(1);
    expect(tail.malformed[0]?.offset).toBe(8);
  });
});

// --- Properties -------------------------------------------------------------------------

const WHITESPACE = new Set([0x20, 0x09, 0x0d]);

/** An independent oracle: split on "\n", a line is blank when only JSON whitespace. */
function oracle(bytes: Uint8Array): { nonBlank: number; records: unknown[] } {
  const buf = Buffer.from(bytes);
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] === 0x0a) {
      lines.push(buf.subarray(start, i));
      start = i + 1;
    }
  }
  if (start < buf.length) lines.push(buf.subarray(start));
  let nonBlank = 0;
  const records: unknown[] = [];
  for (const line of lines) {
    if ([...line].every((b) => WHITESPACE.has(b))) continue;
    nonBlank++;
    if (!isUtf8(line)) continue;
    try {
      const value: unknown = JSON.parse(line.toString("utf8"));
      if (value !== null && typeof value === "object" && !Array.isArray(value)) {
        records.push(value);
      }
    } catch {
      // malformed
    }
  }
  return { nonBlank, records };
}

/** Bytes biased towards the characters JSONL is made of, plus invalid UTF-8. */
const jsonlishBytes = fc
  .array(
    fc.oneof(
      fc.uint8Array({ maxLength: 12 }),
      fc.constantFrom(
        "\n",
        "\r\n",
        "{",
        "}",
        '"',
        ":",
        ",",
        "[",
        "]",
        " ",
        '{"a":1}',
        '{"k":"v"}\n',
        "null",
        "é",
        "\u2028",
      ),
      fc.constantFrom([0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf0, 0x9f, 0x98, 0x80]),
    ),
    { maxLength: 60 },
  )
  .map((parts) =>
    Buffer.concat(
      parts.map((p) =>
        typeof p === "string" ? Buffer.from(p) : Buffer.from(p as ArrayLike<number>),
      ),
    ),
  );

const jsonObject = fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 });

/** Lines that are each a JSON object, or garbage without a newline; LF or CRLF endings. */
const mixedLines = fc.array(
  fc.oneof(
    jsonObject.map((o) => ({
      object: JSON.parse(JSON.stringify(o)) as unknown,
      text: JSON.stringify(o),
    })),
    fc.uint8Array({ maxLength: 30 }).map((b) => ({
      object: undefined,
      text: Buffer.from(b.filter((x) => x !== 0x0a)),
    })),
  ),
  { maxLength: 30 },
);

function joinLines(lines: { text: string | Buffer }[], crlf: boolean): Buffer {
  return Buffer.concat(
    lines.map((l) => Buffer.concat([Buffer.from(l.text), Buffer.from(crlf ? "\r\n" : "\n")])),
  );
}

function parseInChunks(bytes: Uint8Array, cuts: number[], maxLineBytes?: number): JsonlReadResult {
  const parser = new JsonlLineParser(maxLineBytes === undefined ? {} : { maxLineBytes });
  const out = emptyBatch();
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const point of [...points, bytes.length]) {
    parser.push(bytes.subarray(from, point), out);
    from = point;
  }
  parser.end(out);
  return { ...out, endOffset: parser.offset };
}

describe("reader properties", () => {
  it("never throws on arbitrary bytes, and every non-blank line is a record or malformed", () => {
    fc.assert(
      fc.property(fc.oneof(jsonlishBytes, fc.uint8Array({ maxLength: 400 })), (bytes) => {
        const result = parseJsonl(bytes);
        const expected = oracle(bytes);
        expect(result.records.length + result.malformed.length).toBe(expected.nonBlank);
        expect(result.records).toEqual(expected.records);
        expect(result.endOffset).toBe(bytes.length);
      }),
      { numRuns: 2000 },
    );
  });

  it("returns every complete valid object line, in order", () => {
    fc.assert(
      fc.property(mixedLines, fc.boolean(), (lines, crlf) => {
        const result = parseJsonl(joinLines(lines, crlf));
        const wanted = lines.filter((l) => l.object !== undefined).map((l) => l.object);
        // Garbage can happen to be an object too ("{}"): the wanted ones form a subsequence.
        let at = 0;
        for (const record of result.records) {
          if (at < wanted.length && JSON.stringify(record) === JSON.stringify(wanted[at])) at++;
        }
        expect(at).toBe(wanted.length);
        const nonBlank = lines.filter((l) =>
          [...Buffer.from(l.text)].some((b) => !WHITESPACE.has(b)),
        );
        expect(result.records.length + result.malformed.length).toBe(nonBlank.length);
      }),
      { numRuns: 1000 },
    );
  });

  it("gives the same result however the bytes are split into chunks", () => {
    fc.assert(
      fc.property(
        jsonlishBytes,
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
        (bytes, cuts, maxLineBytes) => {
          const options = maxLineBytes === undefined ? {} : { maxLineBytes };
          expect(parseInChunks(bytes, cuts, maxLineBytes)).toEqual(parseJsonl(bytes, options));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("readTail returns exactly the last records of a whole read", () => {
    let run = 0;
    fc.assert(
      fc.property(mixedLines, fc.nat({ max: 12 }), jsonlishBytes, (lines, n, trailer) => {
        const path = fileWith(
          Buffer.concat([joinLines(lines, false), trailer]),
          `tail-${run++}.jsonl`,
        );
        const whole = readJsonlFile(path, { holdPartialLine: true });
        const tail = readTail(path, n);
        expect(tail.records).toEqual(n === 0 ? [] : whole.records.slice(-n));
        expect(tail.endOffset).toBe(whole.endOffset);
      }),
      { numRuns: 300 },
    );
  });
});
