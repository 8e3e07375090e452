// Shared machinery of the fake agents: scenario loading, argv parsing, recording what
// the agent was given, and the steps every agent understands. Each agent supplies a
// dialect that turns the format-specific steps into its real stream format.
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes text to stdout, waiting when the pipe is full (as a real agent blocks). */
export async function emit(text) {
  if (!process.stdout.write(text)) await once(process.stdout, "drain");
}

export async function emitLines(lines) {
  for (const line of lines)
    await emit(`${typeof line === "string" ? line : JSON.stringify(line)}\n`);
}

/** The scenario: a JSON file named by FAKE_AGENT_SCRIPT, or a built-in named by FAKE_AGENT_SCENARIO. */
export function loadScenario(builtins) {
  const file = process.env.FAKE_AGENT_SCRIPT;
  if (file) return JSON.parse(readFileSync(file, "utf8"));
  const name = process.env.FAKE_AGENT_SCENARIO ?? "success";
  const scenario = builtins[name];
  if (!scenario) {
    process.stderr.write(
      `fake agent: unknown scenario "${name}" (known: ${Object.keys(builtins).join(", ")})\n`,
    );
    process.exit(2);
  }
  return scenario;
}

/** Splits argv into options (`valued` take the next argument) and the positional rest; `--` ends options. */
export function parseArgs(argv, valued) {
  const options = {};
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (valued.includes(arg)) {
      options[arg] = argv[++i];
    } else if (arg.startsWith("-")) {
      options[arg] = true;
    } else {
      positional.push(arg);
    }
  }
  return { options, positional };
}

/** Reads stdin to its end; "(open)" if it is still open after `waitMs` (it should be closed). */
export async function readStdin(waitMs = 500) {
  const chunks = [];
  const done = new Promise((resolve) => {
    process.stdin.on("data", (chunk) => chunks.push(chunk));
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    process.stdin.on("error", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
  const timeout = sleep(waitMs).then(() => "(open)");
  const text = await Promise.race([done, timeout]);
  process.stdin.pause();
  process.stdin.unref?.();
  return text;
}

/** Writes what the agent was given to FAKE_AGENT_RECORD, for tests to check. */
export function record(details) {
  const file = process.env.FAKE_AGENT_RECORD;
  if (!file) return;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file,
    JSON.stringify({
      argv: process.argv.slice(2),
      env: process.env,
      cwd: process.cwd(),
      pid: process.pid,
      ...details,
    }),
  );
}

function recordChildPid(pid) {
  const file = process.env.FAKE_AGENT_RECORD;
  if (file) appendFileSync(`${file}.pids`, `${pid}\n`);
}

/**
 * Starts long-lived grandchildren in this process group, sharing our stdout and stderr
 * (as `npm run dev &` would); resolves once each has its signal handlers in place.
 * `ownSession` puts them in a session of their own, out of reach of a group signal.
 */
async function spawnChildren({ count = 2, ignoreSigterm = false, ownSession = false }) {
  const code = `${ignoreSigterm ? "process.on('SIGTERM', () => {});" : ""} setInterval(() => {}, 1 << 30); process.send('ready'); process.disconnect();`;
  for (let i = 0; i < count; i++) {
    const child = spawn(process.execPath, ["-e", code], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      detached: ownSession,
    });
    await once(child, "message");
    recordChildPid(child.pid);
    child.unref();
  }
}

/** Writes a file in the worktree and, when asked, commits it. */
export function applyEdit(edit) {
  const path = join(process.cwd(), edit.path);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, edit.content ?? "");
  if (edit.commit) {
    const git = (...args) => execFileSync("git", args, { stdio: "ignore" });
    git("add", "--", edit.path);
    git(
      "-c",
      "user.name=Fake Agent",
      "-c",
      "user.email=fake@agent.invalid",
      "commit",
      "-q",
      "-m",
      edit.commit,
    );
  }
}

/** Lines no parser should choke on: garbage, torn JSON, wrong shapes, invalid UTF-8. */
export const malformedLines = [
  "not json at all",
  '{"type":',
  "[1,2,3]",
  "null",
  '{"type":"assistant","message":42}',
  '{"type":"result","subtype":7}',
  '{"type":"item.started","item":{"type":"command_execution"}}',
  '{"type":"a_type_from_a_later_version","payload":{}}',
  "",
  "\t  ",
  '{"type":"system","subtype":"init"}',
];

export async function emitMalformed() {
  await emitLines(malformedLines);
  // Invalid UTF-8 and a stray carriage return.
  await emit(Buffer.from([0xff, 0xfe, 0x7b, 0xc3, 0x28, 0x0a]));
  await emit("\r\n");
}

/**
 * Runs the scenario's steps. The dialect turns format-specific steps (init, text, tool,
 * todo, retry, result, fail, flood lines) into lines of its real stream format.
 */
export async function runScenario(scenario, dialect) {
  for (const step of scenario.steps) {
    switch (step.do) {
      case "sleep":
        await sleep(step.ms);
        break;
      case "malformed":
        await emitMalformed();
        break;
      case "raw":
        await emit(`${step.line}\n`);
        break;
      case "stderr":
        process.stderr.write(`${step.text}\n`);
        break;
      case "exit":
        process.exit(step.code ?? 0);
        break;
      case "hang":
        setInterval(() => {}, 1 << 30);
        await new Promise(() => {});
        break;
      case "ignore-sigterm":
        process.on("SIGTERM", () => {});
        break;
      case "spawn-children":
        await spawnChildren(step);
        break;
      case "flood":
        await flood(step, dialect);
        break;
      case "huge-line": {
        const [head, tail] = dialect.hugeLine();
        await emit(head);
        const block = "x".repeat(1024 * 1024);
        for (let left = step.bytes; left > 0; left -= block.length) {
          await emit(left >= block.length ? block : block.slice(0, left));
        }
        await emit(`${tail}\n`);
        break;
      }
      default: {
        const handler = dialect[step.do];
        if (!handler) {
          process.stderr.write(`fake agent: unknown step "${step.do}"\n`);
          process.exit(2);
        }
        await handler(step);
      }
    }
  }
}

/** `bytes` of output in lines of `lineBytes` characters of text each. */
async function flood({ bytes, lineBytes = 100_000 }, dialect) {
  const text = "y".repeat(lineBytes);
  let sent = 0;
  while (sent < bytes) {
    const line = `${JSON.stringify(dialect.textLine(text))}\n`;
    await emit(line);
    sent += line.length;
  }
}

export function textFrom(step) {
  if (step.fromEnv) return `${step.text ?? ""}${process.env[step.fromEnv] ?? ""}`;
  return step.text ?? "";
}
