// Built-in scenarios, by name (FAKE_AGENT_SCENARIO). Tests that need exact timings
// write their own scenario file (FAKE_AGENT_SCRIPT) with the same steps.

const verdict = {
  overall: "approve",
  summary: "The change does what the issue asks and is tested.",
  findings: [
    {
      severity: "sev3",
      category: "style",
      file: "src/x.ts",
      line: 3,
      message: "Name could be clearer.",
    },
  ],
};

const common = {
  success: {
    steps: [
      { do: "init" },
      { do: "text", text: "I'll add the greeting module and a test." },
      { do: "todo", items: [{ text: "Write greeting", active: true }, { text: "Run tests" }] },
      {
        do: "tool",
        name: "Write",
        input: { file_path: "src/greeting.txt" },
        edit: { path: "src/greeting.txt", content: "hello\n" },
      },
      { do: "tool", name: "Bash", input: { command: "npm test" }, output: "1 passing\n" },
      {
        do: "todo",
        items: [
          { text: "Write greeting", done: true },
          { text: "Run tests", done: true },
        ],
      },
      { do: "result", text: "Added src/greeting.txt; tests pass." },
    ],
  },
  "success-commit": {
    steps: [
      { do: "init" },
      {
        do: "tool",
        name: "Write",
        input: { file_path: "greeting.txt" },
        edit: { path: "greeting.txt", content: "hello\n", commit: "Add greeting" },
      },
      { do: "result", text: "Committed greeting.txt." },
    ],
  },
  "api-retry": {
    steps: [
      { do: "init" },
      { do: "retry", delayMs: 1500, attempt: 1 },
      { do: "retry", delayMs: 1500, attempt: 2 },
      { do: "text", text: "Back online." },
      { do: "result", text: "done" },
    ],
  },
  "long-tool": {
    steps: [
      { do: "init" },
      { do: "tool", name: "Bash", input: { command: "npm run slow-suite" }, sleepMs: 3000 },
      { do: "result", text: "slow suite passed" },
    ],
  },
  malformed: {
    steps: [
      { do: "init" },
      { do: "malformed" },
      { do: "text", text: "still here" },
      { do: "malformed" },
      { do: "result", text: "done despite noise" },
    ],
  },
  crash: {
    steps: [
      { do: "init" },
      { do: "tool", name: "Bash", input: { command: "make" } },
      { do: "stderr", text: "panic: something broke inside the agent" },
      { do: "exit", code: 1 },
    ],
  },
  hang: { steps: [{ do: "init" }, { do: "hang" }] },
  "hang-ignore-sigterm": { steps: [{ do: "init" }, { do: "ignore-sigterm" }, { do: "hang" }] },
  "hang-with-children": {
    steps: [
      { do: "init" },
      { do: "ignore-sigterm" },
      { do: "spawn-children", count: 2, ignoreSigterm: true },
      { do: "hang" },
    ],
  },
  "huge-output": {
    steps: [
      { do: "init" },
      { do: "flood", bytes: 50 * 1024 * 1024 },
      { do: "result", text: "flooded" },
    ],
  },
  "huge-line": {
    steps: [
      { do: "init" },
      { do: "huge-line", bytes: 50 * 1024 * 1024 },
      { do: "result", text: "one long line" },
    ],
  },
  verdict: {
    steps: [
      { do: "init" },
      { do: "tool", name: "Bash", input: { command: "git diff main...HEAD" } },
      { do: "result", text: `Review done.\n\n${JSON.stringify(verdict)}` },
    ],
  },
};

export const claudeScenarios = {
  ...common,
  "error-result": {
    steps: [
      { do: "init" },
      { do: "text", text: "trying" },
      { do: "fail", subtype: "error_max_turns" },
    ],
  },
};

export const codexScenarios = {
  ...common,
  "turn-failed": {
    steps: [
      { do: "init" },
      { do: "text", text: "trying" },
      { do: "fail", message: "model overloaded" },
    ],
  },
};
