/**
 * The demo's seeded issues: each one drives the bundled demo agent down one path of the
 * loop (clean merge, checks failing then fixed, a critic block then approval, a stalled
 * worker, a crashing worker, a risk-gated change). The scenario name travels in the issue
 * body, so the agent needs nothing but its brief.
 */

export type ScenarioName = "clean" | "checks-retry" | "critic-retry" | "stall" | "crash" | "risk";

export interface DemoIssue {
  scenario: ScenarioName;
  title: string;
  body: string;
  labels: string[];
  /** The module the agent writes: `src/<name>.js`, tested by `test/<name>.test.js`. */
  module: string;
}

export const scenarioMarker = (scenario: ScenarioName) => `<!-- forge-loop-demo: ${scenario} -->`;

export function scenarioOf(text: string): ScenarioName | undefined {
  const match = /<!-- forge-loop-demo: ([a-z-]+) -->/.exec(text);
  return match?.[1] as ScenarioName | undefined;
}

export const demoIssues: DemoIssue[] = [
  {
    scenario: "clean",
    module: "slugify",
    title: "Add slugify(text) for URL-safe names",
    body: 'Add `slugify(text)` to the library: lower-case, words joined by `-`, anything that is not a letter or digit dropped.\n\nAcceptance: `slugify("Hello, World!") === "hello-world"`, with tests.',
    labels: ["loop:ready", "priority:p1"],
  },
  {
    scenario: "checks-retry",
    module: "word-count",
    title: "Add wordCount(text)",
    body: "Add `wordCount(text)` returning the number of words (runs of non-space characters). Empty text has 0 words.",
    labels: ["loop:ready", "priority:p2"],
  },
  {
    scenario: "critic-retry",
    module: "title-case",
    title: "Add titleCase(text)",
    body: "Add `titleCase(text)`: the first letter of every word upper-case, the rest unchanged. Include tests for empty input and punctuation.",
    labels: ["loop:ready", "priority:p2"],
  },
  {
    scenario: "stall",
    module: "truncate",
    title: "Add truncate(text, max) with an ellipsis",
    body: "Add `truncate(text, max)`: text longer than `max` characters is cut and ends in `…`; shorter text is unchanged.",
    labels: ["loop:ready", "priority:p3"],
  },
  {
    scenario: "crash",
    module: "reverse-words",
    title: "Add reverseWords(text)",
    body: "Add `reverseWords(text)`: the words of the text in reverse order, separated by single spaces.",
    labels: ["loop:ready", "priority:p3"],
  },
  {
    scenario: "risk",
    module: "config-loader",
    title: "Rewrite the configuration loader",
    body: "Replace the configuration loader with one that reads environment overrides. This touches every caller: a human must review it.",
    labels: ["loop:ready", "risk:high"],
  },
].map((issue) => ({
  ...issue,
  scenario: issue.scenario as ScenarioName,
  body: `${issue.body}\n\n${scenarioMarker(issue.scenario as ScenarioName)}`,
}));
