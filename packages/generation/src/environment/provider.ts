import path from "node:path";
import { SANDBOX_PATH } from "../sandbox/bwrapCommand.js";
import { resolveLimits, type SandboxLimits } from "../sandbox/limits.js";
import { createSandbox, type Isolation, type Sandbox } from "../sandbox/sandbox.js";
import type { PreparedSource } from "../sandbox/source.js";
import { ensurePreparedEnvironment } from "./prepared.js";
import type { EnvironmentConfig } from "./schema.js";

/** Everything a rollout needs to get its sandbox, whatever the environment's kind. */
export interface SandboxRequest {
  source: PreparedSource;
  /** Defaults to the commit the source was prepared for. */
  commit?: string;
  /** Where sandbox copies are made (private, checked). */
  root: string;
  isolation: Isolation;
  limits: SandboxLimits;
}

/** The stage's `environment:` made usable: one sandbox per rollout, the repository at /testbed. */
export interface RolloutEnvironments {
  readonly config: EnvironmentConfig;
  createSandbox(request: SandboxRequest): Promise<Sandbox>;
}

export function rolloutEnvironments(config: EnvironmentConfig, options: { logDir: string }): RolloutEnvironments {
  const env = commandEnv(config);
  return {
    config,
    async createSandbox(request) {
      const commit = request.commit ?? request.source.commit;
      const template =
        config.kind === "prepared"
          ? await ensurePreparedEnvironment(request.source, commit, config, env, { limits: resolveLimits(request.limits), logDir: options.logDir })
          : undefined;
      return createSandbox({ source: request.source, commit, root: request.root, isolation: request.isolation, limits: request.limits, env, template });
    },
  };
}

/** The environment's variables, with its `path` entries in front of the sandbox's PATH. */
export function commandEnv(config: EnvironmentConfig): Record<string, string> {
  const env = { ...config.env };
  if (config.path.length > 0) env.PATH = [...config.path, env.PATH ?? SANDBOX_PATH].join(path.delimiter);
  return env;
}

/**
 * Why this environment cannot run with this isolation, or null. A prepared environment's outputs
 * are bind mounts and its setup a build sandbox, both bubblewrap's.
 */
export function environmentProblem(config: EnvironmentConfig, isolation: Isolation): string | null {
  if (config.kind === "prepared" && isolation !== "bwrap") return "environment kind 'prepared' needs bubblewrap (sandbox: bwrap)";
  return null;
}
