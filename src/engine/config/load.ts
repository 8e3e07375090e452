/**
 * Loading `forge-loop.yaml`: YAML → environment overrides → schema → resolution against
 * the repository (absolute paths, the remote). Every failure is a UserError whose lines
 * each name the file or variable, the key, and the rule broken.
 */
import { createHash } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { parseDocument } from "yaml";
import { UserError } from "../../shared/errors.js";
import { canonicalJson } from "../../store/contract/canonical-json.js";
import { listRemotes, workTreeRoot } from "../git/inspect.js";
import { describeIssues } from "./describe-issues.js";
import { applyOverrides, collectEnvOverrides } from "./env.js";
import { sectionKeys } from "./keys.js";
import { type Config, configSchema } from "./schema.js";

export const CONFIG_FILE = "forge-loop.yaml";

const fixHint =
  "Each line names the setting and the rule it breaks; `forge-loop init` shows every key with its default.";

export interface ParseOptions {
  /** How the file is named in messages. */
  source?: string;
  env?: NodeJS.ProcessEnv;
}

/** Parses and validates config text (with environment overrides); throws UserError. */
export function parseConfigText(text: string, options: ParseOptions = {}): Config {
  const source = options.source ?? CONFIG_FILE;
  const document = readYaml(text, source);
  const { overrides, errors } = collectEnvOverrides(options.env ?? process.env);
  const input = applyOverrides(document, overrides);
  const parsed = configSchema.safeParse(input);
  const lines = [
    ...errors,
    ...(parsed.success ? [] : describeIssues(parsed.error.issues, input, source, overrides)),
  ];
  if (lines.length > 0 || !parsed.success) {
    throw new UserError(`invalid configuration:\n  ${lines.join("\n  ")}`, fixHint);
  }
  return parsed.data;
}

function readYaml(text: string, source: string): unknown {
  const document = parseDocument(text, {
    schema: "core",
    uniqueKeys: true,
    strict: true,
    prettyErrors: true,
  });
  const error = document.errors[0];
  if (error) {
    const at = error.linePos?.[0];
    const where = at ? `${source}:${at.line}:${at.col}` : source;
    const what = error.message.split("\n")[0]?.replace(/ at line \d+, column \d+:?$/, "");
    throw new UserError(`${where}: invalid YAML: ${what}`, "Fix the YAML syntax at that line.");
  }
  let value: unknown;
  try {
    // An empty file is an empty mapping: the schema then asks for `repo`.
    value = document.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (err) {
    throw new UserError(`${source}: invalid YAML: ${(err as Error).message}`, "Fix the YAML.");
  }
  return withEmptySectionsDropped(value);
}

/** `worker:` with every key under it commented out reads as null; it means "all defaults". */
function withEmptySectionsDropped(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const sections = new Set(sectionKeys());
  return Object.fromEntries(
    Object.entries(value).filter(([key, v]) => !(v === null && sections.has(key))),
  );
}

/** The config after resolution: absolute paths and a decided remote. */
export type ResolvedConfig = Config & {
  remote: string | false;
  paths: { state_dir: string; worktree_root: string };
};

export interface LoadedConfig {
  config: ResolvedConfig;
  /** The local checkout the loop works in. */
  repoDir: string;
  /** `owner/name` when `repo` names a GitHub repository rather than a path. */
  repoSlug?: string;
  configPath: string;
  /** sha256 of the canonical resolved config, for `loop.started`. */
  digest: string;
}

export async function loadConfig(
  path: string = CONFIG_FILE,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LoadedConfig> {
  const configPath = resolve(path);
  const text = await readFile(configPath, "utf8").catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") {
      throw new UserError(`no config at ${configPath}`, "Run `forge-loop init` to write one.");
    }
    throw new UserError(`cannot read ${configPath}: ${err.message}`);
  });
  const config = parseConfigText(text, { source: basename(configPath), env });
  return resolveConfig(config, { baseDir: dirname(configPath), source: basename(configPath) });
}

const slugPattern = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

/**
 * Resolves `repo` (a path relative to `baseDir`, or `owner/name`, whose checkout is then
 * `baseDir`), the remote (`origin` when present and not configured), and the paths
 * (relative to the checkout; worktrees default to `<checkout's parent>/.forge-loop-worktrees`,
 * outside the checkout so they never show up in its `git status`).
 */
export async function resolveConfig(
  config: Config,
  { baseDir, source = CONFIG_FILE }: { baseDir: string; source?: string },
): Promise<LoadedConfig> {
  const asPath = resolve(baseDir, expandHome(config.repo));
  const isSlug =
    slugPattern.test(config.repo) && !config.repo.startsWith(".") && !existsSync(asPath);
  const candidate = isSlug ? resolve(baseDir) : asPath;
  if (!existsSync(candidate) || !statSync(candidate).isDirectory()) {
    throw new UserError(
      `${source}: repo: ${candidate} is not a directory`,
      "Set repo: to your checkout's path (relative to the config file), or owner/name.",
    );
  }
  const repoDir = await workTreeRoot(candidate);
  if (!repoDir) {
    throw new UserError(
      `${source}: repo: ${candidate} is not inside a git repository`,
      "Run `git init` there, or point repo: at your checkout.",
    );
  }
  const remote = await decideRemote(repoDir, config.remote, source);
  const resolved: ResolvedConfig = {
    ...config,
    remote,
    paths: {
      state_dir: resolve(repoDir, config.paths.state_dir),
      worktree_root: resolve(
        repoDir,
        config.paths.worktree_root ?? join("..", ".forge-loop-worktrees"),
      ),
    },
  };
  return {
    config: resolved,
    repoDir,
    ...(isSlug ? { repoSlug: config.repo } : {}),
    configPath: join(resolve(baseDir), source),
    digest: configDigest(resolved, repoDir),
  };
}

async function decideRemote(
  repoDir: string,
  configured: string | false | undefined,
  source: string,
): Promise<string | false> {
  if (configured === false) return false;
  const remotes = await listRemotes(repoDir);
  if (configured === undefined) return remotes.includes("origin") ? "origin" : false;
  if (!remotes.includes(configured)) {
    throw new UserError(
      `${source}: remote: ${repoDir} has no git remote named "${configured}" (remotes: ${remotes.join(", ") || "none"})`,
      "Add it with `git remote add`, name an existing one, or set remote: false to merge into the repository itself.",
    );
  }
  return configured;
}

export function configDigest(config: ResolvedConfig, repoDir: string): string {
  return createHash("sha256")
    .update(canonicalJson({ ...config, repo_dir: repoDir }))
    .digest("hex");
}

function expandHome(path: string): string {
  return path === "~" || path.startsWith("~/") ? join(homedir(), path.slice(1)) : path;
}
