// A UI-like observer in its own process (see store.test.ts): opens the store as an
// observer and appends operator commands while the engine (the test process) appends.
// argv: <dist dir> <db path> <go file> <count>. Prints the request ids as one JSON array.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";

const [distDir, dbPath, goFile, count] = process.argv.slice(2);
const { openStore } = await import(pathToFileURL(join(distDir, "store/store.js")).href);
const { requestControl } = await import(
  pathToFileURL(join(distDir, "store/control/request.js")).href
);

while (!existsSync(goFile)) await sleep(2);
const store = openStore(dbPath, { mode: "observer", busyTimeoutMs: 20_000 });
const ids = [];
for (let i = 0; i < Number(count); i++) {
  const command = i % 2 === 0 ? { command: "retry", target: 1 + (i % 7) } : { command: "resume" };
  ids.push(requestControl(store, { ...command, by: "child-ui" }).requestId);
  await sleep(i % 3);
}
store.close();
process.stdout.write(JSON.stringify(ids));
