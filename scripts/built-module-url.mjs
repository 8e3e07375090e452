/**
 * `import.meta.url` of a module of ours inside the bundled bin (see finish-build.mjs): the
 * URL the module has in tsc's per-file build, `dist/<path>`. Bundled, a module's code lands
 * in whichever chunk esbuild puts it; what it finds relative to itself (package.json, the
 * bin, the demo agent, a worker's module) is where it is in the per-file build.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

let dist;

export function builtModuleUrl(path) {
  dist ??= join(packageRoot(dirname(fileURLToPath(import.meta.url))), "dist");
  return pathToFileURL(join(dist, path)).href;
}

/** The nearest directory up with a package.json: neither `dist/` nor its chunks have one. */
function packageRoot(from) {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}
