import { spawn } from "node:child_process";
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listArchives } from "../../../src/store/jsonl/archives.js";
import {
  JsonlTailer,
  type JsonlTailerOptions,
  type TailBatch,
} from "../../../src/store/jsonl/tailer.js";
import { JsonlWriter } from "../../../src/store/jsonl/writer.js";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const stopChild = fileURLToPath(new URL("./fixtures/tail-then-stop.mjs", import.meta.url));

let dir: string;
let path: string;
let tailers: JsonlTailer[];
let writers: JsonlWriter[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "jsonl-tailer-"));
  path = join(dir, "events.jsonl");
  tailers = [];
  writers = [];
});
afterEach(() => {
  for (const t of tailers) t.stop();
  for (const w of writers) w.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Follow {
  batches: TailBatch[];
  errors: unknown[];
  records(): Record<string, unknown>[];
  tailer: JsonlTailer;
}

function follow(options: Partial<JsonlTailerOptions> = {}, at = path): Follow {
  const batches: TailBatch[] = [];
  const errors: unknown[] = [];
  const tailer = new JsonlTailer(at, {
    pollMs: 200,
    onBatch: (batch) => batches.push(batch),
    onError: (err) => errors.push(err),
    ...options,
  });
  tailers.push(tailer);
  tailer.start();
  return { batches, errors, records: () => batches.flatMap((b) => b.records), tailer };
}

function writer(options: ConstructorParameters<typeof JsonlWriter>[1] = {}): JsonlWriter {
  const w = new JsonlWriter(path, options);
  writers.push(w);
  return w;
}

/** Liveness only: generous, never a speed claim. */
async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

describe("JsonlTailer", () => {
  it("delivers what is there and then each append, in order", async () => {
    const w = writer();
    w.append({ kind: "existing" });
    const f = follow();
    await until(() => f.records().length === 1, "the existing line");
    for (let n = 0; n < 20; n++) {
      w.append({ kind: "new", payload: { n } });
      if (n % 5 === 0) await settle();
    }
    await until(() => f.records().length === 21, "the appended lines");
    expect(f.records().map((r) => r.n ?? r.kind)).toEqual(["existing", ...Array(20).keys()]);
    expect(f.errors).toEqual([]);
    expect(f.batches.at(-1)?.endOffset).toBe(readFileSync(path).length);
  });

  it("from the end, delivers only lines completed after start, the pending one included", async () => {
    writeFileSync(path, '{"kind":"old"}\n{"kind":"pend');
    const f = follow({ from: "end" });
    await settle();
    appendFileSync(path, 'ing"}\n{"kind":"new"}\n');
    await until(() => f.records().length === 2, "two lines");
    expect(f.records().map((r) => r.kind)).toEqual(["pending", "new"]);
    expect(f.batches.flatMap((b) => b.malformed)).toEqual([]);
  });

  it("holds a partial line until its newline arrives", async () => {
    writeFileSync(path, "");
    const f = follow();
    appendFileSync(path, '{"a":1}\n{"b":');
    await until(() => f.records().length === 1, "the complete line");
    await settle();
    expect(f.records()).toEqual([{ a: 1 }]);
    appendFileSync(path, "2}\n");
    await until(() => f.records().length === 2, "the completed line");
    expect(f.records()).toEqual([{ a: 1 }, { b: 2 }]);
    expect(f.batches.flatMap((b) => b.malformed)).toEqual([]);
  });

  it("reports malformed lines with their place and keeps going", async () => {
    writeFileSync(path, '{"a":1}\nnot json\n[1]\n{"b":2}\n');
    const f = follow();
    await until(() => f.records().length === 2, "the records");
    expect(f.batches.flatMap((b) => b.malformed).map((m) => [m.line, m.offset])).toEqual([
      [2, 8],
      [3, 17],
    ]);
  });

  it("restarts from 0 when the file is truncated, and says so", async () => {
    writeFileSync(path, '{"kind":"one"}\n{"kind":"two"}\n');
    const f = follow();
    await until(() => f.records().length === 2, "the first lines");
    writeFileSync(path, '{"kind":"x"}\n');
    await until(() => f.records().length === 3, "the line after truncation");
    expect(f.records().map((r) => r.kind)).toEqual(["one", "two", "x"]);
    expect(f.batches.at(-1)?.reset).toBe("truncated");
  });

  it("treats a start offset past the end as truncation", async () => {
    writeFileSync(path, '{"kind":"one"}\n');
    const f = follow({ from: { offset: 1000 } });
    await until(() => f.records().length === 1, "the line");
    expect(f.batches[0]?.reset).toBe("truncated");
  });

  it("follows rotation: finishes the old file, then the new one from its start", async () => {
    const w = writer({ maxBytes: 400, keepArchives: 50 });
    const f = follow();
    for (let n = 0; n < 60; n++) {
      w.append({ kind: "line", payload: { n } });
      if (n % 7 === 0) await until(() => f.records().length === n + 1, `line ${n}`);
    }
    await until(() => f.records().length === 60, "every line");
    expect(f.records().map((r) => r.n)).toEqual([...Array(60).keys()]);
    expect(f.batches.filter((b) => b.reset === "rotated").length).toBeGreaterThan(2);
    expect(f.batches.flatMap((b) => b.malformed)).toEqual([]);
  });

  it("catches up on several rotations that happened between two looks", async () => {
    const w = writer({ maxBytes: 300, keepArchives: 50 });
    w.append({ kind: "line", payload: { n: 0 } });
    const f = follow();
    await until(() => f.records().length === 1, "the first line");
    // One synchronous burst: the tailer cannot look until every rotation is done.
    for (let n = 1; n < 100; n++) w.append({ kind: "line", payload: { n } });
    expect(listArchives(path).length).toBeGreaterThan(10);
    await until(() => f.records().length === 100, "every line");
    expect(f.records().map((r) => r.n)).toEqual([...Array(100).keys()]);
  });

  it("waits for a file, and a directory, that do not exist yet", async () => {
    const later = join(dir, "not-yet", "events.jsonl");
    const f = follow({ pollMs: 50 }, later);
    await settle();
    const w = new JsonlWriter(later);
    writers.push(w);
    w.append({ kind: "first" });
    await until(() => f.records().length === 1, "the first line");
    w.append({ kind: "second" });
    await until(() => f.records().length === 2, "the second line");
    expect(f.errors).toEqual([]);
  });

  it("reports an error thrown by the callback and keeps delivering", async () => {
    const seen: string[] = [];
    const errors: unknown[] = [];
    const tailer = new JsonlTailer(path, {
      onBatch: (batch) => {
        for (const r of batch.records) seen.push(String(r.kind));
        if (seen.length === 1) throw new Error("consumer bug");
      },
      onError: (err) => errors.push(err),
    });
    tailers.push(tailer);
    const w = writer();
    w.append({ kind: "a" });
    tailer.start();
    await until(() => seen.length === 1, "the first line");
    w.append({ kind: "b" });
    await until(() => seen.length === 2, "the second line");
    expect(errors).toEqual([new Error("consumer bug")]);
  });

  it("delivers nothing after stop()", async () => {
    const w = writer();
    const f = follow({ pollMs: 20 });
    w.append({ kind: "a" });
    await until(() => f.records().length === 1, "the line");
    f.tailer.stop();
    w.append({ kind: "b" });
    await settle();
    expect(f.records().map((r) => r.kind)).toEqual(["a"]);
  });

  describe("stop() leaves no handles", () => {
    const dist = join(repo, "dist");
    function runChild(mode: string): Promise<{ exited: boolean; stdout: string; stderr: string }> {
      if (!existsSync(join(dist, "store/jsonl/tailer.js"))) {
        throw new Error(
          `${dist}/store/jsonl/tailer.js is missing: build with "npx tsc -p tsconfig.build.json" (npm test builds before vitest runs).`,
        );
      }
      const child = spawn(process.execPath, [stopChild, dist, path, mode]);
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => {
        stdout += d.toString();
      });
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      return new Promise((resolve) => {
        const timer = setTimeout(
          () => {
            child.kill("SIGKILL");
            resolve({ exited: false, stdout, stderr });
          },
          mode === "keep-running" ? 2_000 : 15_000,
        );
        child.once("exit", (code) => {
          clearTimeout(timer);
          resolve({ exited: code === 0, stdout, stderr });
        });
      });
    }

    it("lets the process exit by itself once stopped", async () => {
      const result = await runChild("stop");
      expect(result).toEqual({ exited: true, stdout: "delivered\n", stderr: "" });
    });

    it("(control) a running tailer does keep the process alive", async () => {
      const result = await runChild("keep-running");
      expect(result).toEqual({ exited: false, stdout: "delivered\n", stderr: "" });
    });
  });
});
