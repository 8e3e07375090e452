/**
 * From config to the worker adapter's spec, for the agent and for the critic.
 */
import type { Config } from "../config/schema.js";
import type { WorkerSpec } from "../workers/types.js";

const DEFAULT_EXECUTABLE = { "claude-code": "claude", codex: "codex", command: "" } as const;

type AgentSection = Config["worker"] | Config["critic"];

function specFor(section: AgentSection, wallTimeoutS: number): WorkerSpec {
  return {
    adapter: section.adapter,
    command: section.command ?? [DEFAULT_EXECUTABLE[section.adapter]],
    ...(section.model ? { model: section.model } : {}),
    args: section.args,
    permissionMode: section.permission_mode,
    maxTurns: section.max_turns,
    stallTimeoutMs: section.stall_timeout_s * 1000,
    wallTimeoutMs: wallTimeoutS * 1000,
    envAllow: section.env_allow,
  };
}

export function workerSpec(config: Config): WorkerSpec {
  return specFor(config.worker, config.worker.worker_timeout_s);
}

export function criticSpec(config: Config): WorkerSpec {
  return specFor(config.critic, config.critic.timeout_s);
}
