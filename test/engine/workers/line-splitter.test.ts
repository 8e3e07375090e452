import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Line, LineSplitter } from "../../../src/engine/workers/line-splitter.js";

function splitAll(chunks: Uint8Array[], maxBytes = 1024): Line[] {
  const splitter = new LineSplitter(maxBytes);
  const lines = chunks.flatMap((chunk) => splitter.push(chunk));
  const last = splitter.end();
  return last ? [...lines, last] : lines;
}

/** Cuts `bytes` at the given (sorted, deduplicated) offsets. */
function cut(bytes: Uint8Array, offsets: number[]): Uint8Array[] {
  const points = [...new Set(offsets.map((o) => o % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  return chunks;
}

describe("LineSplitter", () => {
  it("yields the same lines however the stream is chunked", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ unit: "grapheme", maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, "")),
          {
            maxLength: 20,
          },
        ),
        fc.array(fc.nat(), { maxLength: 30 }),
        (texts, offsets) => {
          const bytes = Buffer.from(texts.map((t) => `${t}\n`).join(""));
          const lines = splitAll(cut(bytes, offsets));
          expect(lines.map((l) => l.text)).toEqual(texts);
          expect(lines.every((l) => !l.truncated)).toBe(true);
        },
      ),
    );
  });

  it("keeps a multi-byte character whole when a chunk boundary falls inside it", () => {
    const bytes = Buffer.from("héllo 🌍 wörld\n");
    for (let at = 1; at < bytes.length; at++) {
      expect(splitAll([bytes.subarray(0, at), bytes.subarray(at)])[0]?.text).toBe("héllo 🌍 wörld");
    }
  });

  it("strips CRLF line endings and returns an unterminated last line at the end", () => {
    const lines = splitAll([Buffer.from("a\r\nb\r\n\r\nlast")]);
    expect(lines.map((l) => l.text)).toEqual(["a", "b", "", "last"]);
    expect(lines.map((l) => l.bytes)).toEqual([1, 1, 0, 4]);
  });

  it("returns nothing at the end when the stream ended on a newline", () => {
    const splitter = new LineSplitter(16);
    expect(splitter.push(Buffer.from("x\n"))).toHaveLength(1);
    expect(splitter.end()).toBeUndefined();
  });

  it("keeps only the first maxBytes of a long line and counts the rest", () => {
    const splitter = new LineSplitter(100);
    const block = Buffer.alloc(64 * 1024, 0x61);
    const lines: Line[] = [];
    for (let i = 0; i < 160; i++) lines.push(...splitter.push(block)); // 10 MiB, one line
    lines.push(...splitter.push(Buffer.from("tail\nnext\n")));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toEqual({
      text: "a".repeat(100),
      bytes: 160 * 64 * 1024 + 4,
      truncated: true,
    });
    expect(lines[1]).toEqual({ text: "next", bytes: 4, truncated: false });
  });

  it("decodes invalid UTF-8 to replacement characters instead of failing", () => {
    const lines = splitAll([Buffer.from([0xff, 0xfe, 0x41, 0xc3, 0x28, 0x0a])]);
    expect(lines[0]?.text).toBe("\ufffd\ufffdA\ufffd(");
  });

  it("never throws and never returns more than maxBytes of text per line", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 10 }),
        fc.integer({ min: 1, max: 64 }),
        (chunks, max) => {
          for (const line of splitAll(chunks, max)) {
            expect(Buffer.byteLength(line.text)).toBeLessThanOrEqual(max * 3); // U+FFFD is 3 bytes
            expect(line.truncated).toBe(line.bytes > max);
          }
        },
      ),
    );
  });
});
