export * from "./model/index.js";
export * from "./scripted/index.js";
export * from "./sandbox/index.js";
export * from "./environment/index.js";
export * from "./tools/index.js";
export * from "./verify/index.js";
export { runAgent, DEFAULT_AGENT_LIMITS, type AgentLimits, type AgentResult, type AgentRun, type Environment, type ExitStatus } from "./agent/loop.js";
export { sandboxEnvironment, type ToolLimits } from "./agent/sandbox-environment.js";
export { AGENT_SYSTEM_PROMPT, renderInstanceTask } from "./agent/prompts.js";
export { agentParamsSchema, type AgentParams } from "./agent/params.js";
export { DEFAULT_SANDBOX_LIMIT_PARAMS, sandboxLimitsFromParams, sandboxLimitsSchema, type SandboxLimitParams } from "./sandbox/limit-params.js";
export {
  classifyAgentResult,
  ROLLOUT_FAILURES,
  rolloutTrajectorySchema,
  runRollout,
  type RolloutFailure,
  type RolloutRequest,
  type RolloutResult,
  type RolloutTrajectory,
} from "./agent/rollout.js";
