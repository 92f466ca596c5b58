import { appendFileSync, existsSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { appendRecordRows, checkpointsTable, RetryableStageError, writeJsonAtomic, type StageExecution } from "@sera/core";
import { convertForLlamaFactory } from "../recipes/llamafactory.js";
import { configFile } from "../recipes/launch.js";
import { buildTrainingPlan, layoutPath, type TrainingPlan } from "../recipes/plan.js";
import { SFT_RECIPES } from "../recipes/presets.js";
import { renderTrainingFiles, writeRenderedFiles } from "../recipes/render.js";
import { folderDigest, intermediateCheckpoints, type CheckpointRecord } from "./checkpoints.js";
import { collectSamples, datasetShards, findUpstreamDataset } from "./dataset-input.js";
import { fillPlaceholders, seraInvocation } from "@sera/core";
import { runTrainerProcess } from "./launch-process.js";
import type { TrainParams } from "./params.js";
import { hasFinalWeights, postprocessCheckpoint, type PostprocessReport } from "./postprocess.js";
import { STAND_IN_MARKER, STAND_IN_TRAINER_ANNOUNCEMENT } from "./stand-in-trainer.js";
import { resolveTokenizerSource } from "./tokenizer-source.js";
import { TrainerLogTracker, type TrainerEvent } from "./trainer-log.js";

/**
 * The `sera-train` stage body: resolve the dataset, render the trainer config and job script,
 * launch the trainer and follow its log (loss, learning rate and grad norm per step become
 * metrics), post-process the final checkpoint, and write the checkpoint records and the run
 * summary (train.json) that evaluation reads.
 */

export interface TrainingSummary {
  recipe: string;
  trainer: string;
  baseModel: string;
  dataset: string;
  samples: number;
  totalSteps: number;
  warmupSteps: number;
  warmupRatio: number;
  gpus: number;
  lastStep: number;
  finalLoss: number | null;
  /** The post-processed model folder to serve. */
  model: string;
  standIn: boolean;
  launchedWith: "job-script" | "launcher.command";
  postprocess: PostprocessReport;
}

async function prepareDataset(run: StageExecution<TrainParams>, trainer: TrainParams["trainer"]): Promise<{ file: string; samples: number; source: string }> {
  const { params } = run;
  let shards: string[];
  let source: string;
  if (params.dataset) {
    source = path.resolve(params.dataset);
    if (!existsSync(source)) throw new Error(`dataset: ${source} does not exist`);
    shards = datasetShards(source);
  } else {
    const stage = params.datasetStage ?? Object.keys(run.upstream)[0];
    const upstream = run.upstream[stage];
    if (!upstream) throw new Error(`no upstream run for stage ${stage}`);
    source = upstream.outDir;
    shards = findUpstreamDataset(upstream.outDir, { file: params.datasetFile, samples: params.samples });
  }
  const configDir = path.join(run.outDir, "config");
  mkdirSync(configDir, { recursive: true });
  let file = shards[0];
  let samples: number;
  if (shards.length > 1) {
    file = path.join(configDir, "dataset.jsonl");
    samples = await collectSamples(shards, file);
  } else samples = await collectSamples(shards);
  if (trainer === "llamafactory") {
    const target = path.join(configDir, "llamafactory-train.jsonl");
    const { kept, dropped } = await convertForLlamaFactory(file, target);
    if (dropped > 0) process.stderr.write(`sera-train: ${dropped} samples have no assistant turn and are left out for LLaMA-Factory\n`);
    samples = kept;
    file = target;
  }
  if (samples === 0) throw new Error(`dataset ${source} holds no samples`);
  return { file, samples, source };
}

/** A multi-node recipe needs the Slurm allocation it was written for; say so before launching. */
export function allocationProblem(plan: Pick<TrainingPlan, "resources" | "recipe">, env: NodeJS.ProcessEnv): string | null {
  const { nodes, gpusPerNode } = plan.resources;
  const allocated = env.SLURM_JOB_NUM_NODES ?? env.SLURM_NNODES;
  if (nodes > 1 && allocated !== String(nodes)) {
    return `${plan.recipe} needs ${nodes} nodes but this job has ${allocated ? `a Slurm allocation of ${allocated}` : "no Slurm allocation"}: use backend: slurm with resources.nodes: ${nodes}`;
  }
  if (allocated && allocated !== String(nodes)) return `the Slurm allocation has ${allocated} nodes, the recipe expects ${nodes}`;
  const gpusOnNode = env.SLURM_GPUS_ON_NODE;
  if (gpusOnNode && Number(gpusOnNode) < gpusPerNode) return `${plan.recipe} needs ${gpusPerNode} GPUs per node, the Slurm allocation gives ${gpusOnNode}`;
  return null;
}

function emitEvent(run: StageExecution<TrainParams>, event: TrainerEvent, losses: Map<number, number>, provenance: Provenance): void {
  const marked = { provenance };
  if (event.kind === "log") {
    if (event.values.loss !== undefined) losses.set(event.step, event.values.loss);
    run.emit({ step: event.step, ...event.values, ...marked });
  } else if (event.kind === "progress") run.emit({ progress_done: event.step, progress_total: event.total, ...marked });
  else if (event.kind === "summary") run.emit({ ...event.values, ...marked });
}

type Provenance = "real" | "stand-in";

/** Watches the trainer's output for the stand-in's self-introduction (also across chunk boundaries). */
function standInWatcher(): { see: (chunk: string) => void; provenance: () => Provenance } {
  let standIn = false;
  let tail = "";
  return {
    see: (chunk) => {
      if (standIn) return;
      const text = tail + chunk;
      standIn = text.includes(STAND_IN_TRAINER_ANNOUNCEMENT);
      tail = text.slice(-STAND_IN_TRAINER_ANNOUNCEMENT.length);
    },
    provenance: () => (standIn ? "stand-in" : "real"),
  };
}

export async function runTraining(run: StageExecution<TrainParams>): Promise<TrainingSummary> {
  const { params } = run;
  const recipe = SFT_RECIPES[params.recipe];
  const dataset = await prepareDataset(run, params.trainer);
  const plan = buildTrainingPlan({
    recipe: params.recipe,
    trainer: params.trainer,
    baseModel: params.baseModel,
    datasetFile: dataset.file,
    samples: dataset.samples,
    runDir: run.outDir,
    seed: run.seed ?? 42,
    overrides: params.overrides,
    resources: params.resources,
    launcher: params.launcher.kind,
    masterPort: params.launcher.masterPort,
  });
  writeRenderedFiles(renderTrainingFiles(plan));
  if (plan.warmup.warmupSteps < plan.hyper.warmupSteps) {
    process.stderr.write(
      `sera-train: ${plan.warmup.totalSteps} optimiser steps are fewer than the recipe's ${plan.hyper.warmupSteps} warmup steps: the learning rate warms up for the whole run\n`,
    );
  }
  const gpus = plan.resources.nodes * plan.resources.gpusPerNode;
  run.emit({
    samples: plan.warmup.samples,
    total_steps: plan.warmup.totalSteps,
    warmup_steps: plan.warmup.warmupSteps,
    warmup_ratio: plan.warmup.warmupRatio,
    gradient_accumulation: plan.gradientAccumulation,
    gpus,
  });

  const outputDir = layoutPath(plan, "checkpointsDir");
  const override = params.launcher.command;
  let shellCommand: string;
  if (override) {
    shellCommand = fillPlaceholders(
      override,
      {
        config: configFile(plan),
        out_dir: run.outDir,
        output_dir: outputDir,
        dataset: plan.datasetFile,
        gpus: String(gpus),
        nodes: String(plan.resources.nodes),
        sera: seraInvocation(),
        node: process.execPath,
      },
      "launcher.command",
    );
    process.stderr.write(`sera-train: launcher.command replaces the real launch (${layoutPath(plan, "launchScript")} is rendered but not run)\n`);
  } else {
    const problem = allocationProblem(plan, process.env);
    if (problem) throw new Error(problem);
    shellCommand = `exec bash ${layoutPath(plan, "launchScript")}`;
  }

  const logFile = layoutPath(plan, "trainerLog");
  appendFileSync(logFile, `\n===== sera-train attempt ${run.attempt} (${new Date().toISOString()}): ${shellCommand}\n`);
  const tracker = new TrainerLogTracker(plan.hyper.loggingSteps);
  const losses = new Map<number, number>();
  const watcher = standInWatcher();
  const result = await runTrainerProcess({
    shellCommand,
    cwd: run.outDir,
    logFile,
    signal: run.signal,
    onOutput: (chunk) => {
      watcher.see(chunk);
      tracker.push(chunk).forEach((event) => emitEvent(run, event, losses, watcher.provenance()));
    },
  });
  tracker.end().forEach((event) => emitEvent(run, event, losses, watcher.provenance()));
  emitGpuHours(run, gpus, result.wallSeconds, watcher.provenance());
  run.signal.throwIfAborted();
  if (result.exitCode !== 0) {
    const how = result.signal ? `was killed by ${result.signal}` : `exited with ${result.exitCode}`;
    const message = `the trainer ${how} after ${result.wallSeconds.toFixed(1)} s (log: ${logFile})`;
    // Killed, or EX_TEMPFAIL: worth another attempt, which resumes from the newest checkpoint.
    if (result.signal || result.exitCode === 75) throw new RetryableStageError(message);
    throw new Error(message);
  }
  if (!hasFinalWeights(outputDir)) throw new Error(`the trainer exited 0 but left no final weights in ${outputDir}`);

  const modelDir = layoutPath(plan, "modelDir");
  const tokenizerDir = resolveTokenizerSource(params.postprocess.tokenizerFrom, plan.baseModel);
  const report = await postprocessCheckpoint(outputDir, modelDir, tokenizerDir);
  const standIn = watcher.provenance() === "stand-in" || existsSync(path.join(modelDir, STAND_IN_MARKER));
  const lastStep = Math.max(tracker.step, 0);
  const finalLoss = [...losses.entries()].sort((a, b) => a[0] - b[0]).at(-1)?.[1] ?? null;
  await writeCheckpointRecords(run, plan, modelDir, lastStep, losses, standIn);
  run.emit({
    ...(finalLoss === null ? {} : { final_loss: finalLoss }),
    last_step: lastStep,
    renamed_tensors: report.renamedTensors,
    restored_tokenizer_files: report.restoredTokenizerFiles.length,
    provenance: standIn ? "stand-in" : "real",
  });

  const summary: TrainingSummary = {
    recipe: recipe.name,
    trainer: plan.trainer,
    baseModel: plan.baseModel,
    dataset: plan.datasetFile,
    samples: plan.warmup.samples,
    totalSteps: plan.warmup.totalSteps,
    warmupSteps: plan.warmup.warmupSteps,
    warmupRatio: plan.warmup.warmupRatio,
    gpus,
    lastStep,
    finalLoss,
    model: modelDir,
    standIn,
    launchedWith: override ? "launcher.command" : "job-script",
    postprocess: report,
  };
  writeJsonAtomic(layoutPath(plan, "summary"), summary);
  return summary;
}

/** A cluster backend (SERA_BACKEND=slurm or ray) books the job's GPU-hours from its own accounting. */
export function backendBooksGpuHours(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.SERA_BACKEND !== undefined && env.SERA_BACKEND !== "local";
}

/**
 * GPU-hours of this attempt: on a cluster backend the allocation is booked from the cluster's
 * accounting, so the stage adds nothing; elsewhere it books GPUs × the trainer's wall time.
 */
function emitGpuHours(run: StageExecution<TrainParams>, gpus: number, wallSeconds: number, provenance: Provenance): void {
  if (backendBooksGpuHours()) return;
  // The stand-in trainer held no GPU: its time is kept, no price is put on it.
  const standIn = provenance === "stand-in";
  run.emit({
    cost: {
      kind: "gpu_hours",
      quantity: (gpus * wallSeconds) / 3600,
      unit: "gpu_hours",
      unit_price: standIn ? null : (run.params.usdPerGpuHour ?? null),
      source: standIn ? "sera-train wall clock (stand-in trainer)" : "sera-train wall clock",
    },
    provenance,
  });
}

async function writeCheckpointRecords(
  run: StageExecution<TrainParams>,
  plan: TrainingPlan,
  modelDir: string,
  lastStep: number,
  losses: Map<number, number>,
  standIn: boolean,
): Promise<void> {
  const recordsDir = layoutPath(plan, "recordsDir");
  rmSync(recordsDir, { recursive: true, force: true });
  mkdirSync(recordsDir, { recursive: true });
  const lossAt = (step: number) => losses.get(step) ?? null;
  const base = { run_id: run.runId, recipe: plan.recipe, trainer: plan.trainer, base_model: plan.baseModel };
  const rows: CheckpointRecord[] = [];
  for (const checkpoint of intermediateCheckpoints(layoutPath(plan, "checkpointsDir"))) {
    const digest = await folderDigest(checkpoint.dir, run.params.postprocess.hash);
    rows.push({
      ...base,
      path: checkpoint.dir,
      step: checkpoint.step,
      epoch: checkpoint.epoch,
      is_final: false,
      servable: false,
      stand_in: existsSync(path.join(checkpoint.dir, STAND_IN_MARKER)),
      loss: lossAt(checkpoint.step),
      ...digest,
    });
  }
  const final = await folderDigest(modelDir, run.params.postprocess.hash);
  // A stand-in's final model is a few random bytes in a checkpoint's layout: nothing can serve it.
  rows.push({
    ...base,
    path: modelDir,
    step: lastStep,
    epoch: plan.hyper.epochs,
    is_final: true,
    servable: !standIn,
    stand_in: standIn,
    loss: lossAt(lastStep),
    ...final,
  });
  appendRecordRows(recordsDir, checkpointsTable, rows);
}
