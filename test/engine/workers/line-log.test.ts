import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LineLog } from "../../../src/engine/workers/line-log.js";
import { tempDirFactory } from "../../support/workers.js";

const tempDir = tempDirFactory();

describe("LineLog", () => {
  it("appends lines", async () => {
    const log = new LineLog(join(tempDir(), "t.jsonl"), 1024);
    await log.write("one");
    await log.write('{"two":2}');
    await log.close();
    expect(readFileSync(log.path, "utf8")).toBe('one\n{"two":2}\n');
  });

  it("drops lines over its budget and says how many", async () => {
    const log = new LineLog(join(tempDir(), "t.jsonl"), 10);
    for (const line of ["1234", "5678", "abcd", "efgh"]) await log.write(line);
    await log.close();
    const lines = readFileSync(log.path, "utf8").trim().split("\n");
    expect(lines.slice(0, 2)).toEqual(["1234", "5678"]);
    expect(JSON.parse(lines[2] as string)).toEqual({
      type: "forge-loop.log_limit",
      dropped_lines: 2,
      limit_bytes: 10,
    });
  });

  it("asks the writer to wait when the disk falls behind, so memory stays bounded", async () => {
    const log = new LineLog(join(tempDir(), "t.jsonl"), 64 * 1024 * 1024);
    const waits = [];
    for (let i = 0; i < 50; i++) {
      const pending = log.write("z".repeat(100_000));
      if (pending) waits.push(await pending);
    }
    await log.close();
    expect(waits.length).toBeGreaterThan(0);
    expect(readFileSync(log.path).length).toBe(50 * 100_001);
  });

  it("never fails the caller when the file cannot be written", async () => {
    const log = new LineLog(join(tempDir(), "missing-dir", "t.jsonl"), 1024);
    for (let i = 0; i < 5; i++) await log.write("line");
    await expect(log.close()).resolves.toBeUndefined();
  });
});
