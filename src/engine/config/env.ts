/**
 * Environment overrides: `FORGE_LOOP_<SECTION>_<KEY>` (e.g. `FORGE_LOOP_SCHEDULING_PARALLEL=2`)
 * and `FORGE_LOOP_<KEY>` for top-level keys (`FORGE_LOOP_BASE_BRANCH=trunk`). Values are
 * read as the setting's type: text as it is; booleans from true/false/1/0/yes/no/on/off;
 * numbers, lists and the rest as YAML (`FORGE_LOOP_CHECKS='[["npm", "test"]]'`). An empty
 * value counts as unset.
 *
 * A variable that starts like a section (`FORGE_LOOP_SCHEDULING_…`) or nearly matches a
 * setting but names none is an error with a suggestion; any other `FORGE_LOOP_*`
 * variable (such as `FORGE_LOOP_BRIEF_FILE`, set for workers) is not ours and is ignored.
 */
import { parse as parseYaml } from "yaml";
import { leafKind, leafPaths, sectionKeys } from "./keys.js";
import { closest, editDistance } from "./suggest.js";

export const ENV_PREFIX = "FORGE_LOOP_";

export interface EnvOverride {
  variable: string;
  path: string[];
  value: unknown;
}

export function variableFor(path: readonly string[]): string {
  return `${ENV_PREFIX}${path.join("_").toUpperCase()}`;
}

export function collectEnvOverrides(env: NodeJS.ProcessEnv): {
  overrides: EnvOverride[];
  errors: string[];
} {
  const known = new Map(leafPaths().map((path) => [variableFor(path), path]));
  const sectionPrefixes = sectionKeys().map((key) => `${ENV_PREFIX}${key.toUpperCase()}_`);
  const overrides: EnvOverride[] = [];
  const errors: string[] = [];
  for (const variable of Object.keys(env).sort()) {
    const raw = env[variable];
    if (!variable.startsWith(ENV_PREFIX) || raw === undefined || raw === "") continue;
    const path = known.get(variable);
    if (path) {
      overrides.push({ variable, path, value: coerce(raw, path) });
      continue;
    }
    const near = closest(variable, [...known.keys()]);
    const looksOurs =
      sectionPrefixes.some((prefix) => variable.startsWith(prefix)) ||
      (near !== undefined && editDistance(variable, near) <= 2);
    if (looksOurs) {
      errors.push(`${variable}: not a forge-loop setting${near ? ` (did you mean ${near}?)` : ""}`);
    }
  }
  return { overrides, errors };
}

function coerce(raw: string, path: readonly string[]): unknown {
  const kind = leafKind(path);
  if (kind === "text") return raw;
  if (kind === "boolean") {
    const word = raw.trim().toLowerCase();
    if (["true", "1", "yes", "on"].includes(word)) return true;
    if (["false", "0", "no", "off"].includes(word)) return false;
    return raw;
  }
  try {
    return parseYaml(raw, { schema: "core", maxAliasCount: 10 }) as unknown;
  } catch {
    // Left as text: the schema then reports it with the rule it breaks.
    return raw;
  }
}

/** A copy of `document` with the overrides set (mappings created where missing). */
export function applyOverrides(document: unknown, overrides: readonly EnvOverride[]): unknown {
  if (overrides.length === 0 || !isPlainRecord(document)) return document;
  const root: Record<string, unknown> = { ...document };
  for (const { path, value } of overrides) {
    let target = root;
    for (const key of path.slice(0, -1)) {
      const existing = Object.hasOwn(target, key) ? target[key] : undefined;
      if (existing !== undefined && !isPlainRecord(existing)) {
        // The file's own value is wrong here; the schema reports it.
        target = {};
        break;
      }
      const copy = { ...(existing ?? {}) };
      defineValue(target, key, copy);
      target = copy;
    }
    defineValue(target, path[path.length - 1] as string, value);
  }
  return root;
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Plain assignment would treat a `__proto__` key specially. */
function defineValue(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
