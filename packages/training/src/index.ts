export {};
export { renderSample, renderMessages, serializeSftLine } from "./dataset/format/render.js";
export type { RenderSampleResult, LineOptions } from "./dataset/format/render.js";
export type { RenderOptions, DropReason, SftFormat, SftMessage, SftRole, RenderedSample } from "./dataset/format/sample.js";
export type { ThinkMode, ThinkTags } from "./dataset/format/assistant-turn.js";
export { sweAgentTools, miniSweAgentTools, inferTools } from "./dataset/format/tools.js";
export type { OpenAiTool } from "./dataset/format/tools.js";
export { pythonJsonDumps } from "./dataset/format/python-json.js";
export { loadChatTemplate, toolSystemText, ChatTemplateError, defaultTokenizerConfigPath } from "./dataset/format/chat-template.js";
export type { ChatTemplate, TemplateMessage } from "./dataset/format/chat-template.js";
export { qwenSegments, SegmentSource } from "./dataset/format/chatml-layout.js";
export type { SegmentCheck } from "./dataset/format/chatml-layout.js";
export { chatmlText, tokenCounterFromFunction, loadQwen3Counter, CachedTokenCounter } from "./dataset/tokens.js";
export type { TokenCounter, Qwen3Engine, TokenCacheStats } from "./dataset/tokens.js";
export { Qwen3BpeCounter } from "./dataset/qwen3-bpe.js";
export { defaultTokenWorkers, Qwen3TokenPool } from "./dataset/token-pool.js";
export type { TokenPoolOptions } from "./dataset/token-pool.js";
export { truncateToBudget, truncateMessages, orderByRatio, selectByRatio, defaultTokenBudget, defaultRatioThreshold } from "./dataset/truncate.js";
export type { Truncation, TruncationOutcome, RatioEntry, RatioSelection } from "./dataset/truncate.js";
export {
  countChangedLines,
  filterByPatchSize,
  normalizePatch,
  dedupePatches,
  meanToolOutputTokens,
  filterByToolOutputTokens,
  defaultMaxChangedLines,
  defaultMaxMeanToolOutputTokens,
} from "./dataset/filters.js";
export type { FilterOutcome, ToolOutputMeasure } from "./dataset/filters.js";
export { seededOrder, nestedSubsets, ratioOrder, subsetOrder, SUBSET_ORDERS } from "./dataset/subsets.js";
export type { SubsetOrder, SubsetOrdering } from "./dataset/subsets.js";
export { drawMix, mixSchema } from "./dataset/mix.js";
export type { MixCandidate, MixParams, MixPart } from "./dataset/mix.js";
export { parseSweAgentTraj, readSweAgentTrajFile } from "./ingest/swe-agent.js";
export { parseMiniSweAgentTraj, readMiniSweAgentTrajFile } from "./ingest/mini-swe-agent.js";
// SWE-bench predictions are defined in core (parsePredictions, readPredictions), shared with evaluation.
export { parseSftLine, parseSftJsonl } from "./ingest/sft-jsonl.js";
export type { ParsedSftSample } from "./ingest/sft-jsonl.js";
export { exportSft, withQwen3Counter, measureExportThroughput } from "./dataset/export.js";
export type { ExportOptions, ExportedSample, ExportReport, ExportDropReason, Qwen3CounterOptions, ExportThroughput } from "./dataset/export.js";
export { datasetStage } from "./stage.js";
export { datasetParamsSchema, datasetIdentity } from "./build/params.js";
export type { DatasetParams } from "./build/params.js";
export { buildDataset } from "./build/run.js";
export type { DatasetCard, CardFile, SourceLineage } from "./card/card.js";
export { renderCardMarkdown } from "./card/card.js";
export { samplesTable, datasetDropsTable, datasetsTable, ingestsTable, foreignTrajectoriesTable } from "./records/tables.js";
export { parseForeignFile, ForeignInputError } from "./ingest/detect.js";
export type { ForeignFormat, ForeignTrajectory, ParsedForeignFile } from "./ingest/detect.js";
export { collectForeign } from "./ingest/collect.js";
export type { ForeignBatch, ForeignItem } from "./ingest/collect.js";
export { writeForeignBatch, loadForeignBatch } from "./ingest/foreign-records.js";
export type { ForeignSummary } from "./ingest/foreign-records.js";
// Training runs: SERA recipes rendered for axolotl / LLaMA-Factory, the sera-train stage, checkpoints.
export { SFT_RECIPES, SFT_RECIPE_NAMES } from "./recipes/presets.js";
export type { SftRecipe, SftHyperParameters, SftResources, LauncherKind, ZeroStage } from "./recipes/presets.js";
export { totalTrainingSteps, warmupRatio, warmupStepsFromRatio, planWarmup } from "./recipes/warmup.js";
export type { WarmupPlan } from "./recipes/warmup.js";
export { buildTrainingPlan, trainingLayout, layoutPath } from "./recipes/plan.js";
export type { TrainingPlan, TrainerKind, PlanInput } from "./recipes/plan.js";
export { axolotlConfig, axolotlConfigYaml } from "./recipes/axolotl.js";
export { llamaFactoryConfig, llamaFactoryConfigYaml, llamaFactoryDatasetInfo, toLlamaFactorySample, convertForLlamaFactory } from "./recipes/llamafactory.js";
export { deepspeedConfig } from "./recipes/deepspeed.js";
export { launchScript } from "./recipes/launch.js";
export { renderTrainingFiles } from "./recipes/render.js";
export type { RenderedFile } from "./recipes/render.js";
export { trainerYaml } from "./recipes/trainer-yaml.js";
export { TrainerLogTracker } from "./train/trainer-log.js";
export type { TrainerEvent } from "./train/trainer-log.js";
export { parsePythonDict } from "./train/python-literal.js";
export { readSafetensorsHeader, writeSafetensors, renameSafetensors } from "./train/safetensors.js";
export { postprocessCheckpoint, unwrapTensorName, verifyCheckpoint } from "./train/postprocess.js";
export type { PostprocessReport } from "./train/postprocess.js";
export { resolveTokenizerSource, bundledQwen3TokenizerDir } from "./train/tokenizer-source.js";
export { checkpointsTable, folderDigest } from "./train/checkpoints.js";
export { runStandInTrainer, STAND_IN_MARKER } from "./train/stand-in-trainer.js";
export { trainParamsSchema } from "./train/params.js";
export type { TrainParams } from "./train/params.js";
export { runTraining, allocationProblem } from "./train/run.js";
export type { TrainingSummary } from "./train/run.js";
export { findUpstreamDataset } from "./train/dataset-input.js";
export { trainStage } from "./train/train-stage.js";
export { previewTraining } from "./train/preview.js";
export type { TrainingPreview } from "./train/preview.js";
export { datasetFiles } from "./card/files.js";
