/**
 * What `forge-loop init` does (see `commands/init.ts`): writes the config and, with
 * --create-labels, sets up the tracker's labels.
 */
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { loadConfig, parseConfigText } from "../../engine/config/load.js";
import type { Config } from "../../engine/config/schema.js";
import { renderConfigTemplate } from "../../engine/config/template.js";
import { loopLabels } from "../../engine/forge/labels.js";
import { openForge } from "../../engine/forge/open.js";
import { UserError } from "../../shared/errors.js";
import type { InitOptions } from "../commands/init.js";
import type { CommandIo } from "../commands/issue.js";

export async function runInit(opts: InitOptions, io: Pick<CommandIo, "out">): Promise<void> {
  const path = resolve(opts.config);
  const exists = existsSync(path);
  if (exists && !opts.force && !opts.createLabels) {
    throw new UserError(`${path} already exists`, "Pass --force to overwrite it.");
  }
  if (!exists || opts.force) {
    const text = renderConfigTemplate({
      repo: opts.repo,
      tracker: kind("--tracker", opts.tracker),
      platform: kind("--platform", opts.platform ?? opts.tracker),
    });
    // The template must load as written (an odd --repo would otherwise surface later).
    parseConfigText(text, { source: path, env: {} });
    await writeFile(path, text, { flag: opts.force ? "w" : "wx" }).catch(
      (err: NodeJS.ErrnoException) => {
        if (err.code === "EEXIST")
          throw new UserError(`${path} already exists`, "Pass --force to overwrite it.");
        throw new UserError(`cannot write ${path}: ${err.message}`);
      },
    );
    io.out(`wrote ${path}\n`);
  } else {
    io.out(`kept the existing ${path}\n`);
  }
  if (opts.createLabels) await createLabels(path, io);
}

async function createLabels(path: string, io: Pick<CommandIo, "out">): Promise<void> {
  const loaded = await loadConfig(path);
  const forge = openForge(loaded);
  try {
    const setup = await forge.tracker.ensureLabels(loopLabels(loaded.config.labels));
    if (setup.created.length > 0) io.out(`created labels: ${setup.created.join(", ")}\n`);
    if (setup.existing.length > 0) io.out(`labels already there: ${setup.existing.join(", ")}\n`);
    if (setup.note) io.out(`${setup.note}\n`);
  } finally {
    forge.close();
  }
}

function kind(flag: string, value: string): Config["tracker"] {
  if (value === "local" || value === "github") return value;
  throw new UserError(`${flag} must be local or github (got ${JSON.stringify(value)})`);
}
