import path from "node:path";
import { SANDBOX_PATH } from "../sandbox/bwrap-command.js";
import { resolveLimits, type SandboxLimits } from "../sandbox/limits.js";
import { createSandbox, type Isolation, type Sandbox, type SandboxTemplate } from "../sandbox/sandbox.js";
import type { PreparedSource } from "../sandbox/source.js";
import { ensurePreparedEnvironment } from "./prepared.js";
import { createContainerSandbox } from "./container-sandbox.js";
import { ensureImageTestbed } from "./image-testbed.js";
import { buildImage, ContainerError, imageExists, imageName, removeOwnerlessContainers, removeRunContainers } from "./container-runtime.js";
import type { ContainerEnvironmentConfig, EnvironmentConfig } from "./schema.js";

/** Everything a rollout needs to get its sandbox, whatever the environment's kind. */
export interface SandboxRequest {
  source: PreparedSource;
  /** Defaults to the commit the source was prepared for. */
  commit?: string;
  /** Where sandbox copies are made (private, checked). */
  root: string;
  isolation: Isolation;
  limits: SandboxLimits;
  /** For image name templates: the task instance and the repository's name. */
  instanceId?: string;
  repoName?: string;
}

/** The stage's `environment:` made usable: one sandbox per rollout, the repository at /testbed. */
export interface RolloutEnvironments {
  readonly config: EnvironmentConfig;
  createSandbox(request: SandboxRequest): Promise<Sandbox>;
}

export interface EnvironmentOptions {
  /** Where setup and build logs are written (the run's output folder). */
  logDir: string;
  /** The stage's run id: containers carry it, and the first sandbox of a process removes those a killed attempt left. */
  runId: string;
}

export function rolloutEnvironments(config: EnvironmentConfig, options: EnvironmentOptions): RolloutEnvironments {
  if (config.kind === "container") return containerEnvironments(config, options);
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

function containerEnvironments(config: ContainerEnvironmentConfig, options: EnvironmentOptions): RolloutEnvironments {
  let ready: Promise<string | undefined> | undefined;
  const prepare = async () => {
    const orphans = await removeRunContainers(config.runtime, options.runId);
    if (orphans > 0) process.stderr.write(`sera: removed ${orphans} container(s) an earlier attempt of run ${options.runId} left behind\n`);
    const ownerless = await removeOwnerlessContainers(config.runtime);
    if (ownerless > 0) process.stderr.write(`sera: removed ${ownerless} container(s) of other runs whose sera process is gone\n`);
    return config.build === undefined ? undefined : buildImage(config.runtime, config.build, options.logDir);
  };
  return {
    config,
    async createSandbox(request) {
      ready ??= prepare();
      const built = await ready;
      const commit = request.commit ?? request.source.commit;
      const image = built ?? imageName(config.image!, { instanceId: request.instanceId, repo: request.repoName, commit });
      if (!(await imageExists(config.runtime, image))) {
        throw new ContainerError(`environment image ${image} is not present locally (${config.runtime} pull ${image}, or build it)`);
      }
      let template: SandboxTemplate | undefined;
      if (config.testbed === "image") {
        const testbed = await ensureImageTestbed(config.runtime, image, request.source.cacheRoot, options.logDir);
        if (testbed.head !== commit) {
          throw new ContainerError(
            `image ${image} has /testbed at commit ${testbed.head.slice(0, 12)}, but this rollout is at ${commit.slice(0, 12)} (testbed: image uses the image's tree as it is)`,
          );
        }
        template = { treePath: testbed.treePath, mounts: [] };
      }
      return createContainerSandbox({
        runtime: config.runtime,
        image,
        source: request.source,
        commit,
        template,
        root: request.root,
        limits: request.limits,
        env: config.env,
        pathPrefix: config.path,
        runId: options.runId,
      });
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
