/**
 * The UI as the build holds it (`npm run bench` runs `npm run build` first): the bin, and
 * the console loaded the way the bin's `tui` command loads it (the esbuild bundle), so the
 * figures are those of what an operator runs, not of the bench's own compilation. Loading
 * the console sets its environment as in the bin (NODE_ENV=production unless set): the UI
 * suite runs last, so no other suite sees it.
 */
import { fileURLToPath } from "node:url";

type TuiCommand = typeof import("../../../src/cli/commands/tui.js");

/** From `dist-bench/bench/suites/ui/` up to the package root. */
const root = new URL("../../../../", import.meta.url);

export const builtBin = fileURLToPath(new URL("dist/cli.js", root));

/** Preloaded into the bin so it draws over pipes as in a terminal (see fake-tty.ts). */
export const fakeTty = fileURLToPath(new URL("./fake-tty.js", import.meta.url));

export async function loadBuiltConsole(): ReturnType<TuiCommand["loadConsole"]> {
  const tui = new URL("dist/cli/commands/tui.js", root);
  const { loadConsole } = (await import(tui.href)) as TuiCommand;
  return loadConsole();
}
