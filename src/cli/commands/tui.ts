/**
 * `forge-loop tui [--dir D] [--db P] [--jsonl F]`: the operator console. Watches a state
 * directory (or any events.db, a Python forge-loop one read-only) and steers the engine
 * through operator commands. Quitting leaves the engine running.
 */
import { basename, dirname, join, resolve } from "node:path";
import { type Command, Option } from "commander";
import { UserError } from "../../shared/errors.js";
import { DEFAULT_STATE_DIR, statePaths } from "../../store/paths.js";

interface TuiOptions {
  dir: string;
  db?: string;
  jsonl?: string;
}

export function register(program: Command): void {
  program
    .command("tui")
    .description("Watch, steer and replay the loop in the terminal (press ? for the keys)")
    .addOption(
      new Option("--dir <state dir>", "state directory").default(DEFAULT_STATE_DIR).conflicts("db"),
    )
    .addOption(
      new Option("--db <path>", "an events.db to open instead (a Python forge-loop one read-only)"),
    )
    .addOption(
      new Option(
        "--jsonl <path>",
        "operator stream to follow (default <dir>/events.jsonl; a Python runner's loop-runner-events.jsonl)",
      ),
    )
    .action(async (options: TuiOptions) => {
      if (!process.stdout.isTTY || !process.stdin.isTTY) {
        throw new UserError(
          "forge-loop tui needs an interactive terminal",
          "Run it in a terminal or tmux pane; for scripts use `forge-loop status` or the JSONL stream.",
        );
      }
      const { StoreSource, runTui } = await loadConsole();
      await runTui({ source: StoreSource.open(sourceOptions(options)) });
    });
}

/**
 * The console's modules, loaded only when it opens (`forge-loop demo` opens it too), in the
 * environment it needs.
 */
export async function loadConsole() {
  // Ink draws nothing live when it believes it runs in CI (it prints the last frame at
  // exit). An interactive terminal is never CI output, whatever the environment says.
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  // React's development build renders several times slower and is for React's own
  // debugging; set before React is first loaded.
  process.env.NODE_ENV ??= "production";
  return import("../../ui/console.js");
}

function sourceOptions(options: TuiOptions) {
  if (options.db) {
    const dbPath = resolve(options.db);
    return {
      dbPath,
      ...(options.jsonl ? { jsonlPath: resolve(options.jsonl) } : {}),
      logsDir: join(dirname(dbPath), "logs"),
      label: dbPath,
    };
  }
  const paths = statePaths(options.dir);
  return {
    dbPath: paths.eventsDb,
    jsonlPath: options.jsonl ? resolve(options.jsonl) : paths.eventsJsonl,
    logsDir: paths.logsDir,
    label: basename(dirname(paths.stateDir)) || paths.stateDir,
  };
}
