export * from "./inventory/index.js";
export * from "./tasks/index.js";
export { trajectorySteps } from "./pipeline/trajectory-steps.js";
export { generationParamsSchema, teacherSchema, type GenerationParams, type TeacherConfig } from "./pipeline/params.js";
export { repositoriesOf, type Repository } from "./pipeline/repositories.js";
export { runGeneration, type GenerationSummary } from "./pipeline/run.js";
export { generationTables, ingestGenerationRecords } from "./records/tables.js";
export { generationStage } from "./stage.js";
