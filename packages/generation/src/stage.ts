import path from "node:path";
import { defineTypeScriptStage, registerStage } from "@sera/core";
import { checkGenerationParams, generationIdentity, generationParamsSchema, type GenerationParams } from "./pipeline/params.js";
import { runGeneration } from "./pipeline/run.js";
import { ingestGenerationRecords } from "./records/tables.js";

/** `kind: sera-generate` — the soft-verified generation pipeline as a stage of the spine. */
export const generationStage = defineTypeScriptStage<GenerationParams>({
  kind: "sera-generate",
  version: 1,
  summary: "SERA soft-verified generation: inventory → rollout 1 → self-check → synthetic PR → rollout 2 → line-recall verification",
  params: generationParamsSchema,
  module: import.meta.url,
  identity: generationIdentity,
  check: (params) => checkGenerationParams(params),
  async execute(run) {
    const summary = await runGeneration(run);
    process.stdout.write(
      `generated ${summary.instances} instances: ${summary.verified} verified, ${summary.unverified} unverified, ${summary.failed} failed\n`,
    );
    const repos = Object.entries(summary.byRepo);
    if (repos.length > 1) {
      for (const [name, figures] of repos) {
        process.stdout.write(
          `  ${name}: ${figures.instances} instances, ${figures.verified} verified, ${figures.unverified} unverified, ${figures.failed} failed\n`,
        );
      }
    }
  },
  async ingest(connection, run) {
    await ingestGenerationRecords(connection, path.join(run.outDir, "records"));
  },
});

registerStage(generationStage);
