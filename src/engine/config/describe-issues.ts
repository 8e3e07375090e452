/**
 * Turns schema issues into lines an operator can act on: where (the file, or the
 * environment variable that set the value), which key (`scheduling.parallel`,
 * `checks[1]`), the rule broken, and the value that broke it.
 */
import type { z } from "zod";
import type { EnvOverride } from "./env.js";
import { keysAt } from "./keys.js";
import { closest } from "./suggest.js";

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

export function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  source: string,
  overrides: readonly EnvOverride[],
): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) lines.push(unknownKey(issue.path, key, source));
      continue;
    }
    const override = overrides.find((o) => startsWith(issue.path, o.path));
    const where = override
      ? `${override.variable} (${formatPath(issue.path)})`
      : issue.path.length > 0
        ? `${source}: ${formatPath(issue.path)}`
        : source;
    const got = valueAt(input, issue.path);
    lines.push(`${where}: ${issue.message}${got.found ? ` (got ${show(got.value)})` : ""}`);
  }
  return lines;
}

function unknownKey(path: readonly PropertyKey[], key: string, source: string): string {
  const known = keysAt(path);
  const suggestion = closest(key, known);
  const help = suggestion
    ? ` (did you mean ${suggestion}?)`
    : known.length > 0
      ? ` (known keys: ${known.join(", ")})`
      : "";
  const full = formatPath([...path, key]);
  return `${source}: ${full}: unknown key${help}`;
}

function startsWith(path: readonly PropertyKey[], prefix: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((key, i) => path[i] === key);
}

function valueAt(root: unknown, path: readonly PropertyKey[]): { found: boolean; value?: unknown } {
  let current = root;
  for (const key of path) {
    if (typeof current !== "object" || current === null) return { found: false };
    if (!Object.hasOwn(current, key)) return { found: false };
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current === undefined ? { found: false } : { found: true, value: current };
}

/** A short, single-line rendering of a bad value. */
function show(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
