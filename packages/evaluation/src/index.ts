export { evalStage, harnessStage } from "./eval-stage.js";
export { evalParamsSchema, evalIdentity, type EvalParams } from "./eval/params.js";
export { runEvaluation, type EvalSummary } from "./eval/run.js";
export type { EvalRunInfo } from "./eval/info.js";
export { harnessParamsSchema, type HarnessParams } from "./harness/params.js";
export { runHarness, type HarnessOutcome } from "./harness/run.js";
export { harnessArgv, harnessScript } from "./harness/command.js";
export { findReports, findRunSummary, readRunSummary, readInstanceReport, gradeInstances, instanceReportSchema, runSummarySchema } from "./harness/reports.js";
export type { FoundReport, GradedInstance, GradeStatus, InstanceReport, RunSummary } from "./harness/reports.js";
export { sweBenchEvalRow, sweBenchSummaryRow } from "./harness/grade-records.js";
// The predictions format lives in core (one definition for evaluation and the ingest); re-exported for callers of this package.
export { readPredictions, predictionLine, type Prediction } from "@sera/core";
export { vllmServeArgv, type VllmServeOptions } from "./serve/vllm.js";
export { startModelServer, freePort } from "./serve/server-process.js";
export { readTaskInstances, resolveRepoPath, repoFromInstanceId, taskInstanceSchema, type TaskInstance } from "./tasks/instances.js";
export { heldOutTasksFromGeneration } from "./tasks/held-out.js";
export { evaluationTables, evalsTable, evalRolloutsTable, evalSummariesTable, ingestEvaluationRecords } from "./records/tables.js";
