export { EnvironmentSetupError, environmentKey, forgetPreparedEnvironments, excludePattern, parseStatus } from "./prepared.js";
export { commandEnv, environmentProblem, rolloutEnvironments, type EnvironmentOptions, type RolloutEnvironments, type SandboxRequest } from "./provider.js";
export { ContainerError, imageName, removeRunContainers, RUN_LABEL, type ContainerRuntime } from "./container-runtime.js";
export {
  DEFAULT_ENVIRONMENT,
  environmentIdentity,
  environmentParam,
  environmentSchema,
  type ContainerEnvironmentConfig,
  type EnvironmentConfig,
  type PreparedEnvironmentConfig,
} from "./schema.js";
