import path from "node:path";
import { defineTypeScriptStage, registerStage } from "@sera/core";
import { buildDataset } from "./build/run.js";
import { checkDatasetParams, datasetIdentity, datasetParamsSchema, type DatasetParams } from "./build/params.js";
import { ingestDatasetRecords } from "./records/tables.js";

/** `kind: sera-dataset` — generated (or ingested) trajectories to an SFT dataset, as a stage of the spine. */
export const datasetStage = defineTypeScriptStage<DatasetParams>({
  kind: "sera-dataset",
  version: 1,
  summary: "SFT dataset from generation runs: select T1/T2, filter, render (hermes/xml/raw), Qwen3 token budget, truncation-ratio order, nested subsets",
  params: datasetParamsSchema,
  module: import.meta.url,
  identity: datasetIdentity,
  check: (params, context) => checkDatasetParams(params, context),
  async execute(run) {
    const card = await buildDataset(run);
    process.stdout.write(`dataset: ${card.counts.samples} samples from ${card.counts.candidates} candidates (${card.counts.dropped} rollouts dropped)\n`);
  },
  async ingest(connection, run) {
    await ingestDatasetRecords(connection, run.plan.id, path.join(run.outDir, "records"));
  },
});

registerStage(datasetStage);
