import path from "node:path";
import { defineTypeScriptStage, registerStage } from "@sera/core";
import { checkEvalParams, evalIdentity, evalParamsSchema, type EvalParams } from "./eval/params.js";
import { runEvaluation } from "./eval/run.js";
import { checkHarnessParams, harnessIdentity, harnessParamsSchema, type HarnessParams } from "./harness/params.js";
import { runHarness } from "./harness/run.js";
import { ingestEvaluationRecords } from "./records/tables.js";

/** `kind: sera-eval` — serve a checkpoint and let it solve task instances with the generation agent. */
export const evalStage = defineTypeScriptStage<EvalParams>({
  kind: "sera-eval",
  version: 1,
  summary:
    "serve a checkpoint (vLLM, hermes tool parser, max_model_len = context length), run the agent on task instances → predictions; held-out soft verification",
  params: evalParamsSchema,
  module: import.meta.url,
  identity: evalIdentity,
  check: checkEvalParams,
  async execute(run) {
    const summary = await runEvaluation(run);
    const graded =
      summary.resolveRate === null ? "grade them with a swebench-harness stage" : `${summary.resolved} resolved (${summary.resolveRate.toFixed(1)}%)`;
    process.stdout.write(
      `evaluated ${summary.instances} instances at ${summary.info.contextLength} context${summary.info.standIn ? " (stand-in model)" : ""}: ${summary.submitted} patches submitted; ${graded}\n`,
    );
  },
  async ingest(connection, run) {
    await ingestEvaluationRecords(connection, path.join(run.outDir, "records"));
  },
});

/** `kind: swebench-harness` — grade predictions with the official SWE-bench harness (or import its reports). */
export const harnessStage = defineTypeScriptStage<HarnessParams>({
  kind: "swebench-harness",
  version: 1,
  summary: "grade predictions with the SWE-bench harness as a job (run, render only, or import existing reports) → evals, eval_summaries",
  params: harnessParamsSchema,
  module: import.meta.url,
  identity: harnessIdentity,
  check: checkHarnessParams,
  async execute(run) {
    const outcome = await runHarness(run);
    process.stdout.write(
      outcome.mode === "render"
        ? `harness command written to ${outcome.script}; nothing graded (mode: render)\n`
        : `graded ${outcome.graded} instances: ${outcome.resolved} resolved${outcome.resolveRate === null ? "" : ` (${outcome.resolveRate.toFixed(1)}%)`}\n`,
    );
  },
  async ingest(connection, run) {
    await ingestEvaluationRecords(connection, path.join(run.outDir, "records"));
  },
});

registerStage(evalStage);
registerStage(harnessStage);
