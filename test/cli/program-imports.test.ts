import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONFIG_FILE as definedDefault } from "../../src/cli/commands/init.js";
import { CONFIG_FILE } from "../../src/engine/config/load.js";

const cliDir = new URL("../../src/cli/", import.meta.url);

/**
 * What building the program may load: every command is defined at each start (`--help`,
 * `forge-loop tui`), so its definition must stay light; what it runs is imported by its
 * action (see program.ts).
 */
const allowed = [
  /^node:/,
  /^commander$/,
  /^\.\/commands\/[a-z-]+\.js$/,
  // Another command's definition (from a file in commands/).
  /^\.\/[a-z-]+\.js$/,
  /^\.\.\/store-options\.js$/,
  /^\.\.\/\.\.\/store\/paths\.js$/,
  /^\.\.\/\.\.\/shared\/errors\.js$/,
];

/** Modules a source file loads when it is loaded: its imports that are not `import type`. */
function runtimeImports(file: URL): string[] {
  const source = readFileSync(file, "utf8");
  const imports = source.matchAll(/^import\s+(?!type\s)[^;]*?\s+from\s+"([^"]+)";/gms);
  return [...imports].map((match) => match[1] as string);
}

describe("the forge-loop program", () => {
  it("loads only command definitions at start, never the engine, the store or the UI", () => {
    const files = [
      new URL("program.ts", cliDir),
      ...readdirSync(new URL("commands/", cliDir)).map((f) => new URL(`commands/${f}`, cliDir)),
    ];
    const heavy = files.flatMap((file) =>
      runtimeImports(file)
        .filter((spec) => !allowed.some((pattern) => pattern.test(spec)))
        .map((spec) => `${file.pathname.split("/src/cli/")[1]} imports ${spec}`),
    );
    expect(heavy).toEqual([]);
  });

  it("defines init's default config file as the engine names it", () => {
    expect(definedDefault).toBe(CONFIG_FILE);
  });
});
