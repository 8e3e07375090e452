/**
 * What `forge-loop demo` does (see `commands/demo.ts`): builds the sandbox and runs the
 * engine on it, with the TUI in front or headless.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, openSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../../engine/config/load.js";
import { buildSandbox, type Sandbox } from "../../engine/demo/sandbox.js";
import { seedDemoIssues } from "../../engine/demo/seed.js";
import { demoSummary } from "../../engine/demo/summary.js";
import { startEngine } from "../../engine/start.js";
import { statePaths } from "../../store/paths.js";
import { openStore } from "../../store/store.js";
import type { DemoOptions } from "../commands/demo.js";
import { loadConsole } from "../commands/tui.js";
import { packageVersion } from "../program.js";

export async function runDemo(options: DemoOptions): Promise<void> {
  const dir = options.dir ? resolve(options.dir) : mkdtempSync(join(tmpdir(), "forge-loop-demo-"));
  const sandbox = buildSandbox(dir);
  const loaded = await loadConfig(sandbox.configPath);
  await seedDemoIssues(
    statePaths(loaded.config.paths.state_dir).localForgeDb,
    loaded.repoDir,
    loaded.config,
  );
  process.stdout.write(`forge-loop demo: sandbox in ${dir}\n`);
  const interactive = !options.headless && process.stdout.isTTY && process.stdin.isTTY;
  if (interactive) await runInteractive(sandbox, loaded.config.paths.state_dir);
  else await runHeadless(sandbox, loaded.config.paths.state_dir);
}

async function runHeadless(sandbox: Sandbox, stateDir: string): Promise<void> {
  if (!process.stdout.isTTY)
    process.stdout.write("running headless: the engine works the backlog to the end…\n");
  const loaded = await loadConfig(sandbox.configPath);
  const started = startEngine(loaded, { version: packageVersion() });
  try {
    const reason = await started.engine.run({ untilIdle: true });
    process.stdout.write(`\nengine stopped: ${reason === "idle" ? "backlog done" : reason}\n\n`);
  } finally {
    started.close();
  }
  const store = openStore(statePaths(stateDir).eventsDb, { mode: "readonly" });
  try {
    process.stdout.write(`${demoSummary(store.readState())}\n\n`);
  } finally {
    store.close();
  }
  process.stdout.write(
    `Look around: forge-loop tui --dir ${stateDir}\n            forge-loop replay --dir ${stateDir} --task issue:2\n`,
  );
}

async function runInteractive(sandbox: Sandbox, stateDir: string): Promise<void> {
  const cli = fileURLToPath(new URL("../../cli.js", import.meta.url));
  const log = openSync(join(sandbox.dir, "engine.log"), "a");
  const engine = spawn(process.execPath, [cli, "run", "--config", sandbox.configPath], {
    cwd: sandbox.projectDir,
    stdio: ["ignore", log, log],
  });
  const paths = statePaths(stateDir);
  for (let waited = 0; !logIsReady(paths.eventsDb) && waited < 15_000; waited += 100) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const { StoreSource, runTui } = await loadConsole();
  try {
    await runTui({
      source: StoreSource.open({
        dbPath: paths.eventsDb,
        jsonlPath: paths.eventsJsonl,
        logsDir: paths.logsDir,
        label: "textkit (demo)",
      }),
    });
  } finally {
    await stopChild(engine);
    process.stdout.write(
      `forge-loop demo: engine stopped; the sandbox stays in ${sandbox.dir} (engine log: engine.log)\n`,
    );
  }
}

/** The engine creates the database a moment before its schema. */
function logIsReady(path: string): boolean {
  if (!existsSync(path)) return false;
  try {
    openStore(path, { mode: "readonly" }).close();
    return true;
  } catch {
    return false;
  }
}

function stopChild(child: ReturnType<typeof spawn>): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.once("exit", () => {
      clearTimeout(force);
      done();
    });
    child.kill("SIGTERM");
  });
}
