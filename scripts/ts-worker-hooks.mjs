// Module hooks for worker threads started from the TypeScript sources (under vitest): Node 20
// cannot run TypeScript, and the sources import each other as built (`./x.js`). Registered
// by ts-worker-loader.mjs (see src/shared/module-worker.ts); never involved once built.
//
// Every worker has hooks of its own, and loading TypeScript takes most of a second: what it
// compiles is kept in a cache directory, by file and modification time, so it loads only
// when a source changed.
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const cacheDir = join(tmpdir(), `forge-loop-ts-worker-${process.getuid?.() ?? "user"}`);

/** `./x.js` that does not exist, next to its source `./x.ts`: the source. */
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    if (err?.code !== "ERR_MODULE_NOT_FOUND" || !specifier.endsWith(".js")) throw err;
    return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
  }
}

/** A `.ts` module, compiled alone (types are dropped, never checked: tsc does that). */
export async function load(url, context, nextLoad) {
  if (!url.endsWith(".ts")) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const { mtimeMs, size } = await stat(path);
  const cached = join(
    cacheDir,
    `${createHash("sha1").update(`${path}:${mtimeMs}:${size}`).digest("hex")}.js`,
  );
  let source = await readFile(cached, "utf8").catch(() => undefined);
  if (source === undefined) {
    source = await compile(path, url);
    await mkdir(cacheDir, { recursive: true });
    // Written aside and renamed: a worker reading it at the same time never sees half a file.
    const aside = `${cached}.${process.pid}.${Date.now()}`;
    await writeFile(aside, source);
    await rename(aside, cached);
  }
  return { format: "module", source, shortCircuit: true };
}

async function compile(path, url) {
  const { default: ts } = await import("typescript");
  const { outputText } = ts.transpileModule(await readFile(path, "utf8"), {
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
    },
    fileName: url,
  });
  return outputText;
}
