/**
 * The console as the CLI opens it (`forge-loop tui`, `forge-loop demo`): one module for
 * `loadConsole` to import, which the build bundles with Ink and React into
 * `dist/ui/console.js` (see scripts/finish-build.mjs).
 */
export { StoreSource } from "./data/store-source.js";
export { runTui } from "./run.js";
