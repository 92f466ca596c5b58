import path from "node:path";
import { batchInputFor, renderBatchScript, runPaths, type LoadedExperiment, type PlannedRun } from "@sera/core";

/**
 * For `--dry-run` previews on a Slurm backend: the batch script sera would submit for a run's
 * first attempt (the stage's resources over the backend's), headed by where it would be written.
 * Empty on other backends.
 */
export function sbatchPreview(loaded: LoadedExperiment, experimentDir: string, run: PlannedRun): string {
  const backend = loaded.config.backend;
  if (backend.kind !== "slurm") return "";
  const stage = loaded.config.stages[run.stage];
  const attemptDir = runPaths(experimentDir, run.id).attemptDir(1);
  const input = batchInputFor(backend, {
    attemptDir,
    stage: run.stage,
    runId: run.id,
    stageResources: stage.resources,
    timeoutSeconds: stage.timeoutSeconds ?? loaded.config.executor.timeoutSeconds,
  });
  return `\n## sbatch script for attempt 1 (${path.relative(process.cwd(), attemptDir)}/slurm-job.sh)\n${renderBatchScript(input)}`;
}
