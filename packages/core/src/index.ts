import { commandStage } from "./stages/command.js";
import { registerStage } from "./stages/registry.js";

export * from "./trajectory/schema.js";
export { parsePredictions, predictionLine, predictionSchema, readPredictions, type Prediction } from "./trajectory/predictions.js";
export { ConfigError, describeValue } from "./config/errors.js";
export { canonicalJson, sha256Hex } from "./config/canonical.js";
export { flatten, getPath, setPath } from "./config/dotted.js";
export { experimentSchema, type Experiment, type LoadedExperiment, type StageConfig } from "./config/experiment.js";
export { reportSchema, type ReportConfig } from "./config/experiment.js";
export { loadExperiment, mergeTrees, validate, type LoadOptions } from "./config/load.js";
export { expandSweep, stageOrder, RUN_ID_SALT, type Plan, type PlannedRun, type SweepAxis } from "./sweep/expand.js";
export { registerStage, stageHandler, stageKinds, type JobContext, type JobRequest, type StageHandler, type UpstreamRun } from "./stages/registry.js";
export { commandStage } from "./stages/command.js";
export { defineTypeScriptStage, RetryableStageError, type StageExecution, type TypeScriptStage, type TypeScriptStageSpec } from "./stages/in-process.js";
export { ensureSweepColumns } from "./store/ingest.js";
export { writeJsonAtomic, readJsonl } from "./executor/journal.js";
export { readJsonlLines, repairJsonl, reportCorruptionToStderr, type CorruptFile, type CorruptionSink } from "./executor/journal.js";
export { openStore, withStore, lockConnection, LOCKED_SETTINGS, StoreBusyError, type Store } from "./store/open.js";
export { standInBanner, standInCounts, type StandInCount } from "./store/provenance.js";
export { registerMigrations, renameColumnIfPresent, type Migration } from "./store/migrations.js";
export * from "./contract/run-records.js";
export * from "./contract/define-table.js";
export * from "./contract/generation-records.js";
export * from "./contract/training-records.js";
export * from "./contract/evaluation-records.js";
export * from "./contract/generation-output.js";
export * from "./contract/run-plan.js";
export * from "./contract/record-file.js";
export { ingestRuns, summariseEvents, type RunOnDisk } from "./store/ingest.js";
export type { Backend, JobState } from "./executor/backend.js";
export { localBackend } from "./executor/local.js";
export { runExperiment, experimentDir, type BudgetReport, type RunOptions, type RunReport } from "./executor/coordinator.js";
export { standInUsdMetric } from "./executor/invocation-spend.js";
export { ExperimentBusyError } from "./executor/lock.js";
export { runPaths, readEvents, readJson, type RunEvent, type AttemptResult, type JobHandle } from "./executor/journal.js";
export { createBackend } from "./executor/backends.js";
export {
  jobResourcesSchema,
  slurmBackendSchema,
  mergeResources,
  type JobResources,
  type SlurmBackendConfig,
  type ClusterPrices,
} from "./executor/slurm-config.js";
export { batchInputFor, slurmBackend, slurmBatchInput, type SlurmBackendOptions } from "./executor/slurm.js";
export { renderArrayScript, renderBatchScript, resourceOptions, sbatchOptions, slurmTimeLimit, type BatchScriptInput } from "./executor/slurm-script.js";
export { fillPlaceholders, seraInvocation, setSeraInvocation, shellQuote, stopProcessTree } from "./executor/shell.js";
export { exitQuietlyOnClosedPipe, exitWhenFlushed, outputFlushed } from "./executor/exit.js";
export { loadRecordFile, maximumObjectSize, sqlString, typedReadJson, type RecordTable } from "./store/record-table.js";
export { parseSacct, parseSqueue, parseTres, parseScontrolJob, parseSlurmDuration, type SacctRow, type TresAllocation } from "./executor/slurm-cli.js";
export { allocationCostLines, slurmJobAccounting, type JobAccounting } from "./executor/slurm-accounting.js";
export { rayBackendSchema, type RayBackendConfig } from "./executor/ray-config.js";
export { rayBackend, raySubmission, type RayBackendOptions } from "./executor/ray.js";
export {
  RayJobsClient,
  RayApiError,
  rayJobStatuses,
  type RayJobDetails,
  type RayJobStatus,
  type RaySubmitRequest,
  type RayClientOptions,
} from "./executor/ray-client.js";
export { zipDirectory, packageUri, uploadWorkingDir } from "./executor/ray-package.js";
export { SERA_VERSION } from "./version.js";

registerStage(commandStage);
export { listenHttp } from "./net/listen.js";
