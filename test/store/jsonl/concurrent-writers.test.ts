/**
 * Eight real processes append to one stream at once, through the compiled writer, with
 * rotation forced by a tiny maxBytes and every rotation in the same millisecond. Then every
 * (writer, n) must be found exactly once across the archives and the current file, and no
 * line may be malformed. A positive control shows the same check catches torn,
 * interleaved, duplicated and missing lines.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { archiveStamp, listArchives } from "../../../src/store/jsonl/archives.js";
import { readJsonlFile } from "../../../src/store/jsonl/reader.js";
import { formatJsonlLine } from "../../../src/store/jsonl/writer.js";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const distWriter = join(repo, "dist/store/jsonl/writer.js");
const childScript = fileURLToPath(new URL("./fixtures/append-lines.mjs", import.meta.url));

const WRITERS = 8;
const LINES = 3000;
const MAX_BYTES = 16 * 1024;
const CLOCK_MS = Date.UTC(2026, 10, 20, 14, 2, 11, 123);

beforeAll(() => {
  if (!existsSync(distWriter)) {
    throw new Error(
      `${distWriter} is missing: the child processes run the compiled writer. Build it with "npx tsc -p tsconfig.build.json" (npm test builds before vitest runs).`,
    );
  }
  for (const source of ["writer.ts", "lock.ts", "archives.ts"]) {
    const src = join(repo, "src/store/jsonl", source);
    if (statSync(src).mtimeMs > statSync(distWriter).mtimeMs + 1000) {
      throw new Error(
        `${src} is newer than ${distWriter}: the children would run stale code. Rebuild with "npx tsc -p tsconfig.build.json".`,
      );
    }
  }
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "jsonl-concurrent-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface StreamCheck {
  problems: string[];
  /** How often consecutive lines come from different writers: proof the writers overlapped. */
  writerSwitches: number;
}

/** Every (writer, n) exactly once, in each writer's order, and nothing malformed. */
function checkStream(streamPath: string, writers: number, lines: number): StreamCheck {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  const lastN = new Map<number, number>();
  let previousWriter: number | undefined;
  let writerSwitches = 0;
  for (const file of [...listArchives(streamPath).map((a) => a.path), streamPath]) {
    const result = readJsonlFile(file);
    for (const bad of result.malformed) {
      problems.push(`${basename(file)}:${bad.line} malformed (${bad.reason}): ${bad.excerpt}`);
    }
    for (const record of result.records) {
      const { writer, n } = record as { writer?: unknown; n?: unknown };
      if (typeof writer !== "number" || typeof n !== "number") {
        problems.push(`${basename(file)}: unexpected record ${JSON.stringify(record)}`);
        continue;
      }
      const key = `${writer}:${n}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      if ((lastN.get(writer) ?? -1) >= n) problems.push(`writer ${writer} line ${n} out of order`);
      lastN.set(writer, n);
      if (previousWriter !== undefined && previousWriter !== writer) writerSwitches++;
      previousWriter = writer;
    }
  }
  for (let writer = 0; writer < writers; writer++) {
    for (let n = 0; n < lines; n++) {
      const count = seen.get(`${writer}:${n}`) ?? 0;
      if (count !== 1) problems.push(`writer ${writer} line ${n} seen ${count} times`);
    }
  }
  return { problems, writerSwitches };
}

function startWriter(streamPath: string, writerId: number): ChildProcess {
  return spawn(
    process.execPath,
    [
      childScript,
      distWriter,
      streamPath,
      String(writerId),
      String(LINES),
      String(MAX_BYTES),
      "100000",
      String(CLOCK_MS),
    ],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
}

function untilReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (data: Buffer) => {
      out += data.toString();
      if (out.includes("ready\n")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`writer exited (${code}) before it was ready`)));
  });
}

function untilExit(child: ChildProcess): Promise<void> {
  let stderr = "";
  child.stderr?.on("data", (data: Buffer) => {
    stderr += data.toString();
  });
  return new Promise((resolve, reject) => {
    child.once("exit", (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`writer failed (${code ?? signal}): ${stderr}`)),
    );
  });
}

describe("concurrent writers", () => {
  it("keeps every line of eight processes whole and accounted for across rotations", async () => {
    const streamPath = join(dir, "events.jsonl");
    const children = Array.from({ length: WRITERS }, (_, id) => startWriter(streamPath, id));
    const exits = children.map(untilExit);
    await Promise.all(children.map(untilReady));
    for (const child of children) child.stdin?.write("go\n");
    await Promise.all(exits);

    const check = checkStream(streamPath, WRITERS, LINES);
    expect(check.problems.slice(0, 20)).toEqual([]);
    expect(check.writerSwitches).toBeGreaterThan(2 * WRITERS);

    // Every rotation fell in the same millisecond: names are numbered 1..k with no gap,
    // so none was reused or overwritten, and no file grew past the limit.
    const archives = listArchives(streamPath);
    expect(archives.length).toBeGreaterThan(50);
    expect(archives.map((a) => basename(a.path))).toEqual(
      archives.map((_, i) => `events.${archiveStamp(CLOCK_MS)}-${i + 1}.jsonl`),
    );
    for (const file of [...archives.map((a) => a.path), streamPath]) {
      expect(statSync(file).size).toBeLessThanOrEqual(MAX_BYTES);
    }
    // Every writer closed: no lock and no lock tokens left behind.
    expect(readdirSync(dir).filter((name) => name.includes(".lock"))).toEqual([]);
  }, 180_000);

  describe("the check itself (positive control)", () => {
    const writers = 3;
    const lines = 50;
    const linesOf = (writer: number) =>
      Array.from({ length: lines }, (_, n) =>
        formatJsonlLine({ kind: "test.line", ts: "T", payload: { writer, n } }),
      );

    function streamOf(content: string[]): string {
      const streamPath = join(dir, "events.jsonl");
      writeFileSync(streamPath, `${content.join("\n")}\n`);
      return streamPath;
    }

    const intact = () => [...linesOf(0), ...linesOf(1), ...linesOf(2)];

    it("passes an intact stream", () => {
      expect(checkStream(streamOf(intact()), writers, lines).problems).toEqual([]);
    });

    it("fails a stream where one line was torn by another written into its middle", () => {
      const content = intact();
      const victim = content[10]!;
      const intruder = content.splice(80, 1)[0]!;
      content[10] = `${victim.slice(0, 15)}${intruder}\n${victim.slice(15)}`;
      const { problems } = checkStream(streamOf(content), writers, lines);
      expect(problems.some((p) => p.includes("malformed"))).toBe(true);
      expect(problems).toContain("writer 0 line 10 seen 0 times");
    });

    it("fails a stream with a duplicated or a missing line", () => {
      const duplicated = intact();
      duplicated.splice(5, 0, duplicated[30]!);
      expect(checkStream(streamOf(duplicated), writers, lines).problems).toContain(
        "writer 0 line 30 seen 2 times",
      );
      const missing = intact().filter((_, i) => i !== 120);
      expect(checkStream(streamOf(missing), writers, lines).problems).toEqual([
        "writer 2 line 20 seen 0 times",
      ]);
    });
  });
});
