// After tsc: copy non-TypeScript assets (brief templates) into dist and mark the CLI
// executable so `npx forge-loop` can run it directly.
import { chmodSync, cpSync, existsSync } from "node:fs";

const root = new URL("../", import.meta.url);
const assets = ["engine/briefs/templates"];
for (const dir of assets) {
  const from = new URL(`src/${dir}/`, root);
  if (existsSync(from)) cpSync(from, new URL(`dist/${dir}/`, root), { recursive: true });
}
const cli = new URL("dist/cli.js", root);
if (existsSync(cli)) chmodSync(cli, 0o755);
