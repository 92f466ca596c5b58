export * from "./verify/index.js";
export * from "./inventory/index.js";
export * from "./tasks/index.js";
export * from "./model/index.js";
export * from "./scripted/index.js";
export * from "./sandbox/index.js";
export * from "./environment/index.js";
export * from "./tools/index.js";
export { runAgent, DEFAULT_AGENT_LIMITS, type AgentLimits, type AgentResult, type AgentRun, type Environment, type ExitStatus } from "./agent/loop.js";
export { trajectorySteps } from "./agent/steps.js";
export { sandboxEnvironment, type ToolLimits } from "./agent/sandbox-environment.js";
export { agentParamsSchema, generationParamsSchema, teacherSchema, type GenerationParams, type TeacherConfig } from "./pipeline/params.js";
export {
  DEFAULT_SANDBOX_LIMIT_PARAMS,
  sandboxLimitsFromParams,
  sandboxLimitsSchema,
  type SandboxLimitParams,
} from "./pipeline/sandboxLimits.js";
export { runGeneration, type GenerationSummary } from "./pipeline/run.js";
export { generationTables, ingestGenerationRecords } from "./records/tables.js";
export { generationStage } from "./stage.js";
