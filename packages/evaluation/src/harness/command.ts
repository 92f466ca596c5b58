import { shellQuote } from "@sera/core";
import type { HarnessParams } from "./params.js";

/**
 * The official harness invocation (`python -m swebench.harness.run_evaluation`). It writes its
 * logs under `logs/run_evaluation/<run_id>/` and the run summary into its working directory,
 * so the script changes into the run's harness folder first.
 */
export function harnessArgv(params: HarnessParams, predictions: string, harnessRunId: string): string[] {
  const argv = [
    params.python,
    "-m",
    "swebench.harness.run_evaluation",
    "--dataset_name",
    params.dataset,
    "--split",
    params.split,
    "--predictions_path",
    predictions,
    "--run_id",
    harnessRunId,
    "--max_workers",
    String(params.maxWorkers),
    "--timeout",
    String(params.timeoutSeconds),
    "--cache_level",
    params.cacheLevel,
    "--namespace",
    params.namespace ?? "none",
  ];
  if (params.instanceIds?.length) argv.push("--instance_ids", ...params.instanceIds);
  return argv;
}

export function harnessScript(params: HarnessParams, predictions: string, harnessRunId: string, harnessDir: string): string {
  return [
    "#!/bin/bash",
    "# SWE-bench harness job written by sera (swebench-harness stage). Needs Docker and `pip install swebench`.",
    "set -euo pipefail",
    `cd ${shellQuote(harnessDir)}`,
    `exec ${harnessArgv(params, predictions, harnessRunId).map(shellQuote).join(" ")}`,
    "",
  ].join("\n");
}
