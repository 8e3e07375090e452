/**
 * Seeds the sandbox's local tracker with the demo issues.
 */
import type { ResolvedConfig } from "../config/load.js";
import { openLocalForge } from "../forge/local/local-forge.js";
import { demoIssues, type ScenarioName } from "./scenarios.js";

/** Creates one issue per scenario (all of them by default), in the demo's order. */
export async function seedDemoIssues(
  localForgeDb: string,
  repoDir: string,
  config: ResolvedConfig,
  only?: readonly ScenarioName[],
): Promise<number[]> {
  const forge = openLocalForge(localForgeDb, {
    repoDir,
    remote: config.remote,
    base: config.base_branch,
    checks: config.checks,
    checkTimeoutMs: config.checks_timeout_s * 1000,
  });
  try {
    const numbers: number[] = [];
    for (const issue of demoIssues.filter((i) => !only || only.includes(i.scenario))) {
      const created = await forge.tracker.create({
        title: issue.title,
        body: issue.body,
        labels: issue.labels,
      });
      numbers.push(created.number);
    }
    return numbers;
  } finally {
    forge.close();
  }
}
