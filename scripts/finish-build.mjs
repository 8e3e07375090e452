/**
 * After tsc: bundles the bin and the console over tsc's output of the same modules, and
 * marks the bin executable so `npx forge-loop` can run it directly.
 *
 * Why bundle: loading Ink, React and their dependencies one file at a time (some 600
 * modules, each resolved, read, and for CommonJS scanned by cjs-module-lexer) was most of
 * `forge-loop tui`'s cold start; one bundle loads in a fraction of that.
 * - The entries are the bin (`dist/cli.js`) and the console `tui` and `demo` load
 *   (`dist/ui/console.js`). What a command's action imports when it runs stays lazy:
 *   esbuild splits every dynamic import into a chunk (`dist/chunks/`) and puts code shared
 *   by chunks in chunks of its own, so a process still holds each module once.
 * - better-sqlite3 stays external: it loads its native addon from its own directory.
 *   react-devtools-core is not installed; Ink imports it only when DEV=true.
 * - Bundled CommonJS calls `require` for Node's built-in modules, which ES modules lack:
 *   each output file makes one.
 * - Our modules find files relative to themselves (`new URL("../../package.json",
 *   import.meta.url)`, the demo agent, a worker's module); in the bundle, their
 *   `import.meta.url` is where they are in the per-file build (scripts/built-module-url.mjs).
 * - Ink's frame output gets our `@alcalzone/ansi-tokenize` (src/ui/vendor/ansi-tokenize.ts),
 *   which returns the same text with far less garbage per frame.
 * - tsc's per-file output stays beside the bundle: the demo agent runs from it
 *   (`dist/engine/demo/agent.js`), and tests run its modules in child processes.
 */
import { chmodSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const src = fileURLToPath(new URL("../src/", import.meta.url));
const dist = fileURLToPath(new URL("../dist/", import.meta.url));

/** `import.meta.url` in our modules becomes their URL in the per-file build. */
const moduleUrls = {
  name: "module-urls",
  setup(bundle) {
    bundle.onLoad({ filter: /\.tsx?$/ }, async (args) => {
      if (!args.path.startsWith(src)) return undefined;
      const source = await readFile(args.path, "utf8");
      if (!source.includes("import.meta.url")) return undefined;
      const built = relative(src, args.path)
        .split(sep)
        .join("/")
        .replace(/\.tsx?$/, ".js");
      return {
        contents: source.replaceAll("import.meta.url", `builtModuleUrl(${JSON.stringify(built)})`),
        loader: args.path.endsWith(".tsx") ? "tsx" : "ts",
      };
    });
  },
};

/**
 * Ink's import of @alcalzone/ansi-tokenize goes to our module, which builds on the copy our
 * package depends on: the build stops if Ink would get another copy (a version ours was not
 * checked against).
 */
const inkAnsiTokenize = {
  name: "ink-ansi-tokenize",
  setup(bundle) {
    const ours = fileURLToPath(new URL("../src/ui/vendor/ansi-tokenize.ts", import.meta.url));
    const asIs = { skip: true };
    bundle.onResolve({ filter: /^@alcalzone\/ansi-tokenize$/ }, async (args) => {
      if (args.pluginData === asIs || !/[\\/]node_modules[\\/]ink[\\/]/.test(args.importer)) {
        return undefined;
      }
      const resolve = (resolveDir) =>
        bundle.resolve(args.path, { kind: args.kind, resolveDir, pluginData: asIs });
      const [inks, our] = await Promise.all([resolve(args.resolveDir), resolve(root)]);
      if (inks.path !== our.path) {
        return {
          errors: [{ text: `Ink uses ${inks.path}, not ${our.path}: check ${ours} against it` }],
        };
      }
      return { path: ours };
    });
  },
};

// Chunk names carry a content hash: clear the last build's, which nothing loads any more.
rmSync(`${dist}chunks`, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { cli: "src/cli.ts", "ui/console": "src/ui/console.ts" },
  outdir: dist,
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["better-sqlite3", "react-devtools-core"],
  banner: {
    js: 'import { createRequire as createRequireForBundle } from "node:module"; const require = createRequireForBundle(import.meta.url);',
  },
  sourcemap: true,
  sourcesContent: false,
  plugins: [moduleUrls, inkAnsiTokenize],
  inject: [fileURLToPath(new URL("./built-module-url.mjs", import.meta.url))],
  logLevel: "warning",
});
chmodSync(`${dist}cli.js`, 0o755);
