// After tsc: mark the compiled CLI executable so `npx forge-loop` can run it directly.
import { chmodSync, existsSync } from "node:fs";

const cli = new URL("../dist/cli.js", import.meta.url);
if (existsSync(cli)) chmodSync(cli, 0o755);
