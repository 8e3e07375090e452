import type { Config } from "../config/schema.js";

/**
 * What a label name may be, for every tracker: what GitHub accepts (at most 50
 * characters) minus what would break a terminal line or a log line (control characters,
 * line breaks, surrounding space).
 */
export const LABEL_RULE =
  "must be a label name: 1–50 characters, no line breaks or control characters";

const labelPattern = /^[^\s\p{Cc}\p{Cs}](?:[^\p{Cc}\p{Cs}]{0,48}[^\s\p{Cc}\p{Cs}])?$/u;

export function isValidLabel(name: string): boolean {
  return labelPattern.test(name);
}

/** Every label the loop reads or writes, priorities p0–p3 included. */
export function loopLabels(labels: Config["labels"]): string[] {
  const { priority_prefix, ...named } = labels;
  return [...Object.values(named), ...[0, 1, 2, 3].map((p) => `${priority_prefix}p${p}`)];
}
