import path from "node:path";
import { defineTypeScriptStage, registerStage } from "@sera/core";
import { ingestCheckpointRecords } from "./checkpoints.js";
import { checkTrainParams, trainIdentity, trainParamsSchema, type TrainParams } from "./params.js";
import { runTraining } from "./run.js";

/** `kind: sera-train` — supervised fine-tuning with a SERA recipe as a stage of the spine. */
export const trainStage = defineTypeScriptStage<TrainParams>({
  kind: "sera-train",
  version: 1,
  summary: "SFT with a SERA recipe (axolotl or LLaMA-Factory): render config and job script, launch, follow loss, post-process the checkpoint",
  params: trainParamsSchema,
  module: import.meta.url,
  identity: trainIdentity,
  check: checkTrainParams,
  async execute(run) {
    const summary = await runTraining(run);
    process.stdout.write(
      `trained ${summary.recipe} (${summary.trainer}${summary.standIn ? ", CPU stand-in" : ""}) on ${summary.samples} samples for ${summary.lastStep} steps; model: ${summary.model}\n`,
    );
  },
  async ingest(connection, run) {
    await ingestCheckpointRecords(connection, path.join(run.outDir, "records"));
  },
});

registerStage(trainStage);
