export { EnvironmentSetupError, environmentKey, forgetPreparedEnvironments, excludePattern, parseStatus } from "./prepared.js";
export { commandEnv, environmentProblem, rolloutEnvironments, type RolloutEnvironments, type SandboxRequest } from "./provider.js";
export {
  DEFAULT_ENVIRONMENT,
  environmentIdentity,
  environmentParam,
  environmentSchema,
  type EnvironmentConfig,
  type PreparedEnvironmentConfig,
} from "./schema.js";
