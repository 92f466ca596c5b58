import { commandStage } from "./stages/command.js";
import { registerStage } from "./stages/registry.js";

export * from "./trajectory/schema.js";
export { ConfigError, describeValue } from "./config/errors.js";
export { canonicalJson, sha256Hex } from "./config/canonical.js";
export { flatten, getPath, setPath } from "./config/dotted.js";
export { experimentSchema, type Experiment, type LoadedExperiment, type StageConfig } from "./config/experiment.js";
export { loadExperiment, mergeTrees, validate, type LoadOptions } from "./config/load.js";
export { expandSweep, stageOrder, RUN_ID_SALT, type Plan, type PlannedRun, type SweepAxis } from "./sweep/expand.js";
export { registerStage, stageHandler, stageKinds, type JobContext, type JobRequest, type StageHandler } from "./stages/registry.js";
export { commandStage } from "./stages/command.js";
export { defineTypeScriptStage, RetryableStageError, type StageExecution, type TypeScriptStage, type TypeScriptStageSpec } from "./stages/in-process.js";
export { ensureSweepColumns } from "./store/ingest.js";
export { writeJsonAtomic, readJsonl } from "./executor/journal.js";
export { openStore, withStore, StoreBusyError, type Store } from "./store/open.js";
export { registerMigrations, type Migration } from "./store/migrations.js";
export * from "./store/tables.js";
export { ingestRuns, summariseEvents, type RunOnDisk } from "./store/ingest.js";
export type { Backend, JobState } from "./executor/backend.js";
export { localBackend } from "./executor/local.js";
export { runExperiment, experimentDir, type RunOptions, type RunReport } from "./executor/coordinator.js";
export { ExperimentBusyError } from "./executor/lock.js";
export { runPaths, readEvents, readJson, type RunEvent, type AttemptResult, type JobHandle } from "./executor/journal.js";
export { SERA_VERSION } from "./version.js";

registerStage(commandStage);
